"""Flavors, the same in every region: Rackspace's table (docs-cloud-servers general-api-info/flavors.rst) with the
``OS-FLV-WITH-EXT-SPECS:extra_specs`` of get-retrieve-list-of-flavors-with-details-flavors-detail.rst.

``class`` is Rackspace's flavor class; ``policy_class``, ``resize_policy_class``, ``disk_io_index`` and
``number_of_data_disks`` follow the documented sample's form, their values per class are this emulator's (unconfirmed).
Also the checks of an image against a flavor that Nova makes at create and rebuild (nova.compute.api._check_requested_image,
nova/exception.py texts), and Rackspace's flavor-class rules (restore-and-verify.md §1.3).
"""

from flask import Blueprint, request

from . import compute
from .errors import json_response

blueprint = Blueprint("flavors", __name__)

GIB = 1 << 30
# class -> (policy_class, disk_io_index); the work-optimized classes need PVHVM (vm_mode hvm) images
_CLASSES = {"standard1": ("standard_flavor", "2"), "general1": ("general_flavor", "40"), "compute1": ("compute_flavor", "-1"),
            "memory1": ("memory_flavor", "-1"), "io1": ("io_flavor", "40")}
WORK_OPTIMIZED = ("compute1", "memory1", "io1")
# (id, name, ram MiB, disk GiB, ephemeral GiB, vcpus, rxtx_factor, class)
_TABLE = [
    ("2", "512 MB Standard Instance", 512, 20, 0, 1, 80.0, "standard1"),
    ("3", "1 GB Standard Instance", 1024, 40, 0, 1, 120.0, "standard1"),
    ("4", "2 GB Standard Instance", 2048, 80, 0, 2, 240.0, "standard1"),
    ("5", "4 GB Standard Instance", 4096, 160, 0, 2, 400.0, "standard1"),
    ("6", "8 GB Standard Instance", 8192, 320, 0, 4, 600.0, "standard1"),
    ("7", "15 GB Standard Instance", 15360, 620, 0, 6, 800.0, "standard1"),
    ("8", "30 GB Standard Instance", 30720, 1200, 0, 8, 1200.0, "standard1"),
    ("general1-1", "1 GB General Purpose v1", 1024, 20, 0, 1, 200.0, "general1"),
    ("general1-2", "2 GB General Purpose v1", 2048, 40, 0, 2, 400.0, "general1"),
    ("general1-4", "4 GB General Purpose v1", 4096, 80, 0, 4, 800.0, "general1"),
    ("general1-8", "8 GB General Purpose v1", 8192, 160, 0, 8, 1600.0, "general1"),
    ("compute1-4", "3.75 GB Compute v1", 3840, 0, 0, 2, 625.0, "compute1"),
    ("compute1-8", "7.5 GB Compute v1", 7680, 0, 0, 4, 1250.0, "compute1"),
    ("compute1-15", "15 GB Compute v1", 15360, 0, 0, 8, 2500.0, "compute1"),
    ("compute1-30", "30 GB Compute v1", 30720, 0, 0, 16, 5000.0, "compute1"),
    ("compute1-60", "60 GB Compute v1", 61440, 0, 0, 32, 10000.0, "compute1"),
    ("io1-15", "15 GB I/O v1", 15360, 40, 150, 4, 1250.0, "io1"),
    ("io1-30", "30 GB I/O v1", 30720, 40, 300, 8, 2500.0, "io1"),
    ("io1-60", "60 GB I/O v1", 61440, 40, 600, 16, 5000.0, "io1"),
    ("io1-90", "90 GB I/O v1", 92160, 40, 900, 24, 7500.0, "io1"),
    ("io1-120", "120 GB I/O v1", 122880, 40, 1200, 32, 10000.0, "io1"),
    ("memory1-15", "15 GB Memory v1", 15360, 0, 0, 2, 625.0, "memory1"),
    ("memory1-30", "30 GB Memory v1", 30720, 0, 0, 4, 1250.0, "memory1"),
    ("memory1-60", "60 GB Memory v1", 61440, 0, 0, 8, 2500.0, "memory1"),
    ("memory1-120", "120 GB Memory v1", 122880, 0, 0, 16, 5000.0, "memory1"),
    ("memory1-240", "240 GB Memory v1", 245760, 0, 0, 32, 10000.0, "memory1"),
]


