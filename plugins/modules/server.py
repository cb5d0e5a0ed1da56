#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: server
short_description: Deploy servers from an image, found again by a marker, not by name
version_added: 0.1.0
description:
  - Creates servers from an image (restore by redeploy, with new servers and new addresses) and deletes them, on Rackspace Cloud
    Servers and any OpenStack Nova.
  - B(Idempotent by a marker.) Every server carries the metadata item C(opencloud.images.deployment) set to
    O(deployment); a run finds the deployment's servers by it, never by name alone (Nova names are not unique). A
    server of the same name without the marker is not touched.
  - B(Exact.) With O(count), the deployment is brought to that many servers named C(<name>-<n>) (new ones are created,
    the newest extra ones deleted); with O(names), to exactly those names. A server of the deployment in ERROR is
    deleted and replaced.
  - B(Checked before any request that changes anything.) The image must be active; the flavor must fit the image
    (C(min_disk), C(min_ram), its size, Rackspace's C(flavor_classes) and the PVHVM rule of work-optimized flavors;
    flavors with a 0 GB root disk boot only from volumes and are refused); O(disk_config=AUTO) is refused for an image
    whose C(auto_disk_config) is C(disabled); unknown networks are refused. Each refusal names the option to fix.
  - Waits until each server is ACTIVE (or SHUTOFF) with no task in progress; a server that goes to ERROR fails the task
    at once with the platform's fault message.
  - Rate limits (413 C(overLimit) with C(Retry-After); Rackspace allows 1000 server creates a day and 100 POSTs a minute)
    are waited out as the platform asks.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
  - opencloud.images.server_wait
attributes:
  check_mode:
    support: full
    description: Runs every check and reports the servers that would be created, deleted and kept; sends no change.
options:
  deployment:
    description:
      - The deployment's marker (metadata C(opencloud.images.deployment)) that finds its servers again. Defaults to
        O(name).
    type: str
  state:
    description:
      - V(present) brings the deployment to O(count) servers or to O(names); V(absent) deletes its servers (only those in
        O(names) when given).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name prefix of the servers made for O(count) (C(<name>-1), C(<name>-2) ...). Required with O(count).
    type: str
  count:
    description:
      - Number of servers the deployment should have. V(0) deletes them all.
    type: int
  names:
    description:
      - Exact names of the deployment's servers (instead of O(count)).
    type: list
    elements: str
  image:
    description:
      - Id or name of the image to build from. Must be active. Required for O(state=present).
    type: str
  flavor:
    description:
      - Id or name of the flavor. Without it, the smallest flavor that fits the image (least memory, then disk, then
        vCPUs) is taken.
    type: str
  networks:
    description:
      - Networks to attach, by id or label. V(public) is Rackspace PublicNet (C(00000000-0000-0000-0000-000000000000)) and
        V(servicenet) is ServiceNet (C(11111111-1111-1111-1111-111111111111)).
      - Left out, the cloud's default applies (Rackspace attaches PublicNet and ServiceNet). Given, only these are attached,
        so on Rackspace list V(public) and V(servicenet) too when you add an isolated network (RackConnect and Managed
        accounts must keep both).
    type: list
    elements: str
  key_name:
    description:
      - Name of a keypair to inject (required on Rackspace OnMetal).
    type: str
  config_drive:
    description:
      - Attach a config drive (label C(config-2)). On Rackspace, O(user_data) reaches the server only through it.
    type: bool
  user_data:
    description:
      - User data (for cloud-init) as text; sent base64-encoded, at most 65535 bytes once encoded.
    type: str
  metadata:
    description:
      - Server metadata. The platform allows 40 items; this collection uses 1 for its marker.
    type: dict
    default: {}
  disk_config:
    description:
      - Rackspace C(OS-DCF:diskConfig). V(AUTO) grows the one partition to the flavor's disk (refused for images with
        C(auto_disk_config) C(disabled)); V(MANUAL) keeps the image's partitions. Left out, the image's setting applies.
    type: str
    choices: [AUTO, MANUAL]
'''

EXAMPLES = r'''
- name: Three web servers from the release image
  opencloud.images.server:
    name: web
    count: 3
    image: web-release-42
    flavor: general1-2
    key_name: deploy
  register: web

- name: Restore by redeploy - two named servers from the newest verified image, on PublicNet, ServiceNet and a private network
  opencloud.images.server:
    deployment: db-restore
    names: [db01-restored, db02-restored]
    image: "{{ verified_image_id }}"
    networks: [public, servicenet, backend-net]
    config_drive: true
    user_data: "{{ lookup('file', 'cloud-init.yml') }}"

