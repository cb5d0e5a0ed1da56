#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_import
short_description: Import a prepared VHD file as an image
version_added: 0.1.0
description:
  - Checks a local VHD file, uploads it to Cloud Files as a segmented static large object (O(workers) segments at a time,
    each verified by its MD5), runs the platform's import task, and sets O(properties) and O(tags) on the new image
    (an import task can only carry the name).
  - B(Checked first.) The platform imports one VHD file, fixed or dynamic, of at most 160 GB virtual size. Anything else
    is refused before any upload, saying what the file is and what to do (an ISO file (cannot be imported at all), qcow2,
    VMDK or VHDX (convert them), a differencing VHD (merge it), a truncated file or a damaged footer).
  - B(Resumable and idempotent.) Segments already uploaded with the right MD5 are skipped, and an import task still running
    from an interrupted run is waited for. The image carries C(opencloud.images.imported_etag) (the MD5 of its segments'
    MD5s); a re-run that finds an image of this name made from the same file returns it unchanged.
  - The file is read on the host that runs the module; use C(delegate_to) for a file on the controller.
  - After the import the uploaded object and its segments are deleted (O(cleanup)); after a failure they are kept so
    that the next run resumes.
  - Rackspace recommends setting C(vm_mode=hvm), C(img_config_drive=mandatory) and C(xenapi_use_agent=False) on imported
    images; pass them in O(properties).
  - Windows images cannot be imported on the Rackspace cloud.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
  - opencloud.images.segment_workers
attributes:
  check_mode:
    support: full
    description: Checks the file and looks for an image already imported from it; uploads nothing.
options:
  path:
    description:
      - The VHD file to import.
    type: path
    required: true
  name:
    description:
      - Name of the new image.
    type: str
    required: true
  container:
    description:
      - Cloud Files container for the upload (created when missing); its segments go to a container with C(_segments)
        appended.
    type: str
    default: image-import
  object_name:
    description:
      - Name of the uploaded object. Defaults to the file's name.
    type: str
  segment_size:
    description:
      - Size of one uploaded segment, in MiB (1 to 5120).
    type: int
    default: 1024
  properties:
    description:
      - Properties to set on the new image.
    type: dict
    default: {}
  tags:
    description:
      - Tags of the new image.
    type: list
    elements: str
  cleanup:
    description:
      - Delete the uploaded object and its segments once the image is active. Never done after a failure.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the import task.
    type: int
    default: 21600
  task_poll_interval:
    description:
      - Seconds between two polls of the task. Keep 30 or more on the Rackspace cloud.
    type: float
    default: 30
'''

EXAMPLES = r'''
- name: Import a disk prepared with qemu-img and vhd-util
  opencloud.images.image_import:
    path: /srv/images/appliance.vhd
    name: appliance-2026.11
    region: IAD
    properties:
      vm_mode: hvm
      img_config_drive: mandatory
      xenapi_use_agent: "False"
  delegate_to: localhost
'''

RETURN = r'''
image:
  description: The new image as the image service returns it.
  returned: success, and in check mode when the file was imported before
  type: dict
  sample: {"id": "3c1d2b4f-4e6a-4c7d-8f1e-2d3c4b5a6f70", "name": "appliance-2026.11", "status": "active"}
image_id:
  description: Id of the new image.
  returned: success, and in check mode when the file was imported before
  type: str
  sample: 3c1d2b4f-4e6a-4c7d-8f1e-2d3c4b5a6f70
vhd:
  description: What the check found in the file.
  returned: always
  type: dict
  sample: {"path": "/srv/images/appliance.vhd", "file_bytes": 21474836992, "disk_type": "fixed",
           "virtual_size": 21474836480, "unique_id": "7f2c..."}
upload:
  description: What the upload did (bytes and segments in all, sent, already there, repeats, seconds, manifest kind).
  returned: when an upload was made
  type: dict
  contains:
    workers:
      description: Segments uploaded at the same time, O(workers) or the count chosen from the link.
      type: int
      sample: 4
    workers_reason:
      description: Why that many, V(the workers option) or the rule and the measurements it was chosen from.
      type: str
      sample: "ceil(1 Gbit/s assumed x 61.2 ms round trip / 4.0 MiB window (tcp_wmem maximum)) = 2, at least 4"
steps:
  description: What this run did, in order.
  returned: always
  type: list
  elements: str
left:
  description: What stays in Cloud Files (O(cleanup=false)), or after a failure for the next run.
  returned: always
  type: list
  elements: str
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

import os

from ansible_collections.opencloud.images.plugins.module_utils.base import MOVER_ARGUMENT_SPEC, OpenCloudModule, check_mover_options
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import check_length, check_properties, check_tags
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import segment_bytes
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import check_object_name
from ansible_collections.opencloud.images.plugins.module_utils.transfer import FileImport
from ansible_collections.opencloud.images.plugins.module_utils.vhd import validate_vhd


class ImageImportModule(OpenCloudModule):
    argument_spec = dict(
        path=dict(type="path", required=True),
        name=dict(type="str", required=True),
        container=dict(type="str", default="image-import"),
        object_name=dict(type="str"),
        segment_size=dict(type="int", default=1024),
        properties=dict(type="dict", default={}),
        tags=dict(type="list", elements="str"),
        **MOVER_ARGUMENT_SPEC
    )

    def run(self):
        p = self.params
        mover_options = check_mover_options(p)
        segment_size = segment_bytes(p["segment_size"])
        if not p["name"].strip():
            raise ConfigError("name must not be empty.", option="name")
        check_length("name", p["name"])
        check_properties(p["properties"])
        check_tags(p["tags"])
        vhd = validate_vhd(p["path"])
        obj = check_object_name(p["object_name"] or os.path.basename(p["path"]), "object_name")
        importer = FileImport(self.cloud, p["container"], **mover_options)
        pieces, etag, image = importer.plan(p["path"], p["name"], segment_size)
        result = dict(changed=image is None, vhd=vhd.as_dict())
        if image is None and not self.check_mode:
            image, result["upload"] = importer.run(pieces, p["name"], obj, etag, p["properties"], p["tags"])
        if image is not None:
            result.update(image=image, image_id=image["id"])
        return dict(result, **importer.log.as_result())


def main():
    ImageImportModule.main()


if __name__ == "__main__":
    main()
