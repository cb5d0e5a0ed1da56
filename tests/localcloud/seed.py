"""Seed data: the accounts of tests/CONVENTIONS.md, three regions and a few Rackspace-style images.

A seed is plain JSON-able data: ``{"regions": [...], "accounts": [...], "images": [...]}``. Each image entry is the
keyword arguments of ``CloudState.add_image`` (region, owner, optional members, then image fields).
"""

import copy
import hashlib
import json

REGIONS = ["DFW", "ORD", "IAD"]
BASE_IMAGE_OWNER = "rackspace"

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

_BASE_IMAGES = [
    ("Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)", _UBUNTU, 20, 512, 912261120, "2026-01-15T10:00:00Z"),
    ("CentOS Stream 9 (PVHVM)", _CENTOS, 20, 512, 1033895936, "2026-02-03T10:00:00Z"),
    ("Windows Server 2022 Standard (PVHVM)", _WINDOWS_2022, 40, 2048, 9663676416, "2026-03-10T10:00:00Z"),
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


def _checksum(name, region):
    return hashlib.md5(f"{region}/{name}".encode(), usedforsecurity=False).hexdigest()


def _image(region, owner, name, properties, size, created_at, **extra):
    return {"region": region, "owner": owner, "name": name, "status": "active", "size": size, "checksum": _checksum(name, region),
            "container_format": "ovf", "disk_format": "vhd", "created_at": created_at, **properties, **extra}


def default_seed():
    images = []
    for region in REGIONS:
        for name, properties, min_disk, min_ram, size, created_at in _BASE_IMAGES:
            images.append(_image(region, BASE_IMAGE_OWNER, name, properties, size, created_at, visibility="public", min_disk=min_disk,
                                 min_ram=min_ram, image_type="base"))
    for region, name, properties, instance_uuid, custom, size, created_at in _SNAPSHOTS:
        images.append(_image(region, ACCOUNTS[0]["tenant_id"], name, properties, size, created_at, image_type="snapshot",
                             instance_uuid=instance_uuid, min_disk=20, **custom))
    images.append(_image("DFW", ACCOUNTS[1]["tenant_id"], "consumer-private-2026-11-23", _UBUNTU, 1073741824, "2026-11-23T03:00:00Z",
                         image_type="snapshot", instance_uuid="7b3e5d9f-1c24-4a6b-8d0e-2f4a6c8e0b84", min_disk=20))
    return {"regions": list(REGIONS), "accounts": copy.deepcopy(ACCOUNTS), "images": images}


def load_seed(spec):
    """``default``, ``empty`` (accounts and regions, no images) or the path of a JSON seed file.

    A seed file may leave out ``regions`` or ``accounts``; the defaults are used for what it leaves out.
    """
    seed = default_seed()
    if spec == "default":
        return seed
    if spec == "empty":
        return {**seed, "images": []}
    with open(spec, encoding="utf-8") as handle:
        custom = json.load(handle)
    return {"regions": custom.get("regions", seed["regions"]), "accounts": custom.get("accounts", seed["accounts"]),
            "images": custom.get("images", [])}
