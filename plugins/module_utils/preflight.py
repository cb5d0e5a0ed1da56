# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the platform's rules say about imaging a server, before anything is asked of it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.opencloud.images.plugins.module_utils.compute import boots_from_volume
from ansible_collections.opencloud.images.plugins.module_utils.markers import EXPORT_OPTIONS

# Server metadata keys or image properties that mark a turnkey appliance.
APPLIANCE_KEYS = ("appliance", "opencloud.images.appliance")
# Vendors whose virtual appliances cannot be de-cloned, matched in the base image's name.
APPLIANCE_NAMES = re.compile(r"(?i)\b(fortinet|fortigate|palo ?alto|pan-os|barracuda|check ?point|big-ip|f5|netscaler|"
                             r"sophos|pfsense|vyos|cisco|juniper|vsrx|citrix)\b")
DECLONE = "hostname, IP configuration, admin password or licence key"


def appliance_reason(server, base_image):
    """Why the server looks like a turnkey appliance, or None."""
    metadata = server.get("metadata") or {}
    for key in APPLIANCE_KEYS:
        if metadata.get(key):
            return "server metadata %s=%s" % (key, metadata[key])
        if base_image and base_image.get(key):
            return "base image property %s=%s" % (key, base_image[key])
    name = (base_image or {}).get("name") or ""
    if APPLIANCE_NAMES.search(name):
        return "base image '%s'" % name
    return None


def assess(server, base_image):
    """The facts a pre-imaging check needs, and the problems that forbid imaging (each with the way out)."""
    image_ref = server.get("image")
    os_type = ((base_image or {}).get("os_type") or "").lower()
    facts = {
        "boots_from_volume": boots_from_volume(server),
        "status": server.get("status"),
        "task_state": server.get("OS-EXT-STS:task_state"),
        "base_image_id": image_ref.get("id") if isinstance(image_ref, dict) else None,
        "is_windows": os_type == "windows",
        "appliance": appliance_reason(server, base_image),
        "exportable": None if not base_image or EXPORT_OPTIONS not in base_image else str(base_image[EXPORT_OPTIONS]) == "0",
    }
    problems = []
    if facts["boots_from_volume"]:
        problems.append("it boots from a volume, and server images never include volumes: take a snapshot of the volume "
                        "instead")
    if server.get("status") != "ACTIVE":
        problems.append("it is %s, not ACTIVE: repair or start it first" % server.get("status"))
    facts["problems"] = problems
    notes = []
    if facts["appliance"]:
        notes.append("it looks like a turnkey appliance (%s): servers built from its image cannot set the %s, so use "
                     "the vendor's backup and restore procedure, or acknowledge this" % (facts["appliance"], DECLONE))
    if facts["is_windows"]:
        notes.append("it runs Windows: its image can be shared with other accounts in this region, but never exported "
                     "to another region")
    facts["notes"] = notes
    return facts
