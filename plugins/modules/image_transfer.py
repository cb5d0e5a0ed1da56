#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_transfer
short_description: Copy an image to another region
version_added: 0.1.0
description:
  - Images cannot be shared across regions. This module makes a copy of an image in another region of the same account,
    which can then be shared there with M(opencloud.images.image_share).
  - B(Rackspace path) (O(method=tasks)). Exports the image to Cloud Files in its region (an export task), copies the
    exported object to Cloud Files in O(target_region), imports it there (an import task), then sets on the new image what
    an import cannot carry (its custom properties, O(properties), O(tags) and the coordinating properties below). There is
    no cross-region copy in Cloud Files, so the data passes through the host running this module (usually the
    controller).
  - B(The copy) streams every segment of the export from one region into the other, O(workers) at a time, with bounded
    memory whatever the image size. Each segment is sent with its MD5 so that Cloud Files refuses a damaged one, and is
    checked again here; a broken or damaged segment is sent again (3 tries). The copy is written as a static large
    object (a dynamic one when the segments are too small or too many for that), in the export's segments (their size
    is the source's, not chosen here); the segments go to O(target_container), whose round trip sets O(workers) when
    unset (RV(transferred.workers)).
  - B(Resumable.) A run that fails or is interrupted leaves the export and the segments copied so far; the next run
    reuses the export (or waits for the export or import task still running), skips every segment already copied with the
    right MD5, and goes on. The failure message lists what was left where.
  - B(Idempotent.) The new image carries C(opencloud.images.source_image) (the source image id) and
    C(opencloud.images.source_region), because ids and checksums differ between regions. A run that finds a copy with these
    returns it unchanged; the controller also keeps the copy's id (under C(~/.cache/opencloud.images/requests)) for the
    moments when the target's image list does not show it yet.
  - B(Cleanup.) After a success the export and the copied object (with its segments) are deleted from Cloud Files in both
    regions (O(cleanup)); after a failure they are kept for the next run.
  - B(Not exportable.) Windows and Red Hat images (C(com.rackspace__1__options) other than 0) cannot leave their region;
    they are refused before anything is done.
  - B(Generic OpenStack path) (O(method=image_data)). For clouds without export and import tasks, the image's data is
    streamed from the source image service into a new image of the target one, with the interoperable import
    (C(glance-direct)) where the target offers it, otherwise a plain upload; the MD5 of what was sent is compared with
    both images' checksums. This path cannot resume; an incomplete copy is deleted.
  - Tasks are polled every O(task_poll_interval) seconds (the platform asks for no more than one poll per 30 seconds).
    A large image can take hours; raise O(timeout), or run the task with C(async) and C(poll).
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
  - opencloud.images.segment_workers
attributes:
  check_mode:
    support: full
    description: Checks the source image (owner, status, exportable) and looks for an existing copy; copies nothing.
options:
  image:
    description:
      - Id or name of the image in the source region (O(region)). It must be yours and active.
    type: str
    required: true
  target_region:
    description:
      - Region to copy the image to, as the service catalog names it (for example C(ORD), C(IAD), C(LON)).
    type: str
    required: true
  name:
    description:
      - Name of the new image. Defaults to the source image's name.
    type: str
  properties:
    description:
      - Properties to set on the new image, in addition to the source image's own custom properties (which are copied).
      - Booleans are stored as V(true) and V(false) (lowercase), the text C(opencloud.images.image_info) filters on.
    type: dict
    default: {}
  tags:
    description:
      - Tags of the new image. Defaults to the source image's tags.
    type: list
    elements: str
  method:
    description:
      - V(tasks) is the Rackspace path (export, Cloud Files copy, import); V(image_data) streams the image data between the
        two image services; V(auto) takes V(tasks) when both regions offer an object store, else V(image_data).
    type: str
    choices: [auto, tasks, image_data]
    default: auto
  export_container:
    description:
      - Cloud Files container in the source region that receives the export (created when missing). The export task
        refuses names with C(/), C(?) or C(.).
    type: str
    default: image-transfer
  target_container:
    description:
      - Cloud Files container in O(target_region) for the copy. Its segments go to a container with C(_segments) appended.
        Defaults to O(export_container).
    type: str
  cleanup:
    description:
      - Delete the export and the copy from Cloud Files once the new image is active. Never done after a failure, so that
        the next run resumes.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each task (export, import) or for the target image to become active.
    type: int
    default: 21600
  task_poll_interval:
    description:
      - Seconds between two polls of a task. Keep 30 or more on the Rackspace cloud.
    type: float
    default: 30
'''

EXAMPLES = r'''
- name: Copy the web image from DFW to ORD
  opencloud.images.image_transfer:
    image: web-2026-11-26
    region: DFW
    target_region: ORD
  register: copy

