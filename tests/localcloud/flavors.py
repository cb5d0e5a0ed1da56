"""Rackspace Cloud Servers flavors, the same in every region, as ``GET /flavors/detail`` shows them (routes in compute.py).

Figures and names: Rackspace's table (docs-cloud-servers general-api-info/flavors.rst); the entry's shape: api-reference
get-retrieve-list-of-flavors-with-details-flavors-detail.rst (``swap`` is ``""``; ``OS-FLV-WITH-EXT-SPECS:extra_specs`` with
``class``, ``policy_class``, ``resize_policy_class``, ``disk_io_index``, ``number_of_data_disks``). ``class`` is Rackspace's flavor
class; the other specs follow the documented sample's form, their values per class are this emulator's (unconfirmed).
"""

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


def listed(min_ram=None, min_disk=None):
    """The flavors with at least that RAM and disk, by id (Nova's default order: flavorid ascending)."""
    return [flavor for _id, flavor in sorted(FLAVORS.items())
            if (min_ram is None or flavor["ram"] >= min_ram) and (min_disk is None or flavor["disk"] >= min_disk)]
