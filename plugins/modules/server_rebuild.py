#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: server_rebuild
short_description: Restore a server in place from an image (rebuild), keeping its id and addresses
version_added: 0.1.0
description:
  - Rebuilds a server from an image with the Cloud Servers (Nova) C(rebuild) action. The server keeps its id, its
    addresses and its flavor; B(its whole root disk is replaced by the image), so every change made since is lost.
  - B(Destructive, so it asks.) Without O(confirm=true) the module refuses and sends nothing.
  - B(Idempotent.) A server already running the image (and not in ERROR) is left alone (C(changed=false)); set O(force)
    to rebuild it from the same image anyway.
  - B(Checked before any request that changes anything.) The image must be active and fit the server's flavor
    (C(min_disk), C(min_ram), size, C(flavor_classes)); O(disk_config=AUTO) is refused for an image whose
    C(auto_disk_config) is C(disabled); the server must be ACTIVE, SHUTOFF or ERROR with no task in progress, and must not
    boot from a volume (a rebuild does not reimage a root volume).
  - Sends only the fields Rackspace and Nova without microversions accept (C(imageRef), C(name), C(metadata),
    C(adminPass), C(OS-DCF:diskConfig)), since extra fields are refused there. A rebuild cannot change the keypair; the one the
    server was created with stays.
  - Waits through REBUILD until the server is ACTIVE (SHUTOFF for a server that was stopped) with its task state
    cleared; a server that goes to ERROR fails the task at once with the platform's fault message.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
  - opencloud.images.server_wait
attributes:
  check_mode:
    support: full
    description: Runs every check and reports whether the server would be rebuilt, from which image to which; sends no
      change.
options:
  server:
    description:
      - Id or name of the server. A name shared by several servers is an error that lists them with their ids.
    type: str
    required: true
  image:
    description:
      - Id or name of the image to rebuild from, or V(latest_verified) for the newest active image of this server that
        passed M(opencloud.images.image_verify).
    type: str
    required: true
  confirm:
    description:
      - Must be V(true), because a rebuild erases the server's root disk.
    type: bool
    default: false
  force:
    description:
      - Rebuild even if the server already runs the image (back to the image's clean state).
    type: bool
    default: false
  name:
    description:
      - New name of the server. Left out, the name stays.
    type: str
  metadata:
    description:
      - New server metadata (replaces the old). Left out, the metadata stays.
    type: dict
  admin_password:
    description:
      - Root or Administrator password to set. Left out, the platform generates one (not returned).
    type: str
  disk_config:
    description:
      - Rackspace C(OS-DCF:diskConfig) for the rebuilt disk, V(AUTO) or V(MANUAL). Left out, the image's setting applies.
    type: str
    choices: [AUTO, MANUAL]
'''

EXAMPLES = r'''
- name: Restore web01 from its newest verified image
  opencloud.images.server_rebuild:
    server: web01
    image: latest_verified
    confirm: true
  register: restored

- name: What would happen (check mode)
  opencloud.images.server_rebuild:
    server: web01
    image: web01-2026-11-26
    confirm: true
  check_mode: true
'''

RETURN = r'''
server:
  description: The server after the rebuild (in check mode, before), with C(id), C(name), C(status), C(task_state),
    C(addresses), C(access_ipv4), C(access_ipv6), C(image_id), C(flavor_id) and C(metadata).
  returned: success
  type: dict
  sample: {"id": "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11", "name": "web01", "status": "ACTIVE", "task_state": null,
           "addresses": {"public": [{"addr": "162.242.10.20", "version": 4}]}, "access_ipv4": "162.242.10.20",
           "access_ipv6": null, "image_id": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10", "flavor_id": "general1-2", "metadata": {}}
action:
  description: V(rebuilt), or V(none) when the server already runs the image; in check mode V(rebuild) or V(none).
  returned: success
  type: str
  sample: rebuilt
old_image_id:
  description: Id of the image the server ran before.
  returned: success
  type: str
new_image_id:
  description: Id of the image the server runs after the rebuild (the same as RV(old_image_id) when nothing was done).
  returned: success
  type: str
image:
  description: Id and name of the image, and the C(min_disk) and C(min_ram) it asks for.
  returned: success
  type: dict
last:
  description: On a timeout or a server in ERROR, the server as last seen.
  returned: failure
  type: dict
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import SERVER_WAIT_ARGUMENT_SPEC, OpenCloudModule, check_seconds
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.servers import (
    DISK_CONFIGS, Rebuilder, ServerWaiter, check_metadata, current_image_id, image_brief, rebuild_body, summary,
)


class ServerRebuildModule(OpenCloudModule):
    argument_spec = dict(
        server=dict(type="str", required=True),
        image=dict(type="str", required=True),
        confirm=dict(type="bool", default=False),
        force=dict(type="bool", default=False),
        name=dict(type="str"),
        metadata=dict(type="dict"),
        admin_password=dict(type="str", no_log=True),
        disk_config=dict(type="str", choices=list(DISK_CONFIGS)),
        **SERVER_WAIT_ARGUMENT_SPEC
    )

    def run(self):
        p = self.params
        if not p["confirm"]:
            raise ConfigError("A rebuild erases server %s's root disk and puts image %s in its place. Set confirm: true to do "
                              "it; nothing was sent." % (p["server"], p["image"]), option="confirm")
        check_seconds(p, "timeout", "poll_interval")
        metadata = None if p["metadata"] is None else check_metadata(p["metadata"], reserved=0)
        if p["admin_password"]:
            self.cloud.http.redact.add(p["admin_password"])
        compute = ComputeService(self.cloud)
        rebuilder = Rebuilder(compute, ImageService(self.cloud), ServerWaiter(compute, p["timeout"], p["poll_interval"]))
        server, image, action = rebuilder.plan(p["server"], p["image"], p["force"], p["disk_config"])
        result = dict(changed=action == "rebuild", old_image_id=current_image_id(server), image=image_brief(image))
        if self.check_mode or action == "none":
            result.update(action=action, server=summary(server),
                          new_image_id=image["id"] if action == "rebuild" else current_image_id(server))
            return result
        body = rebuild_body(image["id"], p["name"], metadata, p["admin_password"], p["disk_config"])
        after = rebuilder.run(server, image, body, wait=p["wait"])
        result.update(action="rebuilt", server=summary(after), new_image_id=current_image_id(after) or image["id"])
        return result


def main():
    ServerRebuildModule.main()


if __name__ == "__main__":
    main()
