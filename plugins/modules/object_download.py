#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: object_download
short_description: Download objects from Cloud Files, verified
version_added: 0.1.0
description:
  - Downloads objects of a Cloud Files (Swift) container - those named in O(objects), or every object whose name starts
    with O(prefix) - into the local directory O(dest), a backup run uploaded by M(opencloud.images.object_upload) for
    example.
  - Each object is streamed into a temporary file beside its destination and renamed into place only when it is whole
    and checked, so a failed download never leaves a partial file under the final name. A plain object is checked
    against its ETag, the MD5 of its content. The ETag of a large object (segmented, a manifest) is not the MD5 of its
    content, so for those only the size is compared; the result says which check was made (RV(files[].verified)).
  - Each object is written under O(dest) at its name less O(prefix) (C(db01/20261126T020000Z/base/toc.dat) with that
    prefix up to the run becomes C(<dest>/base/toc.dat)); files are written mode 0600 and the directories they need
    are created mode 0700. A name with an empty, C(.) or C(..) part is refused.
  - B(Idempotent.) A file already there with the object's MD5 (for a large object, its size) is not downloaded again,
    unless O(force=true).
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
  - opencloud.images.object_store
attributes:
  check_mode:
    support: full
    description: Reports which objects would be downloaded; writes nothing.
options:
  container:
    description:
      - Container to download from. It must exist.
    type: str
    required: true
  objects:
    description:
      - Names of the objects to download, after O(prefix) when it is given. Each must exist.
      - Without O(objects), every object whose name starts with O(prefix) is downloaded.
    type: list
    elements: str
  prefix:
    description:
      - Put before each of O(objects) to make its object name, and taken off the object name to make the file's path
        under O(dest) (for example C(db01/20261126T020000Z/)).
      - Without O(objects), every object whose name starts with it is downloaded; at least one must exist.
      - One of O(objects) and O(prefix) is required.
    type: str
  dest:
    description:
      - Local directory to write the files into.
    type: path
    required: true
  force:
    description:
      - Download every object again, even when its file is already there with the same content.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Bring back a database backup run uploaded to Cloud Files
  opencloud.images.object_download:
    container: db-backups
    prefix: db01/20261126T020000Z/
    dest: /var/tmp/restore-run
    interface: internal

- name: Only its manifest
  opencloud.images.object_download:
    container: db-backups
    prefix: db01/20261126T020000Z/
    objects: [manifest.json]
    dest: /var/tmp/restore-run
'''

RETURN = r'''
files:
  description: One entry per object - its name, the local file, its size and MD5, the object's ETag, the check made
    (V(md5) or, for a large object, V(size)) and whether it was V(downloaded) in this run or already V(present); in
    check mode V(download) or V(present).
  returned: always
  type: list
  elements: dict
  sample: [{"object": "db01/20261126T020000Z/manifest.json", "path": "/var/tmp/restore-run/manifest.json", "bytes": 912,
            "md5": "0f343b0931126a20f133d67c2b018a3b", "etag": "0f343b0931126a20f133d67c2b018a3b", "verified": "md5",
            "action": "downloaded"}]
  contains:
    object:
      description: The object's name.
      type: str
    path:
      description: The local file.
      type: str
    bytes:
      description: The object's size.
      type: int
    md5:
      description: The MD5 of the local file; null in check mode for a file not there yet.
      type: str
    etag:
      description: The object's ETag (for a large object, the MD5 of its segments' MD5s).
      type: str
    verified:
      description: The check made - V(md5) (the file's MD5 is the object's ETag) or, for a large object, V(size).
      type: str
      choices: [md5, size]
    action:
      description: V(downloaded), V(present), or in check mode V(download).
      type: str
      choices: [downloaded, present, download]
container:
  description: The container.
  returned: always
  type: str
dest:
  description: The local directory.
  returned: always
  type: str
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OBJECT_STORE_ARGUMENT_SPEC, OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.downloads import check_dest, download, plan_downloads
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import ObjectStorageService, check_container_name


class ObjectDownloadModule(OpenCloudModule):
    argument_spec = dict(
        container=dict(type="str", required=True),
        objects=dict(type="list", elements="str"),
        prefix=dict(type="str"),
        dest=dict(type="path", required=True),
        force=dict(type="bool", default=False),
        **OBJECT_STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(required_one_of=[("objects", "prefix")])

    def run(self):
        p = self.params
        container = check_container_name(p["container"])
        check_dest(p["dest"])
        store = ObjectStorageService(self.cloud, interface=p["interface"])
        plans = plan_downloads(store, container, p["objects"], p["prefix"] or "", p["dest"], p["force"])
        if self.check_mode:
            files = [plan.as_dict("present" if plan.present else "download") for plan in plans]
        else:
            files = [plan.as_dict("present") if plan.present else plan.as_dict("downloaded", download(store, plan))
                     for plan in plans]
        changed = any(f["action"] in ("download", "downloaded") for f in files)
        return dict(changed=changed, files=files, container=container, dest=p["dest"])


def main():
    ObjectDownloadModule.main()


if __name__ == "__main__":
    main()
