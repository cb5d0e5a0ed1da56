# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The segments in flight of the modules that send large objects to Cloud Files (image_transfer, image_import,
    # object_upload): links.segment_workers.
    DOCUMENTATION = r'''
options:
  workers:
    description:
      - Segments sent to Cloud Files at the same time (1 to 32).
      - Unset, it is chosen from what the link to the target Cloud Files shows before the segments are sent, as
        ceil(link rate x round trip / send window) between 4 and 32. The round trip is the shortest of 3 HEAD requests
        of the container the segments go to; the send window is this host's largest TCP send buffer (the third field of
        C(/proc/sys/net/ipv4/tcp_wmem), else 4 MiB); the link rate cannot be seen without sending data, so a nominal
        1 Gbit/s is assumed (set O(workers) for a faster link). The result's C(workers) and C(workers_reason) tell what
        was chosen and why.
    type: int
'''
