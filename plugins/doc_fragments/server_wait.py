# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The waits of the modules that change servers (server, server_rebuild): base.SERVER_WAIT_ARGUMENT_SPEC.
    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Wait until each server has settled (ACTIVE, or SHUTOFF, with no task in progress) and each deleted one is gone. A
        server that goes to ERROR fails the task at once with the platform's fault message.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each server. Servers from large private images boot and rebuild slowly.
    type: int
    default: 1800
  poll_interval:
    description:
      - Seconds between the first status checks (growing by half up to 30).
    type: float
    default: 5
'''
