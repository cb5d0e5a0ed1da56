#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: image_verify
short_description: Prove that an image boots, with a throwaway server and an out-of-band check
version_added: 0.1.0
description:
  - Boots a throwaway server from the image, waits until it is ACTIVE with no task in progress (a server in ERROR fails at
    once with the platform's fault), then checks it from outside within O(check_timeout) - a TCP port (O(port)) on the
    address of O(network), or, with O(ssh_command), an SSH command whose output must contain O(expected_output) (the way
    tempest checks a marker written before the snapshot).
  - B(The server is always deleted), also when the check fails, on a timeout, and when the run is interrupted (SIGTERM,
    SIGINT, SIGHUP). It is tagged in its metadata (C(opencloud.images.verify) = the image id, the run, the run's
    deadline); a run killed outright leaves it, and the next run deletes tagged servers whose deadline has passed (by tag,
    never by name).
  - On failure, collects diagnostics - the server's status and fault, the end of its console log where the cloud offers
    it (Rackspace does not document it), and its action log - and fails the task with them.
  - B(Records the result on the image) (properties C(opencloud.images.verified_at), C(opencloud.images.verified_result)
    V(passed) or V(failed), C(opencloud.images.verified_boot_seconds)), when the image is the account's own, so that
    M(opencloud.images.image_prune) (O(opencloud.images.image_prune#module:keep_verified)) and
    M(opencloud.images.server_rebuild) (V(latest_verified)) can prefer verified images.
  - The flavor is checked against the image (or the smallest that fits is taken) before any server is created.
  - The SSH check runs the OpenSSH client (C(ssh)) where the module runs; it adds no Python dependency.
author:
  - opencloud.images maintainers (@opencloud)
extends_documentation_fragment:
  - opencloud.images.auth
attributes:
  check_mode:
    support: full
    description: Runs every check and reports the flavor it would use and the leftover servers it would delete; boots
      nothing.
options:
  image:
    description:
      - Id or name of the image to verify. Must be active.
    type: str
    required: true
  flavor:
    description:
      - Id or name of the flavor. Without it, the smallest flavor that fits the image.
    type: str
  networks:
    description:
      - Networks to attach to the throwaway server, as in M(opencloud.images.server) (V(public), V(servicenet), ids or
        labels). Left out, the cloud's default.
    type: list
    elements: str
  network:
    description:
      - Which address to check on. V(public) (Rackspace PublicNet, a floating IP, or C(accessIPv4)), V(servicenet)
        (Rackspace ServiceNet, when the controller is in the same region), V(private) (a fixed address on any network),
        or a network label. IPv4 first, else IPv6.
    type: str
    default: public
  port:
    description:
      - TCP port to check (and the SSH port with O(ssh_command)).
    type: int
    default: 22
  key_name:
    description:
      - Keypair to inject, whose private key O(ssh_private_key) is.
    type: str
  ssh_user:
    description:
      - User for O(ssh_command).
    type: str
    default: root
  ssh_private_key:
    description:
      - Path of the private key for O(ssh_command). Required with O(ssh_command).
    type: path
  ssh_command:
    description:
      - Command to run over SSH instead of the bare TCP check; it must exit 0.
    type: str
  expected_output:
    description:
      - Text the output of O(ssh_command) must contain (for example a marker file's content).
    type: str
  config_drive:
    description:
      - Attach a config drive to the throwaway server.
    type: bool
  user_data:
    description:
      - User data for the throwaway server (for cloud-init), as text.
    type: str
  disk_config:
    description:
      - Rackspace C(OS-DCF:diskConfig) of the throwaway server (V(AUTO) is refused for images with C(auto_disk_config)
        C(disabled)).
    type: str
    choices: [AUTO, MANUAL]
  boot_timeout:
    description:
      - Seconds for the server to become ACTIVE.
    type: int
    default: 1200
  check_timeout:
    description:
      - Seconds, after ACTIVE, for the check to pass (tempest waits 300 s for SSH).
    type: int
    default: 300
  poll_interval:
    description:
      - Seconds between the first status checks (growing by half up to 30).
    type: float
    default: 5
  sweep_grace:
    description:
      - Seconds a leftover throwaway server of an earlier run must be past that run's deadline before this run deletes it
        (the controllers' clocks may differ; a run still going is never swept).
    type: int
    default: 300
  record:
    description:
      - Record the result on the image as properties.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Does tonight's image boot and open SSH?
  opencloud.images.image_verify:
    image: "{{ nightly.image_id }}"

- name: Like tempest - the marker written before the snapshot must be there
  opencloud.images.image_verify:
    image: "{{ nightly.image_id }}"
    key_name: verify
    ssh_private_key: ~/.ssh/verify
    ssh_command: cat /root/marker
    expected_output: "{{ marker }}"

- name: Then restore from the newest verified image
  opencloud.images.server_rebuild:
    server: web01
    image: latest_verified
    confirm: true
'''

RETURN = r'''
result:
  description: V(passed) or V(failed); in check mode V(planned).
  returned: always
  type: str
  sample: passed
reason:
  description: Why the verification failed (the fault, the timeout, the check's last error).
  returned: on failure
  type: str
image:
  description: Id and name of the image, and the C(min_disk) and C(min_ram) it asks for.
  returned: always
  type: dict
flavor:
  description: Id, name, C(ram), C(disk) and C(vcpus) of the flavor used.
  returned: always
  type: dict
server_id:
  description: Id of the throwaway server (deleted).
  returned: when a server was created
  type: str
server_name:
  description: Name of the throwaway server.
  returned: when a server was created
  type: str
address:
  description: The address checked.
  returned: when the server became ACTIVE
  type: str
check:
  description: V(tcp) or V(ssh).
  returned: when a server was created
  type: str
boot_seconds:
  description: Seconds from the create request to ACTIVE.
  returned: when the server became ACTIVE
  type: float
  sample: 41.3
check_seconds:
  description: Seconds from ACTIVE to the check passing.
  returned: when the check passed
  type: float
  sample: 12.0
seconds:
  description: Seconds of the whole verification.
  returned: when a server was created
  type: float
deleted:
  description: Whether the throwaway server was deleted (always true unless deleting it failed).
  returned: when a server was created
  type: bool
diagnostics:
  description: On failure, C(server) (its last state), C(fault), C(fault_text), C(console_output) (null where not
    offered) and C(instance_actions).
  returned: on failure
  type: dict
recorded:
  description: Whether the result was recorded on the image.
  returned: when a server was created
  type: bool
not_recorded:
  description: Why the result was not recorded (an image of another account).
  returned: when not recorded
  type: str
swept:
  description: Leftover throwaway servers of earlier runs deleted (in check mode, that would be), each with C(id),
    C(name) and C(image).
  returned: always
  type: list
  elements: dict
api_trace:
  description: The API calls made, with secrets masked.
  returned: when run with C(-vvvv)
  type: list
  elements: str
'''

from ansible_collections.opencloud.images.plugins.module_utils.base import OpenCloudModule, check_seconds
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.markers import VERIFY_PASSED
from ansible_collections.opencloud.images.plugins.module_utils.servers import DISK_CONFIGS, ServerWaiter, flavor_brief, image_brief
from ansible_collections.opencloud.images.plugins.module_utils.verification import BootCheck, BootVerifier


class ImageVerifyModule(OpenCloudModule):
    argument_spec = dict(
        image=dict(type="str", required=True),
        flavor=dict(type="str"),
        networks=dict(type="list", elements="str"),
        network=dict(type="str", default="public"),
        port=dict(type="int", default=22),
        key_name=dict(type="str", no_log=False),
        ssh_user=dict(type="str", default="root"),
        ssh_private_key=dict(type="path", no_log=False),
        ssh_command=dict(type="str"),
        expected_output=dict(type="str"),
        config_drive=dict(type="bool"),
        user_data=dict(type="str"),
        disk_config=dict(type="str", choices=list(DISK_CONFIGS)),
        boot_timeout=dict(type="int", default=1200),
        check_timeout=dict(type="int", default=300),
        poll_interval=dict(type="float", default=5),
        sweep_grace=dict(type="int", default=300),
        record=dict(type="bool", default=True),
    )
    module_kwargs = dict(required_by={"ssh_command": ("ssh_private_key",), "expected_output": ("ssh_command",)})

    def run(self):
        p = self.params
        check_seconds(p, "boot_timeout", "check_timeout", "poll_interval")
        if p["sweep_grace"] < 0:
            raise ConfigError("sweep_grace must be 0 or more seconds, not %d." % p["sweep_grace"], option="sweep_grace")
        if not 0 < p["port"] < 65536:
            raise ConfigError("port must be a TCP port (1-65535), not %d." % p["port"], option="port")
        compute = ComputeService(self.cloud)
        verifier = BootVerifier(compute, ImageService(self.cloud), ServerWaiter(compute, p["boot_timeout"], p["poll_interval"]),
                                self.cloud.auth.project_id, sweep_grace=p["sweep_grace"])
        image, flavor, request, warning, leftovers = verifier.plan(
            p["image"], p["flavor"], p["networks"], p["disk_config"], user_data=p["user_data"], key_name=p["key_name"],
            config_drive=p["config_drive"])
        if warning:
            self.ansible.warn(warning)
        result = dict(image=image_brief(image), flavor=flavor_brief(flavor))
        if self.check_mode:
            result.update(changed=True, result="planned",
                          swept=[{"id": s["id"], "name": s.get("name")} for s in leftovers])
            return result
        result["swept"] = verifier.sweep(leftovers)
        check = BootCheck(p["port"], p["ssh_user"], p["ssh_private_key"], p["ssh_command"], p["expected_output"])
        outcome = verifier.run(image, request, check, p["network"], p["boot_timeout"], p["check_timeout"])
        result.update(outcome, changed=True)
        if p["record"]:
            result["not_recorded"] = verifier.record(image, outcome)
            result["recorded"] = result["not_recorded"] is None
        if outcome["result"] != VERIFY_PASSED:
            self.fail("Image %s did not pass verification: %s. The throwaway server %s was %s." % (
                image["id"], outcome["reason"], outcome["server_id"], "deleted" if outcome["deleted"] else "NOT deleted"),
                **result)
        return result


def main():
    ImageVerifyModule.main()


if __name__ == "__main__":
    main()
