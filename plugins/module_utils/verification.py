# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proving that an image boots: a throwaway server, ACTIVE, then an out-of-band check (a TCP port, or an SSH command
with an expected output, as tempest checks its marker, restore-and-verify.md §2.1), diagnostics on failure, and the
server deleted whatever happens.

The throwaway server is tagged in its metadata (the image, the run, the run's deadline); a later run sweeps tagged
servers whose deadline has passed (left by a run that was killed), never servers found by name (§5 #7).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import signal
import socket
import subprocess
import time
import uuid

from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    NotFound, OpenCloudError, PermissionDenied, WaitError, WaitFailed, WaitTimeout,
)
from ansible_collections.opencloud.images.plugins.module_utils.images import patch_operations
from ansible_collections.opencloud.images.plugins.module_utils.markers import (
    VERIFIED_AT, VERIFIED_BOOT_SECONDS, VERIFIED_RESULT, VERIFY_EXPIRES, VERIFY_FAILED, VERIFY_IMAGE, VERIFY_PASSED,
    VERIFY_RUN,
)
from ansible_collections.opencloud.images.plugins.module_utils.servers import ServerWorkflow, checked_request, describe_server, fault_text
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for

TAG = (VERIFY_IMAGE, VERIFY_RUN, VERIFY_EXPIRES)
CONSOLE_LINES = 50


class Interrupted(OpenCloudError):
    """The run was told to stop (SIGTERM, SIGINT, SIGHUP): raised so that the throwaway server is deleted on the way out."""


class interruptible:
    """A context in which SIGTERM, SIGHUP and SIGINT raise :class:`Interrupted` (the previous handlers come back after)."""

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))

    def __enter__(self):
        self.previous = dict((number, signal.signal(number, self._raise)) for number in self.SIGNALS)
        return self

    def __exit__(self, *exc):
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        return False

    @staticmethod
    def _raise(number, frame):
        raise Interrupted("Interrupted by signal %d." % number)


def pick_address(server, network):
    """The address to check on: ``public`` (Rackspace PublicNet, a floating IP, or accessIPv4), ``servicenet``
    (Rackspace's ``private`` label), ``private`` (a fixed address on any network), or a network label. IPv4 first."""
    addresses = server.get("addresses") or {}
    entries = []
    if network == "public":
        entries = list(addresses.get("public") or []) + [
            e for label, items in addresses.items() for e in items if e.get("OS-EXT-IPS:type") == "floating"]
        if server.get("accessIPv4"):
            entries.append({"addr": server["accessIPv4"], "version": 4})
    elif network == "servicenet":
        entries = list(addresses.get("private") or [])
    elif network == "private":
        entries = [e for label, items in addresses.items() for e in items
                   if label == "private" or e.get("OS-EXT-IPS:type") == "fixed"]
    else:
        entries = list(addresses.get(network) or [])
    for version in (4, 6):
        for entry in entries:
            if entry.get("version", 4) == version and entry.get("addr"):
                return entry["addr"]
    return None


