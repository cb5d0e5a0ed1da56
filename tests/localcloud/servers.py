"""Servers and their snapshots, as Nova keeps them; compute.py turns them into the wire format.

A snapshot is a ``SnapshotJob`` started by createImage. Which stage it is in follows from the time since it started,
worked out whenever the state is read (``CloudState.settle``): no background threads, and with an injected clock no
waiting either. The stages, with the server's task state, the Glance status and the Nova image progress:

==========================  ====================  ==============  ========
time since createImage      task_state            Glance status   progress
==========================  ====================  ==============  ========
first half of snapshot      image_snapshot        queued          0
second half of snapshot     image_snapshot        saving          25
pending_upload              image_pending_upload  saving          25
uploading                   image_uploading       saving          50
after that                  null                  active (size)   100
==========================  ====================  ==============  ========

A job marked to fail (``fail-next-image``, a full disk) ends ``killed`` (Nova ``ERROR``) instead, when its upload
phase is over. The server's task state clears either way.
"""

import hashlib
import math
import re
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Optional

IMAGE_TASK_STATES = ("image_snapshot", "image_pending_upload", "image_uploading")
# Other task states a test may put a server in; on an active server some change its status (nova.api.openstack.common._STATE_MAP).
REBUILD_TASK_STATES = ("rebuilding", "rebuild_block_device_mapping", "rebuild_spawning")
BUILD_TASK_STATES = ("scheduling", "block_device_mapping", "networking", "spawning")
ACTIVE_TASK_STATUSES = {"rebooting": "REBOOT", "rebooting_hard": "HARD_REBOOT", **dict.fromkeys(REBUILD_TASK_STATES, "REBUILD"),
                        "resize_prep": "RESIZE", "migrating": "MIGRATING", "updating_password": "PASSWORD"}
TASK_STATES = IMAGE_TASK_STATES + tuple(ACTIVE_TASK_STATUSES) + BUILD_TASK_STATES + ("powering-off", "powering-on", "deleting")
# Nova status -> vm_state, and the power state (nova.compute.power_state) of a server in that vm_state.
VM_STATES = {"ACTIVE": "active", "BUILD": "building", "SHUTOFF": "stopped", "PAUSED": "paused", "SUSPENDED": "suspended", "ERROR": "error"}
POWER_STATES = {"active": 1, "building": 0, "stopped": 4, "paused": 3, "suspended": 7, "error": 0}
# Stopped and failed servers being rebuilt show REBUILD too (nova.api.openstack.common._STATE_MAP).
REBUILDING_VM_STATES = ("active", "stopped", "error")
# nova.compute.api.API.snapshot: @check_instance_state(vm_state=[ACTIVE, STOPPED, PAUSED, SUSPENDED]) and task_state None
SNAPSHOT_VM_STATES = ("active", "stopped", "paused", "suspended")
# Base image attributes a snapshot keeps (besides the custom properties, minus Nova's non_inheritable_image_properties).
INHERITED_ATTRIBUTES = ("container_format", "disk_format", "min_disk", "min_ram")
NON_INHERITABLE = ("cache_in_nova", "bittorrent")

MIB = 1 << 20
GIB = 1 << 30
# Glance task statuses before the end (tasks.py); each lasts ``task_phase_seconds[status]``.
TASK_PHASES = ("pending", "processing")

