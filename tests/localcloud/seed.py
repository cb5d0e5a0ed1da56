"""Seed data: the accounts of tests/CONVENTIONS.md, three regions, Rackspace-style images and servers.

A seed is plain JSON-able data: ``{"regions": [...], "accounts": [...], "images": [...], "servers": [...]}``. Each image
entry is the keyword arguments of ``CloudState.add_image`` (region, owner, optional members, then image fields); each
server entry those of ``CloudState.add_server``, plus an optional ``snapshot_in_progress`` (the keyword arguments of
``CloudState.start_snapshot``: name, metadata, image_id, hold, started).

Ids are stable: base images are ``uuid5(SEED_NAMESPACE, "image/<REGION>/<name>")``, servers
``uuid5(SEED_NAMESPACE, "server/<REGION>/<name>/<n>")`` (n counts servers of the same name from 1), except the three
servers the seeded snapshots were taken of, which keep those snapshots' ``instance_uuid``.

Servers of tenant 100001, the same in DFW and ORD (IAD has none):

===========  ==================================================================================================
web01        ACTIVE, Ubuntu base image, host-1
db01         ACTIVE, CentOS base image, host-1 (so imaging web01 and db01 at once meets ``images_per_host_group``)
app (twice)  two ACTIVE servers named ``app`` (host-2 and host-3), for ambiguous names
bfv01        boots from a volume (``"image": ""``, compute1 flavor): createImage is refused
win-dc01     Windows Server 2022 domain controller (snapshots get ``com.rackspace__1__options: "1"``, not exportable)
fortigate01  turnkey appliance: server metadata ``{"appliance": "fortinet-fortigate"}``, built from the public
             "Fortinet FortiGate-VM" base image whose ``com.example.appliance: fortinet-fortigate`` its snapshots inherit
broken01     ERROR (vm_state error, with a fault): createImage answers 409
busy01       stuck in task_state image_uploading with its own snapshot ``busy01-2026-11-26`` saving (it never
             finishes; deleting that image frees the server)
===========  ==================================================================================================
"""

import copy
import hashlib
import json
import uuid

REGIONS = ["DFW", "ORD", "IAD"]
SERVER_REGIONS = ["DFW", "ORD"]
BASE_IMAGE_OWNER = "rackspace"
SEED_NAMESPACE = uuid.UUID("6f1c2e8a-5b4d-4c3e-9a7f-0d1e2f3a4b5c")

ACCOUNTS = [
    {"username": "demo", "user_id": "8f1e6c2a4b7d4e0f9a3c5b1d7e9f0a11", "tenant_id": "100001", "api_key": "demo-api-key-SECRET-1a2b3c",
     "password": "demo-password-SECRET", "default_region": "DFW", "domain_id": "default",
     "app_credentials": [{"id": "demo-appcred", "name": "demo-appcred", "secret": "demo-appcred-SECRET"}]},
    {"username": "consumer", "user_id": "3c9b5e7f1a2d4c6e8b0f2a4c6e8d0b22", "tenant_id": "100002",
     "api_key": "consumer-api-key-SECRET-4d5e6f", "password": "consumer-password-SECRET", "default_region": "DFW",
     "domain_id": "default"},
]

# Properties Rackspace sets on its base images and copies onto snapshots of servers built from them.
_LINUX = {"os_type": "linux", "vm_mode": "hvm", "auto_disk_config": "disabled", "flavor_classes": "*,!onmetal", "cache_in_nova": "True",
          "com.rackspace__1__options": "0", "com.rackspace__1__source": "kickstart", "com.rackspace__1__build_core": "1",
          "com.rackspace__1__build_managed": "1", "com.rackspace__1__visible_core": "1", "org.openstack__1__architecture": "x64"}