def tcp_check(address, port, timeout):
    """None when a TCP connection to the port opens within ``timeout`` seconds, else why not."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return None
    except OSError as exc:
        return "TCP %s port %d: %s" % (address, port, exc.strerror or exc)


def ssh_check(address, port, user, key_file, command, expected, timeout):
    """None when ``ssh`` runs the command as ``user`` with the key and its output contains ``expected``, else why not.

    The OpenSSH client binary: no Python dependency. Host keys are not checked (a new server has a new key) and nothing
    is written to known_hosts."""
    argv = ["ssh", "-p", str(port), "-i", key_file, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=%d" % max(1, int(timeout)),
            "-o", "IdentitiesOnly=yes", "%s@%s" % (user, address), command]
    try:
        # Not AnsibleModule.run_command: module_utils know no Ansible (only base.py does), and run_command has no
        # timeout, which a guest that accepts the connection and never answers needs.
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                              timeout=timeout + 5, check=False)
    except subprocess.TimeoutExpired:
        return "ssh %s@%s: no answer within %d s" % (user, address, timeout)
    except OSError as exc:
        return "ssh could not be run: %s" % exc
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        return "ssh %s@%s exited %d: %s" % (user, address, done.returncode,
                                            done.stderr.decode("utf-8", "replace").strip()[-300:] or "no message")
    if expected is not None and expected not in output:
        return "ssh %s@%s: the output %r does not contain %r" % (user, address, output.strip()[-200:], expected)
    return None


class BootCheck:
    """The out-of-band check: a TCP port, or an SSH command (with ``user``, ``key_file``, ``command``, ``expected``)."""

    def __init__(self, port=22, user=None, key_file=None, command=None, expected=None, attempt_timeout=10):
        self.port = port
        self.user = user
        self.key_file = key_file
        self.command = command
        self.expected = expected
        self.attempt_timeout = attempt_timeout

    @property
    def kind(self):
        return "ssh" if self.command else "tcp"

    def __call__(self, address):
        if self.command:
            return ssh_check(address, self.port, self.user, self.key_file, self.command, self.expected, self.attempt_timeout)
        return tcp_check(address, self.port, self.attempt_timeout)


class BootVerifier(ServerWorkflow):
    """Boots one throwaway server from an image and proves it comes up; the server is always deleted."""

    def __init__(self, compute, images, waiter, account, sweep_grace=300, wall=time.time, clock=time.monotonic,
                 sleep=time.sleep):
        """``sweep_grace``: seconds a tagged server outlives its run's deadline before a sweep takes it (the clocks of
        two controllers differ)."""
        super(BootVerifier, self).__init__(compute, images, waiter)
        self.sweep_grace = sweep_grace
        self.account = account
        self.wall = wall
        self.clock = clock
        self.sleep = sleep

    def leftovers(self):
        """Tagged throwaway servers whose run's deadline (plus a grace) has passed: a killed run left them."""
        now = self.wall()
        stale = []
        for server in self.compute.list_servers({VERIFY_IMAGE: None}):
            try:
                expires = float((server.get("metadata") or {}).get(VERIFY_EXPIRES))
            except (TypeError, ValueError):
                expires = 0  # a tag without a readable deadline is ours and broken: sweep it
            if expires + self.sweep_grace < now:
                stale.append(server)
        return stale

    def sweep(self, servers):
        for server in servers:
            self.compute.delete_server(server["id"])
        return [{"id": s["id"], "name": s.get("name"), "image": (s.get("metadata") or {}).get(VERIFY_IMAGE)} for s in servers]

    def plan(self, image, flavor=None, networks=None, disk_config=None, metadata=None, user_data=None, key_name=None,
             config_drive=None):
        """(image, flavor, request body, warning, leftovers to sweep) after every check that needs no POST."""
        image, flavor, request, warning = checked_request(
            self.compute, self.images, image, flavor, dict.fromkeys(TAG, ""), metadata=metadata, networks=networks,
            disk_config=disk_config, user_data=user_data, key_name=key_name, config_drive=config_drive)
        return image, flavor, request, warning, self.leftovers()

    def run(self, image, request, check, network, boot_timeout, check_timeout, check_interval=2):
        """Create the server (``request`` from plan() with the run's tag), wait ACTIVE, check, delete: a result dict with
        ``result`` ``passed`` or ``failed``, ``reason``, timings and, on failure, diagnostics."""
        run_id = uuid.uuid4().hex
        tag = {VERIFY_IMAGE: image["id"], VERIFY_RUN: run_id, VERIFY_EXPIRES: "%d" % (self.wall() + boot_timeout + check_timeout)}
        body = dict(request, name="opencloud-verify-%s" % run_id[:12], metadata=dict(request.get("metadata") or {}, **tag))
        result = {"result": VERIFY_FAILED, "reason": None, "server_id": None, "server_name": body["name"], "address": None,
                  "boot_seconds": None, "check_seconds": None, "check": check.kind, "diagnostics": None, "deleted": False}
        started = self.clock()
        server = None
        try:
            with interruptible():
                try:
                    result["server_id"] = self.compute.create_server(body)["id"]
                    server = self.waiter.settled(result["server_id"], timeout=boot_timeout)
                    result["boot_seconds"] = round(self.clock() - started, 1)
                    result["address"] = pick_address(server, network)
                    if result["address"] is None:
                        raise WaitFailed("server %s has no %s address (addresses: %s)" % (
                            server["id"], network, ", ".join(sorted(server.get("addresses") or {})) or "none"))
                    self._check(check, result["address"], check_timeout, check_interval)
                    result["check_seconds"] = round(self.clock() - started - result["boot_seconds"], 1)
                    result["result"] = VERIFY_PASSED
                except WaitError as exc:
                    result["reason"] = exc.message
                    if isinstance(exc.last, dict) and exc.last.get("status"):
                        server = exc.last
                    result["diagnostics"] = self.diagnostics(result["server_id"], server)
                finally:
                    self._delete(result)
        except Interrupted as exc:
            raise Interrupted("%s The throwaway server %s was %s." % (
                exc.message, result["server_id"], "deleted" if result["deleted"] else "not created or NOT deleted (the next "
                "run sweeps it)"))
        finally:
            result["seconds"] = round(self.clock() - started, 1)
        return result

    def _delete(self, result):
        """Delete the throwaway server; a failure to do so is reported, not raised over the verification's own outcome
        (the tag lets the next run sweep it)."""
        if not result["server_id"]:
            return
        try:
            self.compute.delete_server(result["server_id"])
            result["deleted"] = True
        except OpenCloudError as exc:
            result["delete_error"] = exc.message

    def _check(self, check, address, timeout, interval):
        try:
            wait_for(lambda: check(address), lambda reason: reason is None, timeout=timeout, interval=interval,
                     max_interval=max(interval, 5), backoff=1.5, describe=str, clock=self.clock, sleep=self.sleep)
        except WaitTimeout as exc:
            raise WaitTimeout("the %s check did not pass within %d s; last: %s" % (check.kind, timeout, exc.last),
                              last=exc.last, waited=exc.waited)

    def diagnostics(self, server_id, server):
        """What the platform can tell about a server that did not come up: its state and fault, the end of its console
        log (where offered), and its action log."""
        if not server_id:
            return None
        info = {"server": describe_server(server) if server else None, "fault": (server or {}).get("fault"),
                "fault_text": fault_text(server) if server else None, "console_output": None, "instance_actions": None}
        try:
            info["console_output"] = self.compute.console_output(server_id, CONSOLE_LINES)
            info["instance_actions"] = self.compute.instance_actions(server_id)
        except OpenCloudError as exc:
            info["diagnostics_error"] = exc.message
        return info

    def record(self, image, result):
        """The result as image properties, for retention and restore to prefer verified images; None when recorded,
        else why not (only the owner can set properties)."""
        if image.get("owner") != self.account:
            return "not recorded: image %s belongs to account %s, not to yours" % (image["id"], image.get("owner"))
        when = datetime.datetime.fromtimestamp(self.wall(), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        properties = {VERIFIED_AT: when, VERIFIED_RESULT: result["result"],
                      VERIFIED_BOOT_SECONDS: None if result["boot_seconds"] is None else "%.1f" % result["boot_seconds"]}
        try:
            self.images.update(image["id"], patch_operations(image, properties=properties))
        except (PermissionDenied, NotFound) as exc:
            return "not recorded: %s" % exc.message
        return None
