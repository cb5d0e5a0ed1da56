# -*- coding: utf-8 -*-
"""The boot check's parts that need no cloud: which address, the TCP and SSH checks against real local sockets, which
tagged servers a sweep takes, and retention keeping the newest verified image."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket

from ansible_collections.opencloud.images.plugins.module_utils import verification
from ansible_collections.opencloud.images.plugins.module_utils.markers import (
    VERIFIED_RESULT, VERIFY_EXPIRES, VERIFY_IMAGE, VERIFY_PASSED,
)
from ansible_collections.opencloud.images.plugins.module_utils.retention import Pruner

RACKSPACE = {"addresses": {"public": [{"addr": "2001:4800::1", "version": 6}, {"addr": "162.242.1.2", "version": 4}],
                           "private": [{"addr": "10.176.1.2", "version": 4}],
                           "backend": [{"addr": "192.168.3.4", "version": 4}]},
             "accessIPv4": "162.242.1.2"}
UPSTREAM = {"addresses": {"net0": [{"addr": "10.0.0.5", "version": 4, "OS-EXT-IPS:type": "fixed"},
                                   {"addr": "172.24.4.9", "version": 4, "OS-EXT-IPS:type": "floating"}]}}


def test_addresses_by_network():
    assert verification.pick_address(RACKSPACE, "public") == "162.242.1.2"
    assert verification.pick_address(RACKSPACE, "servicenet") == "10.176.1.2"
    assert verification.pick_address(RACKSPACE, "backend") == "192.168.3.4"
    assert verification.pick_address(UPSTREAM, "public") == "172.24.4.9"
    assert verification.pick_address(UPSTREAM, "private") == "10.0.0.5"
    assert verification.pick_address(UPSTREAM, "servicenet") is None
    assert verification.pick_address({"addresses": {"public": [{"addr": "2001:db8::1", "version": 6}]}}, "public") == "2001:db8::1"


def test_tcp_check_on_a_listening_and_a_closed_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        assert verification.tcp_check("127.0.0.1", port, 2) is None
    finally:
        listener.close()
    reason = verification.tcp_check("127.0.0.1", port, 2)
    assert reason and "refused" in reason.lower()


def test_ssh_check_reports_why_it_failed(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    key = tmp_path / "key"
    key.write_text("not a key")
    key.chmod(0o600)
    reason = verification.ssh_check("127.0.0.1", port, "root", str(key), "true", None, 3)
    assert reason.startswith("ssh root@127.0.0.1 exited 255")


class TaggedServers:
    def __init__(self, servers):
        self.servers = servers
        self.deleted = []

    def list_servers(self, metadata=None):
        return [s for s in self.servers if all(k in s["metadata"] for k in metadata)]

    def delete_server(self, server_id):
        self.deleted.append(server_id)


def test_a_sweep_takes_only_tagged_servers_past_their_deadline():
    now = 1000000.0
    compute = TaggedServers([
        {"id": "stale", "name": "x", "metadata": {VERIFY_IMAGE: "img", VERIFY_EXPIRES: "%d" % (now - 400)}},
        {"id": "running", "name": "x", "metadata": {VERIFY_IMAGE: "img", VERIFY_EXPIRES: "%d" % (now + 100)}},
        {"id": "in-grace", "name": "x", "metadata": {VERIFY_IMAGE: "img", VERIFY_EXPIRES: "%d" % (now - 100)}},
        {"id": "broken-tag", "name": "x", "metadata": {VERIFY_IMAGE: "img"}},
        {"id": "someone-elses", "name": "opencloud-verify-1", "metadata": {}},
    ])
    verifier = verification.BootVerifier(compute, None, None, "100001", wall=lambda: now)
    leftovers = verifier.leftovers()
    assert [s["id"] for s in leftovers] == ["stale", "broken-tag"]
    assert [s["id"] for s in verifier.sweep(leftovers)] == compute.deleted == ["stale", "broken-tag"]


def test_recording_needs_the_owner():
    verifier = verification.BootVerifier(None, None, None, "100001")
    reason = verifier.record({"id": "img", "owner": "999"}, {"result": "passed", "boot_seconds": 3.0})
    assert reason.startswith("not recorded") and "999" in reason


def test_retention_keeps_the_newest_verified_image_of_each_server():
    def image(image_id, created, verified=False):
        fields = {"id": image_id, "name": image_id, "created_at": created, "status": "active",
                  "opencloud.images.server": "srv-1"}
        if verified:
            fields[VERIFIED_RESULT] = VERIFY_PASSED
        return fields
    images = [image("new", "2026-12-03T00:00:00Z"), image("verified", "2026-12-02T00:00:00Z", True),
              image("old-verified", "2026-12-01T00:00:00Z", True)]
    delete, keep = Pruner(None, keep=1, include_shared=True, keep_verified=True).decide(images)
    assert [i["id"] for i in delete] == ["old-verified"]
    assert dict((i["id"], i["reason"]) for i in keep)["verified"] == "the newest verified image of its server"
    delete, keep = Pruner(None, keep=1, include_shared=True).decide(images)
    assert [i["id"] for i in delete] == ["verified", "old-verified"]
