#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_prune
short_description: Retention for server images, keep the newest and delete the rest
version_added: 0.1.0
description:
  - For each source server, keeps the newest O(keep) images and deletes the others that are older than O(older_than_days)
    (with only O(keep), every image beyond the newest O(keep); with only O(older_than_days), every older image).
  - By default it only considers images this collection created (its C(opencloud.images.created_by) marker) in your
    account, and never deletes images being made, protected images, or images shared with other accounts (members);
    O(only_ours), O(include_protected) and O(include_shared) widen that.
  - Returns what was deleted and what was kept, each with the reason.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Lists what would be deleted, deletes nothing.
options:
  server:
    description:
      - Id or name of one server whose images to prune. Without it, the images of every server are pruned, per server.
    type: str
  keep:
    description:
      - Number of newest images to keep per server, whatever their age.
    type: int
  older_than_days:
    description:
      - Delete images older than this many days (fractions allowed), beyond the newest O(keep).
    type: float
  only_ours:
    description:
      - Consider only images created by this collection. With V(false), every image of your account with a source server.
    type: bool
    default: true
  include_protected:
    description:
      - Delete protected images too (their protection is removed first).
    type: bool
    default: false
  include_shared:
    description:
      - Delete images shared with other accounts too (rejected members still count as members).
    type: bool
    default: false
  keep_verified:
    description:
      - Never delete the newest image of each server that passed M(opencloud.images.image_verify) (property
        C(opencloud.images.verified_result) V(passed)), whatever O(keep) and O(older_than_days) say, so that
        M(opencloud.images.server_rebuild) with O(opencloud.images.server_rebuild#module:image=latest_verified) always
        finds one.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Nightly retention, keep a week of images per server
  opencloud.images.image_prune:
    keep: 7

- name: Keep at least 3 images of db01, and delete those older than 30 days
  opencloud.images.image_prune:
    server: db01
    keep: 3
    older_than_days: 30

- name: Keep two images per server, and always the newest one that passed image_verify
  opencloud.images.image_prune:
    keep: 2
    keep_verified: true

- name: What would go (check mode)
  opencloud.images.image_prune:
    keep: 2
  check_mode: true
  register: would
'''

RETURN = r'''
deleted:
  description: Images deleted (or that would be, in check mode), each with id, name, server, created_at and reason.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10", "name": "web01-2026-11-01", "server": "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11",
            "created_at": "2026-11-01T02:00:00Z", "reason": "beyond the newest 7 of its server"}]
kept:
  description: Images kept, with the same fields and the reason.
  returned: always
  type: list
  elements: dict
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.retention import Pruner


class ImagePruneModule(OpenCloudModule):
    argument_spec = dict(
        server=dict(type="str"),
        keep=dict(type="int"),
        older_than_days=dict(type="float"),
        only_ours=dict(type="bool", default=True),
        include_protected=dict(type="bool", default=False),
        include_shared=dict(type="bool", default=False),
        keep_verified=dict(type="bool", default=False),
    )
    module_kwargs = dict(required_one_of=[("keep", "older_than_days")])

    def run(self):
        p = self.params
        if p["keep"] is not None and p["keep"] < 0:
            raise ConfigError("keep must be 0 or more, not %d." % p["keep"], option="keep")
        if p["older_than_days"] is not None and p["older_than_days"] < 0:
            raise ConfigError("older_than_days must be 0 or more, not %s." % p["older_than_days"], option="older_than_days")
        server_id = ComputeService(self.cloud).find_server(p["server"])["id"] if p["server"] else None
        pruner = Pruner(ImageService(self.cloud), keep=p["keep"], older_than_days=p["older_than_days"],
                        include_protected=p["include_protected"], include_shared=p["include_shared"], keep_verified=p["keep_verified"])
        images = pruner.candidates(self.cloud.auth.project_id, server_id, only_ours=p["only_ours"])
        delete, keep = pruner.decide(images)
        if delete and not self.check_mode:
            pruner.apply(delete, dict((image["id"], image) for image in images))
        return dict(changed=bool(delete), deleted=delete, kept=keep)


def main():
    ImagePruneModule.main()


if __name__ == "__main__":
    main()