# The whole config of the local cloud (``/_localcloud/config``), every service's settings.
DEFAULT_CONFIG = {
    "image_phase_seconds": {"image_snapshot": 0.3, "image_pending_upload": 0.3, "image_uploading": 0.3},
    "images_per_host_group": None,  # images in progress at once per host group; None: no limit
    "overlimit_retry_after": 1,  # seconds, in the 413 of that limit
    # Image members (image_members.py): false is Rackspace (members on private images too), true is upstream Glance >= 2.5
    # (only on shared images, 403 otherwise); or per region, {"DFW": true, ...}, regions left out being false.
    "members_need_shared_visibility": False,
    # Cloud Files (object_store.py): Swift's max_file_size; SLO manifests take at most slo_max_segments segments, each but
    # the last at least slo_min_segment_bytes (Swift's limits before 2.7, which Cloud Files documents).
    "object_max_bytes": 5 * GIB + 2,
    "slo_max_segments": 1000,
    "slo_min_segment_bytes": MIB,
    # Glance tasks (tasks.py): how long a task is pending, then processing; the fixed VHD an export writes (data and its
    # 512-byte footer) in DLO segments of export_segment_bytes; the largest virtual disk an import takes (Rackspace: 160 GB).
    "task_phase_seconds": {"pending": 0.3, "processing": 0.3},
    "export_image_bytes": 3 * MIB + 512,
    "export_segment_bytes": MIB,
    "import_max_virtual_bytes": 160 * GIB,
    # Fault injection and eventual consistency (state.py, control.py): the seed of the random draws of faults with a
    # probability; how long a new image (createImage, import) stays out of image lists, and a new object out of container
    # listings (both are reachable directly at once).
    "fault_seed": 0,
    "list_lag_seconds": 0,
    "object_list_lag_seconds": 0,
    # The server lifecycle (compute_servers.py, server_jobs.py): how long each process takes, split evenly among its task
    # states; whether ACTIVE servers made by POST /servers run a real sshd on their loopback address (guests.py).
    "server_phase_seconds": {"build": 0.4, "rebuild": 0.3, "stop": 0.1, "start": 0.1, "delete": 0.2},
    "guest_sshd": True,
    # Rate limits per account (rate_limits.py): [] is none; rate_limits.RACKSPACE_RATE_LIMITS is Rackspace's default table.
    "rate_limits": [],
}
SERVER_PROCESSES = ("build", "rebuild", "stop", "start", "delete")
# Integer settings: the least value and what the number is, for the error message.
_INTEGERS = {"overlimit_retry_after": (0, "an integer number of seconds"), "object_max_bytes": (0, "an integer number of bytes"),
             "slo_max_segments": (1, "an integer"), "slo_min_segment_bytes": (1, "an integer number of bytes"),
             "export_image_bytes": (1024, "an integer number of bytes"), "export_segment_bytes": (1, "an integer number of bytes"),
             "import_max_virtual_bytes": (0, "an integer number of bytes"), "fault_seed": (0, "an integer")}
# Settings in seconds (any number), 0 or more.
_SECONDS = ("list_lag_seconds", "object_list_lag_seconds")

Stage = namedtuple("Stage", "task_state status progress since")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _phases(config, changes, key, names):
    """The phase lengths of ``key`` with those ``changes`` names (some or all of ``names``) applied."""
    phases = dict(config[key])
    new_phases = changes.get(key, {})
    if not isinstance(new_phases, dict) or set(new_phases) - set(names):
        raise ValueError(f"'{key}' must be an object with keys among {', '.join(names)}")
    for phase, seconds in new_phases.items():
        if not _number(seconds) or seconds < 0:
            raise ValueError(f"'{key}.{phase}' must be a number of seconds, 0 or more")
        phases[phase] = seconds
    return phases


def merged_config(config, changes):
    """A copy of ``config`` with ``changes`` applied (``image_phase_seconds`` and ``task_phase_seconds`` may name only some
    phases; a new ``members_need_shared_visibility`` replaces the old one whole).

    Raises ValueError naming the first bad key or value.
    """
    unknown = set(changes) - set(DEFAULT_CONFIG)
    if unknown:
        raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
    merged = {"image_phase_seconds": _phases(config, changes, "image_phase_seconds", IMAGE_TASK_STATES),
              "task_phase_seconds": _phases(config, changes, "task_phase_seconds", TASK_PHASES),
              "server_phase_seconds": _phases(config, changes, "server_phase_seconds", SERVER_PROCESSES)}
    limit = changes.get("images_per_host_group", config["images_per_host_group"])
    if limit is not None and (not _integer(limit) or limit < 0):
        raise ValueError("'images_per_host_group' must be null (no limit) or an integer, 0 or more")
    merged["images_per_host_group"] = limit
    for key, (least, kind) in _INTEGERS.items():
        value = changes.get(key, config[key])
        if not _integer(value) or value < least:
            raise ValueError(f"'{key}' must be {kind}, {least} or more")
        merged[key] = value
    for key in _SECONDS:
        value = changes.get(key, config[key])
        if not _number(value) or value < 0:
            raise ValueError(f"'{key}' must be a number of seconds, 0 or more")
        merged[key] = value
    if merged["export_image_bytes"] % 512:
        raise ValueError("'export_image_bytes' must be a multiple of 512 (sectors of data, then the 512-byte footer)")
    merged["guest_sshd"] = changes.get("guest_sshd", config["guest_sshd"])
    if not isinstance(merged["guest_sshd"], bool):
        raise ValueError("'guest_sshd' must be true or false")
    merged["rate_limits"] = check_rate_limits(changes.get("rate_limits", config["rate_limits"]))
    merged["members_need_shared_visibility"] = _members_switch(changes.get("members_need_shared_visibility",
                                                                           config["members_need_shared_visibility"]))
    return {key: merged[key] for key in DEFAULT_CONFIG}