def _flavor(entry):
    flavor_id, name, ram, disk, ephemeral, vcpus, rxtx, flavor_class = entry
    policy, disk_io = _CLASSES[flavor_class]
    specs = {"class": flavor_class, "policy_class": policy, "resize_policy_class": policy, "disk_io_index": disk_io,
             "number_of_data_disks": str(max(1, ephemeral // 300) if ephemeral else 0)}
    return {"id": flavor_id, "name": name, "ram": ram, "disk": disk, "OS-FLV-EXT-DATA:ephemeral": ephemeral, "vcpus": vcpus,
            "swap": "", "rxtx_factor": rxtx, "OS-FLV-WITH-EXT-SPECS:extra_specs": specs}


FLAVORS = {entry[0]: _flavor(entry) for entry in _TABLE}


def flavor_class(flavor):
    return flavor["OS-FLV-WITH-EXT-SPECS:extra_specs"]["class"]


def _class_allowed(flavor, image):
    """Rackspace's image property ``flavor_classes``: ``*`` allows every class, ``!name`` takes one out (e.g. ``*,!onmetal``)."""
    rules = [rule.strip() for rule in str(image.get("flavor_classes") or "*").split(",") if rule.strip()]
    name = flavor_class(flavor)
    if f"!{name}" in rules:
        return False
    return "*" in rules or name in rules


def check_image_fits(flavor, image, boot_from_volume=False):
    """ComputeError for an image that cannot be booted on this flavor, in Nova's order and words (400, or 403 for a zero disk)."""
    if image["status"] != "active":
        raise compute.ComputeError(400, f"Image {image['id']} is not active.")
    if not _class_allowed(flavor, image) or (flavor_class(flavor) in WORK_OPTIMIZED and image.get("vm_mode") != "hvm"):
        raise compute.ComputeError(400, "Image cannot be built with provided flavor.")
    if int(image.get("min_ram") or 0) > flavor["ram"]:
        raise compute.ComputeError(400, "Flavor's memory is too small for requested image.")
    if boot_from_volume:
        return
    if flavor["disk"] == 0:
        raise compute.ComputeError(403, "Only volume-backed servers are allowed for flavors with zero disk.")
    disk_bytes = flavor["disk"] * GIB
    if int(image.get("size") or 0) > disk_bytes:
        raise compute.ComputeError(400, f"Flavor's disk is too small for requested image. Flavor disk is {disk_bytes} bytes, "
                                        f"image is {int(image['size'])} bytes.")
    min_disk = int(image.get("min_disk") or 0) * GIB
    if min_disk > disk_bytes:
        raise compute.ComputeError(400, "Flavor's disk is smaller than the minimum size specified in image metadata. "
                                        f"Flavor disk is {disk_bytes} bytes, minimum size is {min_disk} bytes.")


def _integer_arg(name):
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise compute.ComputeError(400, f"Invalid {name} filter [{value}]") from None


def _listed():
    """Nova's flavor list: ``minRam``/``minDisk`` filters, sorted by id, paged with ``marker`` and ``limit``."""
    min_ram, min_disk, limit = _integer_arg("minRam"), _integer_arg("minDisk"), _integer_arg("limit")
    flavors = [flavor for flavor in FLAVORS.values()
               if flavor["ram"] >= (min_ram or 0) and flavor["disk"] >= (min_disk or 0)]
    marker = request.args.get("marker")
    if marker is not None:
        ids = [flavor["id"] for flavor in flavors]
        if marker not in ids:
            raise compute.ComputeError(400, f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1:]
    return flavors if limit is None else flavors[:limit]


def _detail(flavor):
    return {**flavor, "links": compute.links("flavors", flavor["id"])}


def _found(flavor_id):
    flavor = FLAVORS.get(flavor_id)
    if flavor is None:
        raise compute.ComputeError(404, f"Flavor {flavor_id} could not be found.")
    return flavor


@blueprint.get("/flavors")
def list_flavors():
    return json_response({"flavors": [compute.summary("flavors", flavor["id"], flavor["name"]) for flavor in _listed()]})


@blueprint.get("/flavors/detail")
def list_flavors_detail():
    return json_response({"flavors": [_detail(flavor) for flavor in _listed()]})


@blueprint.get("/flavors/<flavor_id>")
def show_flavor(flavor_id):
    return json_response({"flavor": _detail(_found(flavor_id))})


@blueprint.get("/flavors/<flavor_id>/os-extra_specs")
def flavor_extra_specs(flavor_id):
    return json_response({"extra_specs": dict(_found(flavor_id)["OS-FLV-WITH-EXT-SPECS:extra_specs"])})