_WINDOWS = {"os_type": "windows", "vm_mode": "hvm", "auto_disk_config": "False", "flavor_classes": "*,!onmetal,!io1",
            "cache_in_nova": "True", "com.rackspace__1__options": "1", "com.rackspace__1__source": "rackspace",
            "com.rackspace__1__build_core": "1", "com.rackspace__1__build_managed": "1", "com.rackspace__1__visible_core": "1",
            "org.openstack__1__architecture": "x64"}
_UBUNTU = {**_LINUX, "os_distro": "ubuntu", "os_version": "24.04", "org.openstack__1__os_distro": "com.ubuntu",
           "org.openstack__1__os_version": "24.04"}
_CENTOS = {**_LINUX, "os_distro": "centos", "os_version": "9", "org.openstack__1__os_distro": "org.centos",
           "org.openstack__1__os_version": "9"}
_WINDOWS_2022 = {**_WINDOWS, "os_distro": "windows", "os_version": "2022", "org.openstack__1__os_distro": "com.microsoft.server",
                 "org.openstack__1__os_version": "2022"}
# A turnkey appliance: such images cannot be de-cloned, so servers built from their snapshots come up misconfigured.
_FORTIGATE = {**_LINUX, "com.rackspace__1__options": "1", "os_distro": "fortios", "os_version": "7.4",
              "com.example.appliance": "fortinet-fortigate"}

UBUNTU = "Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)"
CENTOS = "CentOS Stream 9 (PVHVM)"
WINDOWS = "Windows Server 2022 Standard (PVHVM)"
FORTIGATE = "Fortinet FortiGate-VM 7.4 (PVHVM)"
_BASE_IMAGES = [
    (UBUNTU, _UBUNTU, 20, 512, 912261120, "2026-01-15T10:00:00Z"),
    (CENTOS, _CENTOS, 20, 512, 1033895936, "2026-02-03T10:00:00Z"),
    (WINDOWS, _WINDOWS_2022, 40, 2048, 9663676416, "2026-03-10T10:00:00Z"),
    (FORTIGATE, _FORTIGATE, 2, 1024, 104857600, "2026-04-07T10:00:00Z"),
]

# (region, name, base properties, instance uuid, custom properties, size, created_at)
_SNAPSHOTS = [
    ("DFW", "web01-2026-11-20", _UBUNTU, "5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51", {"com.example.role": "web"}, 2147483648,
     "2026-11-20T03:00:00Z"),
    ("DFW", "dc01-2026-11-21", _WINDOWS_2022, "9e4c1a7b-3d52-4f8a-8c0e-6b2d4f1a3e62", {"com.example.role": "domain-controller"},
     21474836480, "2026-11-21T03:00:00Z"),
    ("ORD", "db01-2026-11-22", _CENTOS, "2a7f9c1e-5b63-4d0a-9e8f-3c1b5d7a9f73", {"com.example.role": "database"}, 5368709120,
     "2026-11-22T03:00:00Z"),
]


# (name, base image or None to boot from a volume, flavor, host group, other add_server fields); seeded in each of SERVER_REGIONS
_SERVERS = [
    ("web01", UBUNTU, "general1-2", "host-1", {}),
    ("db01", CENTOS, "general1-4", "host-1", {}),
    ("app", UBUNTU, "general1-2", "host-2", {}),
    ("app", UBUNTU, "general1-2", "host-3", {}),
    ("bfv01", None, "compute1-4", "host-3", {}),
    ("win-dc01", WINDOWS, "general1-8", "host-4", {"disk_config": "MANUAL"}),
    ("fortigate01", FORTIGATE, "general1-2", "host-4", {"metadata": {"appliance": "fortinet-fortigate"}}),
    ("broken01", UBUNTU, "general1-1", "host-2", {"status": "ERROR", "fault": {
        "code": 500, "created": "2026-11-24T08:00:00Z", "message": "No valid host was found. There are not enough hosts available."}}),
    ("busy01", UBUNTU, "general1-1", "host-5", {"snapshot_in_progress": {
        "name": "busy01-2026-11-26", "metadata": {"com.example.role": "worker"}, "hold": "image_uploading", "started": "2026-11-26T04:00:00Z"}}),
]
# The servers the seeded snapshots were taken of keep those snapshots' instance_uuid.
_SNAPSHOT_SOURCES = {("DFW", "web01"): "5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51", ("DFW", "win-dc01"): "9e4c1a7b-3d52-4f8a-8c0e-6b2d4f1a3e62",
                     ("ORD", "db01"): "2a7f9c1e-5b63-4d0a-9e8f-3c1b5d7a9f73"}


