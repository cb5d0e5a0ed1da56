#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_info
short_description: List and look up images in a region
version_added: 0.1.0
description:
  - Returns the images of one region of a Rackspace or OpenStack cloud (Glance v2) that match every filter given, following
    pagination to the end.
  - Looks up a single image by O(id), or filters by name, source server, status, visibility, owner, tags, member status,
    protection, hidden state, checksum, size, creation and update times, disk and container format, and any custom property.
  - Every filter is sent to the image service, which does the filtering (Glance's own list filters).
  - Read-only; runs the same in check mode.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Nothing is changed either way.
options:
  id:
    description:
      - Id of one image. The result is that image, or a failure saying it does not exist in the region.
      - Cannot be combined with the filters.
    type: str
  name:
    description:
      - Exact image name. Names are not unique, so several images may match.
    type: str
  server:
    description:
      - Id of the server the images were taken from (the C(instance_uuid) property Nova sets on snapshots).
    type: str
  status:
    description:
      - Image status.
    type: str
    choices: [queued, saving, uploading, importing, active, killed, deleted, pending_delete, deactivated]
  visibility:
    description:
      - Image visibility. V(shared) lists images other accounts share with you (see O(member_status)).
    type: str
    choices: [public, private, shared, community]
  owner:
    description:
      - Owner tenant (account) or project id.
    type: str
  tags:
    description:
      - Images carrying every one of these tags.
    type: list
    elements: str
  member_status:
    description:
      - With O(visibility=shared), the status of your membership; the image service defaults to V(accepted).
    type: str
    choices: [accepted, pending, rejected, all]
  properties:
    description:
      - Custom properties the images must have, compared as text (for example C(com.example.image-of)).
      - Booleans are compared as V(true) and V(false) (lowercase), the text C(opencloud.images.image) and
        C(opencloud.images.image_transfer) store them as.
      - Standard fields (status, owner, protected, created_at...) have options of their own and are refused here.
    type: dict
  protected:
    description:
      - Only images protected from deletion (V(true)), or only unprotected ones (V(false)).
    type: bool
  os_hidden:
    description:
      - V(true) lists only the images hidden from image lists (C(os_hidden), upstream Glance's image API 2.7 and later);
        V(false), like the image service's default, only the others.
    type: bool
  checksum:
    description:
      - MD5 checksum of the image data, as the image service shows it in C(checksum).
    type: str
  os_hash_value:
    description:
      - Secure hash of the image data (C(os_hash_value), SHA-512 by default on upstream Glance's image API 2.7 and later).
    type: str
  size_min:
    description:
      - Images of at least this many bytes. Images without data (no size yet) never match.
    type: int
  size_max:
    description:
      - Images of at most this many bytes. Images without data (no size yet) never match.
    type: int
  created_at:
    description:
      - Creation time, compared as C(op:time) with one of the image service's operators C(gt), C(gte), C(lt), C(lte),
        C(eq) and C(neq) (a time alone is C(eq)); the time is ISO 8601, C(2026-11-26T05:30:00Z) or with an offset
        (C(+01:00)), UTC when it has no zone. For example V(gte:2026-11-01T00:00:00Z).
      - Upstream Glance's filter; Rackspace's API documents only direct comparisons on image attributes.
      - Upstream Glance keeps fractions of a second that it does not show (C(05:30:00Z) may be 05:30:00.52), so C(eq) with
        a time it shows, or C(lte) of it, may leave that image out; compare with ranges such as C(gte) and C(lt).
    type: str
  updated_at:
    description:
      - Time of the last change, compared as O(created_at) (for example V(lt:2026-06-01T00:00:00Z)).
    type: str
  disk_format:
    description:
      - Disk format, such as V(vhd), V(qcow2) or V(raw).
    type: str
  container_format:
    description:
      - Container format, such as V(ovf) or V(bare).
    type: str
  sort_key:
    description:
      - Field to sort by.
    type: str
    choices: [created_at, updated_at, name, status, size, id, owner, visibility]
  sort_dir:
    description:
      - Sort direction.
    type: str
    choices: [asc, desc]
  limit:
    description:
      - Return at most this many images. By default every match is returned, however many pages that takes.
    type: int
  page_size:
    description:
      - Images asked for per request. The default suits both Rackspace (at most 100) and upstream Glance.
    type: int
    default: 100
'''

EXAMPLES = r'''
- name: Every image of one server, newest first
  opencloud.images.image_info:
    region: DFW
    server: 5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11
    sort_key: created_at
    sort_dir: desc
  register: server_images

- name: Credentials once for every module of the collection
  module_defaults:
    group/opencloud.images.opencloud:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"
      region: IAD
  block:
    - name: Active images with our coordinating property
      opencloud.images.image_info:
        status: active
        properties:
          com.example.image-of: db-replica-3
      register: replicas

    - name: Images other accounts shared with us and that we have not accepted yet
      opencloud.images.image_info:
        visibility: shared
        member_status: pending

- name: Protected images made in November 2026 that are at least 1 GiB
  opencloud.images.image_info:
    region: DFW
    protected: true
    size_min: 1073741824
    created_at: gte:2026-11-01T00:00:00Z
    sort_key: created_at
  register: kept_images

- name: Images not changed since the first of June, and the hidden ones (upstream Glance)
  opencloud.images.image_info:
    cloud: mycloud
    updated_at: lt:2026-06-01T00:00:00Z
    os_hidden: true

- name: One image by id, from a clouds.yaml entry
  opencloud.images.image_info:
    cloud: mycloud
    id: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
'''

RETURN = r'''
images:
  description: The matching images, as the image service returns them (standard fields and custom properties).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Image id.
      type: str
      sample: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
    name:
      description: Image name.
      type: str
      sample: web01-2026-11-26
    status:
      description: Image status.
      type: str
      sample: active
    visibility:
      description: Image visibility.
      type: str
      sample: private
    owner:
      description: Owner tenant or project id.
      type: str
      sample: "100001"
    protected:
      description: Whether the image is protected from deletion.
      type: bool
      sample: false
    tags:
      description: Image tags.
      type: list
      elements: str
      sample: [nightly]
    size:
      description: Stored size in bytes (null while the image is not active).
      type: int
      sample: 2147483648
    created_at:
      description: Creation time.
      type: str
      sample: "2026-11-26T05:30:00Z"
    updated_at:
      description: Time of the last change.
      type: str
      sample: "2026-11-26T05:41:12Z"
    checksum:
      description: MD5 checksum of the image data (null while the image has none).
      type: str
      sample: 9a0364b9e99bb480dd25e1f0284c8555
    disk_format:
      description: Disk format.
      type: str
      sample: vhd
    container_format:
      description: Container format.
      type: str
      sample: ovf
count:
  description: Number of images returned.
  returned: always
  type: int
  sample: 2
region:
  description: Region the images were listed in.
  returned: always
  type: str
  sample: DFW
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, NotFound
from ansible_collections.opencloud.images.plugins.module_utils.images import SORT_DIRS, SORT_KEYS, VISIBILITIES, ImageService, list_filters
from ansible_collections.opencloud.images.plugins.module_utils.markers import MEMBER_STATUS_FILTERS, STATUSES

FILTERS = ("name", "server", "status", "visibility", "owner", "tags", "member_status", "properties", "sort_key", "sort_dir",
           "protected", "os_hidden", "checksum", "os_hash_value", "size_min", "size_max", "created_at", "updated_at",
           "disk_format", "container_format")


class ImageInfoModule(OpenCloudModule):
    argument_spec = dict(
        id=dict(type="str"),
        name=dict(type="str"),
        server=dict(type="str"),
        status=dict(type="str", choices=list(STATUSES)),
        visibility=dict(type="str", choices=list(VISIBILITIES)),
        owner=dict(type="str"),
        tags=dict(type="list", elements="str"),
        member_status=dict(type="str", choices=list(MEMBER_STATUS_FILTERS)),
        properties=dict(type="dict"),
        sort_key=dict(type="str", no_log=False, choices=list(SORT_KEYS)),
        sort_dir=dict(type="str", choices=list(SORT_DIRS)),
        protected=dict(type="bool"),
        os_hidden=dict(type="bool"),
        checksum=dict(type="str"),
        os_hash_value=dict(type="str"),
        size_min=dict(type="int"),
        size_max=dict(type="int"),
        created_at=dict(type="str"),
        updated_at=dict(type="str"),
        disk_format=dict(type="str"),
        container_format=dict(type="str"),
        limit=dict(type="int"),
        page_size=dict(type="int", default=100),
    )
    module_kwargs = dict(mutually_exclusive=[("id", name) for name in FILTERS])

    def run(self):
        p = self.params
        for option in ("limit", "page_size"):
            if p[option] is not None and p[option] < 1:
                raise ConfigError("%s must be a positive number, not %d." % (option, p[option]), option=option)
        params = list_filters(**dict((name, p[name]) for name in FILTERS))
        images = ImageService(self.cloud)
        if p["id"]:
            try:
                found = [images.get(p["id"])]
            except NotFound:
                raise ConfigError("No image with id %s in region %s. Check the id and the region (images live in one region)."
                                  % (p["id"], self.cloud.region), option="id")
        else:
            found = list(images.list(params, page_size=p["page_size"], limit=p["limit"]))
        return dict(changed=False, images=found, count=len(found), region=self.cloud.region)


def main():
    ImageInfoModule.main()


if __name__ == "__main__":
    main()
