"""Rackspace Cloud Servers flavors (the ones the seeded servers use, and their families), as ``GET /flavors/detail`` shows them.

Figures (RAM MB, disk GB, vCPUs, rxtx_factor) and names from Rackspace's flavor list (mimic's model of it,
rackerlabs/mimic mimic/model/nova_objects.py), the entry's shape from docs-cloud-servers api-reference
``get-retrieve-flavor-details-flavors-flavor-id.rst``: ``swap`` is ``""``, ``OS-FLV-EXT-DATA:ephemeral`` 0 for these
families, and ``OS-FLV-WITH-EXT-SPECS:extra_specs`` names the flavor's class and policy class.
"""

# id: (name, ram MB, disk GB, vcpus, rxtx_factor)
_GENERAL = {"general1-1": ("1 GB General Purpose v1", 1024, 20, 1, 200.0), "general1-2": ("2 GB General Purpose v1", 2048, 40, 2, 400.0),
            "general1-4": ("4 GB General Purpose v1", 4096, 80, 4, 800.0), "general1-8": ("8 GB General Purpose v1", 8192, 160, 8, 1600.0)}
# Compute flavors have no local disk: they boot from a volume (anchors-and-api.md fact 8).
_COMPUTE = {"compute1-4": ("3.75 GB Compute v1", 3840, 0, 2, 312.5), "compute1-8": ("7.5 GB Compute v1", 7680, 0, 4, 625.0),
            "compute1-15": ("15 GB Compute v1", 15360, 0, 8, 1250.0), "compute1-30": ("30 GB Compute v1", 30720, 0, 16, 2500.0),
            "compute1-60": ("60 GB Compute v1", 61440, 0, 32, 5000.0)}


def _flavors():
    flavors = {}
    for family, policy_class in ((_GENERAL, "general_flavor"), (_COMPUTE, "compute_flavor")):
        for flavor_id, (name, ram, disk, vcpus, rxtx_factor) in family.items():
            flavors[flavor_id] = {"id": flavor_id, "name": name, "ram": ram, "disk": disk, "vcpus": vcpus, "swap": "",
                                  "rxtx_factor": rxtx_factor, "OS-FLV-EXT-DATA:ephemeral": 0,
                                  "OS-FLV-WITH-EXT-SPECS:extra_specs": {"class": flavor_id.split("-")[0], "policy_class": policy_class}}
    return flavors


FLAVORS = _flavors()


def listed(min_ram=None, min_disk=None):
    """The flavors with at least that RAM and disk, by id (Nova's default order: flavorid ascending)."""
    return [flavor for _id, flavor in sorted(FLAVORS.items())
            if (min_ram is None or flavor["ram"] >= min_ram) and (min_disk is None or flavor["disk"] >= min_disk)]