def stable_id(*parts):
    return str(uuid.uuid5(SEED_NAMESPACE, "/".join(str(part) for part in parts)))


def default_server_image(region):
    """The base image of a server made without one: the region's Ubuntu image."""
    return stable_id("image", region, UBUNTU)


def _checksum(name, region):
    return hashlib.md5(f"{region}/{name}".encode(), usedforsecurity=False).hexdigest()


def _image(region, owner, name, properties, size, created_at, **extra):
    return {"region": region, "owner": owner, "name": name, "status": "active", "size": size, "checksum": _checksum(name, region),
            "container_format": "ovf", "disk_format": "vhd", "created_at": created_at, **properties, **extra}


def _servers():
    servers = []
    for region in SERVER_REGIONS:
        seen = {}
        for number, (name, base, flavor, host_group, extra) in enumerate(_SERVERS):
            seen[name] = seen.get(name, 0) + 1
            server_id = _SNAPSHOT_SOURCES.get((region, name)) or stable_id("server", region, name, seen[name])
            image = {"image_id": stable_id("image", region, base)} if base else {"boot_from_volume": True}
            extra = copy.deepcopy(extra)
            if "snapshot_in_progress" in extra:
                extra["snapshot_in_progress"]["image_id"] = stable_id("image", region, extra["snapshot_in_progress"]["name"])
            servers.append({"region": region, "owner": ACCOUNTS[0]["tenant_id"], "name": name, "server_id": server_id, "flavor": flavor,
                            "host_group": host_group, "created": f"2026-10-{number + 1:02d}T12:00:00Z", **image, **extra})
    return servers


def default_seed():
    images = []
    for region in REGIONS:
        for name, properties, min_disk, min_ram, size, created_at in _BASE_IMAGES:
            images.append(_image(region, BASE_IMAGE_OWNER, name, properties, size, created_at, visibility="public", min_disk=min_disk,
                                 min_ram=min_ram, image_type="base", id=stable_id("image", region, name)))
    for region, name, properties, instance_uuid, custom, size, created_at in _SNAPSHOTS:
        images.append(_image(region, ACCOUNTS[0]["tenant_id"], name, properties, size, created_at, image_type="snapshot",
                             instance_uuid=instance_uuid, min_disk=20, **custom))
    images.append(_image("DFW", ACCOUNTS[1]["tenant_id"], "consumer-private-2026-11-23", _UBUNTU, 1073741824, "2026-11-23T03:00:00Z",
                         image_type="snapshot", instance_uuid="7b3e5d9f-1c24-4a6b-8d0e-2f4a6c8e0b84", min_disk=20))
    return {"regions": list(REGIONS), "accounts": copy.deepcopy(ACCOUNTS), "images": images, "servers": _servers()}


def load_seed(spec):
    """``default``, ``empty`` (accounts and regions, no images or servers) or the path of a JSON seed file.

    A seed file may leave out ``regions`` or ``accounts``; the defaults are used for what it leaves out.
    """
    seed = default_seed()
    if spec == "default":
        return seed
    if spec == "empty":
        return {**seed, "images": [], "servers": []}
    with open(spec, encoding="utf-8") as handle:
        custom = json.load(handle)
    return {"regions": custom.get("regions", seed["regions"]), "accounts": custom.get("accounts", seed["accounts"]),
            "images": custom.get("images", []), "servers": custom.get("servers", [])}
