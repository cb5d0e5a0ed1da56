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
  workers:
    description:
      - Segments uploaded at the same time (1 to 32).
    type: int
    default: 4
  interface:
    description:
      - Which endpoint of the object store to use; V(internal) is Rackspace ServiceNet, reachable only from cloud servers.
    type: str
    choices: [public, internal]
    default: public
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

import os

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import (
    check_workers, file_pieces, segment_bytes, stored_etag, upload_file,
)
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import (
    ObjectStorageService, check_container_name, check_object_name,
)


class ObjectUploadModule(OpenCloudModule):
    argument_spec = dict(
        paths=dict(type="list", elements="path", required=True),
        container=dict(type="str", required=True),
        prefix=dict(type="str", default=""),
        segment_size=dict(type="int", default=1024),
        workers=dict(type="int", default=4),
        interface=dict(type="str", choices=["public", "internal"], default="public"),
    )

    def run(self):
        p = self.params
        container = check_container_name(p["container"])
        size = segment_bytes(p["segment_size"])
        check_workers(p["workers"])
        if not p["paths"]:
            raise ConfigError("paths is empty: give at least one file.", option="paths")
        files = []
        for path in p["paths"]:
            if not os.path.isfile(path):
                raise ConfigError("paths: %s is not a file." % path, option="paths")
            name = check_object_name(p["prefix"] + os.path.basename(path), "prefix")
            if name in [known for _path, known in files]:
                raise ConfigError("paths: %s and %s would both be uploaded as %s (objects are named after the file name): "
                                  "upload them in separate tasks with different prefixes." % (
                                      dict((known, first) for first, known in files)[name], path, name), option="paths")
            files.append((path, name))
        store = ObjectStorageService(self.cloud, interface=p["interface"])
        objects = []
        for path, name in files:
            entry = dict(path=path, object=name, bytes=os.path.getsize(path))
            if self.check_mode:
                pieces = file_pieces(path, size)
                etag = stored_etag(pieces)
                existing = store.head(container, name)
                present = existing is not None and existing.etag == etag
                entry.update(etag=etag, segments=len(pieces), action="present" if present else "upload")
            else:
                report = upload_file(store, path, container, name, size, workers=p["workers"])
                if report is None:
                    entry.update(etag=store.head(container, name).etag, action="present")
                else:
                    entry.update(etag=report.etag, segments=report.segments_total, action="uploaded")
            objects.append(entry)
        changed = any(o["action"] in ("upload", "uploaded") for o in objects)
        return dict(changed=changed, objects=objects, container=container)


def main():
    ObjectUploadModule.main()


if __name__ == "__main__":
    main()
