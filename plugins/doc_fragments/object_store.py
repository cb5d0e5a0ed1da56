# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The endpoint of the modules that move files to and from Cloud Files (object_upload, object_download):
    # base.OBJECT_STORE_ARGUMENT_SPEC.
    DOCUMENTATION = r'''
options:
  interface:
    description:
      - Which endpoint of the object store to use; V(internal) is Rackspace ServiceNet, reachable only from cloud servers.
    type: str
    choices: [public, internal]
    default: public
'''