def _members_switch(value):
    """``members_need_shared_visibility``: a boolean for every region, or ``{REGION: boolean}`` (region names upper-cased)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, dict) and all(isinstance(region, str) and isinstance(needed, bool) for region, needed in value.items()):
        return {region.upper(): needed for region, needed in value.items()}
    raise ValueError("'members_need_shared_visibility' must be true, false or an object {REGION: true|false}")


RATE_UNITS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}
RATE_SERVICES = ("compute", "image", "object-store", "*")


def check_rate_limits(rules):
    """A copy of a ``rate_limits`` list, each rule checked and completed (``service`` defaults to compute); ValueError otherwise."""
    if not isinstance(rules, list):
        raise ValueError("'rate_limits' must be a list of rules")
    checked = []
    for number, rule in enumerate(rules):
        where = f"'rate_limits[{number}]'"
        if not isinstance(rule, dict) or set(rule) - {"method", "uri", "regex", "value", "unit", "service"}:
            raise ValueError(f"{where} must be an object with keys among method, uri, regex, value, unit, service")
        rule = {"service": "compute", **rule}
        if not all(isinstance(rule.get(key), str) for key in ("method", "uri", "regex")):
            raise ValueError(f"{where} needs 'method', 'uri' and 'regex' (strings)")
        try:
            re.compile(rule["regex"])
        except re.error as exc:
            raise ValueError(f"{where}: bad regex: {exc}") from None
        if not _integer(rule.get("value")) or rule["value"] < 0 or rule.get("unit") not in RATE_UNITS:
            raise ValueError(f"{where} needs 'value' (an integer, 0 or more) and 'unit' (one of {', '.join(RATE_UNITS)})")
        if rule["service"] not in RATE_SERVICES:
            raise ValueError(f"{where}: 'service' must be one of {', '.join(RATE_SERVICES)}")
        checked.append({**rule, "method": rule["method"].upper()})
    return checked


def _digest(text):
    return hashlib.md5(text.encode(), usedforsecurity=False).digest()


@dataclass
class Server:
    """A server; ``host_group`` (the hypervisor host) shows on the wire only through ``hostId``."""

    id: str
    region: str
    tenant_id: str
    user_id: str
    name: str
    host_group: str
    image_id: str  # "" when the server boots from a volume
    flavor_id: str
    created: str
    vm_state: str = "active"
    task_state: Optional[str] = None
    metadata: dict = field(default_factory=dict)
    base_image: dict = field(default_factory=dict)  # what snapshots inherit from the base image (Nova's system metadata)
    disk_config: str = "AUTO"
    fault: Optional[dict] = None
    fail_next_image: bool = False
    updated: str = ""
    # Made by POST /servers (compute_servers.py); seeded servers keep the defaults.
    networks: tuple = ("public", "private")
    guest_address: Optional[str] = None  # its loopback address, where its sshd listens while ACTIVE (guests.py)
    boot: str = "ok"  # how its image boots (image property localcloud_boot): ok, fail or no-ssh
    key_name: Optional[str] = None
    public_key: Optional[str] = None  # of that key pair, as the server was given it (the key pair may go later)
    config_drive: bool = False
    user_data: Optional[str] = None
    description: Optional[str] = None
    access_ipv4: Optional[str] = None  # set by the request; else the public addresses
    access_ipv6: Optional[str] = None
    progress: Optional[int] = None  # while a build or rebuild runs; else 100 for ACTIVE, 0 otherwise
    console: list = field(default_factory=list)  # the boot log (os-getConsoleOutput)
    actions: list = field(default_factory=list)  # os-instance-actions, oldest first

    def __post_init__(self):
        self.updated = self.updated or self.created

    @property
    def boot_from_volume(self):
        return self.image_id == ""

    @property
    def status(self):
        if self.vm_state == "active":
            return ACTIVE_TASK_STATUSES.get(self.task_state, "ACTIVE")
        if self.vm_state in REBUILDING_VM_STATES and self.task_state in REBUILD_TASK_STATES:
            return "REBUILD"
        return next(status for status, vm_state in VM_STATES.items() if vm_state == self.vm_state)

    @property
    def power_state(self):
        return POWER_STATES[self.vm_state]

    @property
    def host_id(self):
        """Nova's ``hostId``: sha224 of the project and the host (here ``<REGION>/<host group>``), equal for servers sharing a host."""
        return hashlib.sha224(f"{self.tenant_id}{self.region}/{self.host_group}".encode()).hexdigest()

    def addresses(self):
        """Stable made-up addresses (Rackspace ranges) derived from the id, per attached network (``public``: PublicNet,
        ``private``: ServiceNet); a server with a guest has its loopback address as its public IPv4 (else its private one)."""
        octets = _digest(self.id)
        public_v4 = f"162.242.{octets[0]}.{octets[1] or 1}"
        private_v4 = f"10.176.{octets[5]}.{octets[6] or 1}"
        if self.guest_address and "public" in self.networks:
            public_v4 = self.guest_address
        elif self.guest_address:
            private_v4 = self.guest_address
        every = {"public": [{"addr": public_v4, "version": 4},
                            {"addr": f"2001:4800:7817:104:be76:4eff:fe{octets[2]:02x}:{octets[3]:02x}{octets[4]:02x}", "version": 6}],
                 "private": [{"addr": private_v4, "version": 4}]}
        return {label: every[label] for label in self.networks}

    def access_addresses(self):
        """``(accessIPv4, accessIPv6)``: as set by a request, else the public addresses ("" without PublicNet)."""
        public = self.addresses().get("public", [])
        found = {entry["version"]: entry["addr"] for entry in public}
        return (self.access_ipv4 if self.access_ipv4 is not None else found.get(4, ""),
                self.access_ipv6 if self.access_ipv6 is not None else found.get(6, ""))

    def describe(self):
        """For the control API's state dump: every field, hidden ones included."""
        return {**asdict(self), "status": self.status, "power_state": self.power_state, "host_id": self.host_id}


