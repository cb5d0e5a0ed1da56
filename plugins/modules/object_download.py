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
  - Files are written mode 0600; O(dest) is created mode 0700 when missing. Each file is named after the last part of
    its object name (after O(prefix)).
  - B(Idempotent.) A file already there with the object's MD5 (for a large object, its size) is not downloaded again,
    unless O(force=true).
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
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
      - Names of the objects to download. Each must exist.
      - Exactly one of O(objects) and O(prefix) is given.
    type: list
    elements: str
  prefix:
    description:
      - Download every object whose name starts with this (for example C(db01/20261126T020000Z/)). At least one must
        exist.
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
  interface:
    description:
      - Which endpoint of the object store to use; V(internal) is Rackspace ServiceNet, reachable only from cloud servers.
    type: str
    choices: [public, internal]
    default: public
'''

EXAMPLES = r'''
- name: Bring back a database backup run uploaded to Cloud Files
  opencloud.images.object_download:
    container: db-backups
    prefix: db01/20261126T020000Z/
    dest: /var/tmp/restore-run
    interface: internal
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

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.downloads import check_dest, download, plan_downloads
from ansible_collections.opencloud.images.plugins.module_utils.object_storage import ObjectStorageService, check_container_name


class ObjectDownloadModule(OpenCloudModule):
    argument_spec = dict(
        container=dict(type="str", required=True),
        objects=dict(type="list", elements="str"),
        prefix=dict(type="str"),
        dest=dict(type="path", required=True),
        force=dict(type="bool", default=False),
        interface=dict(type="str", choices=["public", "internal"], default="public"),
    )
    module_kwargs = dict(required_one_of=[("objects", "prefix")], mutually_exclusive=[("objects", "prefix")])

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