- name: Share the copy with an account in ORD
  opencloud.images.image_share:
    image: "{{ copy.image_id }}"
    region: ORD
    members: ["654321"]

- name: A large image, in the background
  opencloud.images.image_transfer:
    image: db-2026-11-26
    region: IAD
    target_region: LON
    workers: 8  # rather than the count chosen from the link
    timeout: 43200
  async: 43200
  poll: 60

- name: Between two regions of an OpenStack cloud without export tasks
  opencloud.images.image_transfer:
    cloud: mycloud
    image: base-2026
    region: RegionOne
    target_region: RegionTwo
    method: image_data
'''

RETURN = r'''
image:
  description: The new image in the target region, as its image service returns it.
  returned: success, and in check mode when a copy exists
  type: dict
  sample: {"id": "9a3e5c1d-2b4f-4e6a-8c7d-0f1e2d3c4b5a", "name": "web-2026-11-26", "status": "active",
           "opencloud.images.source_image": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10", "opencloud.images.source_region": "DFW"}
image_id:
  description: Id of the new image.
  returned: success, and in check mode when a copy exists
  type: str
  sample: 9a3e5c1d-2b4f-4e6a-8c7d-0f1e2d3c4b5a
source_image_id:
  description: Id of the source image.
  returned: always
  type: str
  sample: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
method:
  description: The path taken, V(tasks) or V(image_data).
  returned: always
  type: str
  sample: tasks
transferred:
  description: What the copy did, for the tasks path (bytes and segments in all, sent, already there and skipped, repeats
    of broken segments, seconds, the manifest kind) or for the image-data path (bytes sent and the upload method).
  returned: when a copy was made
  type: dict
  sample: {"bytes_total": 21474836480, "bytes_sent": 21474836480, "segments_total": 20, "segments_sent": 20,
           "segments_skipped": 0, "repeats": 1, "seconds": 412.7, "manifest": "slo", "workers": 6,
           "workers_reason": "ceil(1 Gbit/s assumed x 180.3 ms round trip / 4.0 MiB window (tcp_wmem maximum)) = 6"}
  contains:
    workers:
      description: Segments copied at the same time (tasks path), O(workers) or the count chosen from the link.
      returned: when the tasks path made a copy
      type: int
      sample: 6
    workers_reason:
      description: Why that many, V(the workers option) or the rule and the measurements it was chosen from.
      returned: when the tasks path made a copy
      type: str
      sample: ceil(1 Gbit/s assumed x 180.3 ms round trip / 4.0 MiB window (tcp_wmem maximum)) = 6
steps:
  description: What this run did, in order.
  returned: always
  type: list
  elements: str
  sample: ["export task 5e1c... started into image-transfer", "copied 20 of 20 segments (0 already there), ...",
           "import task 7a2b... started from image-transfer/0d2c....vhd", "removed 42 objects (export and copy) from Cloud Files"]
left:
  description: What stays in Cloud Files (O(cleanup=false)) for you to delete, or after a failure for the next run.
  returned: always
  type: list
  elements: str
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import MOVER_ARGUMENT_SPEC, OpenCloudModule, check_mover_options
from ansible_collections.opencloud.images.plugins.module_utils.journal import RequestJournal
from ansible_collections.opencloud.images.plugins.module_utils.transfer import RegionTransfer, check_copy_request, target_session


class ImageTransferModule(OpenCloudModule):
    argument_spec = dict(
        image=dict(type="str", required=True),
        target_region=dict(type="str", required=True),
        name=dict(type="str"),
        properties=dict(type="dict", default={}),
        tags=dict(type="list", elements="str"),
        method=dict(type="str", choices=["auto", "tasks", "image_data"], default="auto"),
        export_container=dict(type="str", default="image-transfer"),
        target_container=dict(type="str"),
        **dict(MOVER_ARGUMENT_SPEC, workers=dict(type="int"))
    )

    def run(self):
        p = self.params
        mover_options = check_mover_options(p)
        check_copy_request(p["target_region"], p["properties"], p["tags"])
        transfer = RegionTransfer(self.cloud, target_session(self.cloud, p["target_region"]), p["export_container"],
                                  p["target_container"], journal=RequestJournal(), **mover_options)
        image, method, copy = transfer.plan(p["image"], p["method"])
        result = dict(changed=copy is None, source_image_id=image["id"], method=method)
        if copy is None and not self.check_mode:
            copy, result["transferred"] = transfer.run(image, method, p["name"], p["properties"], p["tags"])
        if copy is not None:
            result.update(image=copy, image_id=copy["id"])
        return dict(result, **transfer.log.as_result())


def main():
    ImageTransferModule.main()


if __name__ == "__main__":
    main()