@dataclass
class SnapshotJob:
    """One createImage in progress. ``hold`` keeps it in that task state for good (a stuck snapshot, as seeded)."""

    image_id: str
    region: str
    server_id: str
    host_group: str
    started: datetime
    phase_seconds: dict
    fail: bool = False
    hold: Optional[str] = None
    applied: Optional[Stage] = None  # the stage last written to the image and the server

    def stages(self):
        """Every stage in order; the last one (task state None) is the end, ``active`` or ``killed``."""
        snapshot, pending, uploading = (timedelta(seconds=self.phase_seconds[phase]) for phase in IMAGE_TASK_STATES)
        start = self.started
        end = start + snapshot + pending + uploading
        return [Stage("image_snapshot", "queued", 0, start), Stage("image_snapshot", "saving", 25, start + snapshot / 2),
                Stage("image_pending_upload", "saving", 25, start + snapshot), Stage("image_uploading", "saving", 50, start + snapshot + pending),
                Stage(None, "killed", 0, end) if self.fail else Stage(None, "active", 100, end)]

    def stage_at(self, now):
        stages = self.stages()
        if self.hold:
            return [stage for stage in stages if stage.task_state == self.hold][-1]
        return [stage for stage in stages if stage.since <= now][-1]

    def describe(self):
        stage = self.applied
        return {"image_id": self.image_id, "region": self.region, "server_id": self.server_id, "host_group": self.host_group,
                "task_state": stage.task_state, "status": stage.status, "progress": stage.progress,
                "started": self.started.isoformat(), "phase_seconds": dict(self.phase_seconds), "fail": self.fail, "hold": self.hold}


def snapshot_image_size(image_id):
    """A stable made-up size (1-9 GiB) for a finished snapshot."""
    return (1 << 30) + int.from_bytes(_digest(image_id)[:4], "big") % (8 << 30) // 512 * 512
