#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: object_upload
short_description: Upload files to Cloud Files, verified
version_added: 0.1.0
description:
  - Uploads local files (database dumps before imaging, for example) to a Cloud Files (Swift) container, which is created
    when missing. Every object is sent with its MD5 so that Cloud Files refuses a damaged upload, and the stored ETag is
    checked again.
  - A file larger than O(segment_size) is uploaded as a static large object, O(workers) segments at a time; an interrupted
    upload resumes with the segments still missing.
  - B(Idempotent.) A file whose object is already there with the same content (same ETag) is not sent again.
  - The files are read on the host that runs the module. On a cloud server, O(interface=internal) sends them over the
    internal network (Rackspace ServiceNet) where the catalog offers it, which is not billed.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
  - opencloud.images.object_store
  - opencloud.images.segment_workers
attributes:
  check_mode:
    support: full
    description: Reports which files would be uploaded; sends nothing.
options:
  paths:
    description:
      - Files to upload. Each object is named O(prefix) followed by the file's name.
    type: list
    elements: path
    required: true
  container:
    description:
      - Container to upload to.
    type: str
    required: true
  prefix:
    description:
      - Put before each file's name to make its object name (for example C(db01/2026-11-26/)).
    type: str
    default: ''
  segment_size:
    description:
      - Files larger than this many MiB are uploaded in segments of this size (1 to 5120).
    type: int
    default: 1024
'''

EXAMPLES = r'''
- name: Keep the database dumps in Cloud Files before imaging
  opencloud.images.object_upload:
    paths: "{{ backup.files }}"
    container: db-backups
    prefix: "{{ inventory_hostname }}/{{ backup.stamp }}/"
    interface: internal
'''

RETURN = r'''
objects:
  description: One entry per file, with its object name, size, ETag and whether it was uploaded in this run (V(uploaded))
    or was already there (V(present)); in check mode V(upload) or V(present).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/var/backups/mysql/shop.sql.gz", "object": "db01/2026-11-26/shop.sql.gz", "bytes": 18231,
            "etag": "0f343b0931126a20f133d67c2b018a3b", "action": "uploaded", "segments": 1}]
workers:
  description: Segments uploaded at the same time, O(workers) or the count chosen from the link.
  returned: when a file was uploaded in segments
  type: int
  sample: 4
workers_reason:
  description: Why that many, V(the workers option) or the rule and the measurements it was chosen from.
  returned: when a file was uploaded in segments
  type: str
  sample: "ceil(1 Gbit/s assumed x 61.2 ms round trip / 4.0 MiB window (tcp_wmem maximum)) = 2, at least 4"
container:
  description: The container.
  returned: always
  type: str
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OBJECT_STORE_ARGUMENT_SPEC, OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import (
    check_workers, plan_upload, segment_bytes, send_upload, upload_names,
)
from ansible_collections.opencloud.images.plugins.module_utils.links import segment_workers
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import ObjectStorageService, check_container_name


class ObjectUploadModule(OpenCloudModule):
    argument_spec = dict(
        paths=dict(type="list", elements="path", required=True),
        container=dict(type="str", required=True),
        prefix=dict(type="str", default=""),
        segment_size=dict(type="int", default=1024),
        workers=dict(type="int"),
        **OBJECT_STORE_ARGUMENT_SPEC
    )

    def run(self):
        p = self.params
        container = check_container_name(p["container"])
        size = segment_bytes(p["segment_size"])
        check_workers(p["workers"])
        files = upload_names(p["paths"], p["prefix"])
        store = ObjectStorageService(self.cloud, interface=p["interface"])
        self.workers = None  # (count, why), chosen before the first upload in segments
        objects = [self.upload(store, plan_upload(store, path, container, name, size)) for path, name in files]
        changed = any(o["action"] in ("upload", "uploaded") for o in objects)
        result = dict(changed=changed, objects=objects, container=container)
        if self.workers:
            result.update(workers=self.workers[0], workers_reason=self.workers[1])
        return result

    def upload(self, store, plan):
        """The result entry of one file: what check mode would do, or what was done."""
        entry = dict(path=plan.path, object=plan.name, bytes=plan.size, etag=plan.etag)
        if self.check_mode:
            entry.update(segments=len(plan.pieces), action="present" if plan.present else "upload")
        elif plan.present:
            entry.update(action="present")
        else:
            if self.workers is None and len(plan.pieces) > 1:
                self.workers = segment_workers(self.params["workers"], lambda: store.container_exists(plan.container))
            report = send_upload(store, plan, workers=self.workers[0] if self.workers else 1)
            entry.update(etag=report.etag, segments=report.segments_total, action="uploaded")
        return entry


def main():
    ObjectUploadModule.main()


if __name__ == "__main__":
    main()
