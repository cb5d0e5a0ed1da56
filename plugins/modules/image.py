#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image
short_description: Update or delete an existing image
version_added: 0.1.0
description:
  - Changes the name, tags, custom properties and protection of an image with one JSON-patch request, only where they
    differ; or deletes the image (O(state=absent)) and waits until it is gone.
  - A protected image is not deleted unless O(unprotect=true) says to remove the protection first.
  - To create an image of a server, use M(opencloud.images.image_create).
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Reports the changes (and the diff) without making them.
  diff_mode:
    support: full
    description: Shows name, tags, properties and protection before and after.
options:
  image:
    description:
      - Id or name of the image. A name shared by several images is an error that lists them; use the id then.
    type: str
    required: true
  state:
    description:
      - V(present) updates the image; V(absent) deletes it (an image that is already gone is not an error).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - New name.
    type: str
  tags:
    description:
      - Tags the image must carry. With O(purge_tags=true) (the default), exactly these tags.
    type: list
    elements: str
  purge_tags:
    description:
      - Remove tags not listed in O(tags). With V(false), O(tags) are added to those the image has.
    type: bool
    default: true
  properties:
    description:
      - Custom properties to set (as text). A property set to V(null) is removed. Properties not listed are left alone.
      - Booleans are stored as V(true) and V(false) (lowercase), the text C(opencloud.images.image_info) filters on,
        so a property set here is found there.
      - Standard and read-only fields (status, owner, size...) and C(com.rackspace*) properties cannot be set.
    type: dict
  protected:
    description:
      - Protect the image from deletion, or remove the protection.
    type: bool
  unprotect:
    description:
      - With O(state=absent), remove the protection of a protected image before deleting it. Without it, deleting a
        protected image fails and changes nothing.
    type: bool
    default: false
  wait:
    description:
      - With O(state=absent), wait until the image is gone.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the deletion.
    type: int
    default: 600
'''

EXAMPLES = r'''
- name: Keep a known-good image, and say so
  opencloud.images.image:
    image: web01-release-42
    protected: true
    tags: [release, known-good]
    properties:
      com.example.release: "42"

- name: Rename an image and drop a property
  opencloud.images.image:
    image: 0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10
    name: web01-golden
    properties:
      com.example.scratch: null

- name: Delete an image, even a protected one
  opencloud.images.image:
    image: web01-release-41
    state: absent
    unprotect: true
'''

RETURN = r'''
image:
  description: The image after the change (before the deletion for O(state=absent)).
  returned: when the image exists
  type: dict
  sample: {"id": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10", "name": "web01-golden", "protected": true, "tags": ["release"]}
operations:
  description: The JSON-patch operations sent (or that would be sent in check mode).
  returned: O(state=present)
  type: list
  elements: dict
  sample: [{"op": "replace", "path": "/name", "value": "web01-golden"}]
diff:
  description:
    - Name, tags, custom properties and protection before and after (shown with C(--diff)).
    - The read-only fields the image service sets itself (C(created_at), C(updated_at), C(self), C(file), C(schema),
      C(checksum)...) are not shown among the properties.
  returned: when the image exists
  type: dict
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.image_updates import ImageUpdater, diff_view
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService


class ImageModule(OpenCloudModule):
    argument_spec = dict(
        image=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        tags=dict(type="list", elements="str"),
        purge_tags=dict(type="bool", default=True),
        properties=dict(type="dict"),
        protected=dict(type="bool"),
        unprotect=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=600),
    )

    def run(self):
        p = self.params
        updater = ImageUpdater(ImageService(self.cloud), self.cloud.auth.project_id, self.cloud.region)
        image = updater.find(p["image"], must_exist=p["state"] != "absent")
        if p["state"] == "absent":
            if image is None:
                return dict(changed=False)
            updater.check_delete(image, p["unprotect"])
            if not self.check_mode:
                updater.delete(image, p["wait"], p["timeout"])
            return dict(changed=True, image=image, diff={"before": diff_view(image), "after": {}})
        operations, expected = updater.plan(image, p["name"], p["tags"], p["purge_tags"], p["properties"], p["protected"])
        after = image if self.check_mode else updater.apply(image, operations)
        return dict(changed=bool(operations), image=after, operations=operations,
                    diff={"before": diff_view(image), "after": diff_view(expected if self.check_mode else after)})


def main():
    ImageModule.main()


if __name__ == "__main__":
    main()