- name: Scale the web deployment down to one
  opencloud.images.server:
    name: web
    count: 1
    image: web-release-42

- name: Remove the deployment
  opencloud.images.server:
    deployment: web
    state: absent
'''

RETURN = r'''
servers:
  description: The deployment's servers left after the run (for O(state=absent) without O(names), none), each with C(id), C(name), C(status),
    C(task_state), C(addresses) (per network label, each C(addr) and C(version)), C(access_ipv4), C(access_ipv6),
    C(image_id), C(flavor_id) and C(metadata).
  returned: success
  type: list
  elements: dict
  sample: [{"id": "5f3b6c0e-8a59-4d7b-9b8e-6c1f7f0f2a11", "name": "web-1", "status": "ACTIVE", "task_state": null,
            "addresses": {"public": [{"addr": "162.242.10.20", "version": 4}], "private": [{"addr": "10.176.1.2", "version": 4}]},
            "access_ipv4": "162.242.10.20", "access_ipv6": null, "image_id": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10",
            "flavor_id": "general1-2", "metadata": {"opencloud.images.deployment": "web"}}]
ids:
  description: Ids of the deployment's servers after the run.
  returned: success
  type: list
  elements: str
created:
  description: Names of the servers created (in check mode, that would be).
  returned: always
  type: list
  elements: str
deleted:
  description: Servers deleted (in check mode, that would be), each with C(id), C(name) and C(status) (ERROR ones are
    replaced).
  returned: always
  type: list
  elements: dict
image:
  description: Id and name of the image, and the C(min_disk) and C(min_ram) it asks for.
  returned: when O(state=present)
  type: dict
  sample: {"id": "0d2c7b5e-3a4f-4c1e-9a55-1c4b8a3e9f10", "name": "web-release-42", "min_disk": 20, "min_ram": 512}
flavor:
  description: Id, name, C(ram) (MB), C(disk) (GB) and C(vcpus) of the flavor used.
  returned: when O(state=present)
  type: dict
  sample: {"id": "general1-2", "name": "2 GB General Purpose v1", "ram": 2048, "disk": 40, "vcpus": 2}
last:
  description: On a timeout or a server in ERROR, that server as last seen.
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
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.servers import (
    DISK_CONFIGS, Deployer, ServerWaiter, deployment_names, flavor_brief, image_brief, summary,
)


class ServerModule(OpenCloudModule):
    argument_spec = dict(
        deployment=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        count=dict(type="int"),
        names=dict(type="list", elements="str"),
        image=dict(type="str"),
        flavor=dict(type="str"),
        networks=dict(type="list", elements="str"),
        key_name=dict(type="str", no_log=False),
        config_drive=dict(type="bool"),
        user_data=dict(type="str"),
        metadata=dict(type="dict", default={}),
        disk_config=dict(type="str", choices=list(DISK_CONFIGS)),
        **SERVER_WAIT_ARGUMENT_SPEC
    )
    module_kwargs = dict(mutually_exclusive=[("count", "names")], required_by={"count": ("name",)},
                         required_if=[("state", "present", ("image",)), ("state", "present", ("count", "names"), True)],
                         required_one_of=[("deployment", "name")])

    def run(self):
        p = self.params
        key = p["deployment"] or p["name"]
        if p["state"] == "present":
            deployment_names(p["count"], p["names"], p["name"])
        check_seconds(p, "timeout", "poll_interval")
        compute = ComputeService(self.cloud)
        deployer = Deployer(compute, ImageService(self.cloud), ServerWaiter(compute, p["timeout"], p["poll_interval"]))
        plan = deployer.plan(key, p["state"], p["count"], p["names"], p["name"], p["image"], p["flavor"], p["networks"],
                             p["disk_config"], p["metadata"], p["user_data"], p["key_name"], p["config_drive"])
        if plan.warning:
            self.ansible.warn(plan.warning)
        result = dict(changed=bool(plan.create or plan.delete), created=plan.create,
                      deleted=[{"id": s["id"], "name": s.get("name"), "status": s.get("status")} for s in plan.delete])
        if plan.image is not None:
            result.update(image=image_brief(plan.image), flavor=flavor_brief(plan.flavor))
        if self.check_mode:
            result["servers"] = [summary(s) for s in plan.keep]
            return result
        servers = [summary(s) for s in deployer.apply(plan, wait=p["wait"])]
        result.update(servers=servers, ids=[s["id"] for s in servers])
        return result


def main():
    ServerModule.main()


if __name__ == "__main__":
    main()
