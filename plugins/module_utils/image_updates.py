# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changing or deleting one image of one's own: the JSON patch planned (and the image it makes), then sent."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, WaitTimeout
from ansible_collections.opencloud.images.plugins.module_utils.images import READ_ONLY, only_one, patch_operations
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for

# Fields a diff leaves out of the properties: those with keys of their own, those not changed here, and the
# read-only ones the image service sets itself (created_at, updated_at, self, file, schema...), which are noise there.
_STANDARD = frozenset(("id", "name", "tags", "protected", "status", "visibility", "owner")) | READ_ONLY


def diff_view(image):
    """What a diff shows: the fields an update changes (custom properties, not the read-only fields)."""
    if not image:
        return {}
    return {"name": image.get("name"), "tags": sorted(image.get("tags") or []), "protected": image.get("protected"),
            "properties": dict((k, v) for k, v in image.items() if k not in _STANDARD and isinstance(v, str))}


def patched(image, operations):
    """The image as it will be once the JSON-patch ``operations`` (from ``patch_operations``) are applied."""
    after = dict(image)
    for operation in operations:
        if operation["op"] == "remove":
            after.pop(operation["path"][1:], None)
        else:
            after[operation["path"][1:]] = operation["value"]
    return after


class ImageUpdater:
    """One image of the account: found, its changes planned, then made (``apply``) or the image deleted."""

    def __init__(self, images, project_id, region):
        self.images = images
        self.project_id = project_id
        self.region = region

    def find(self, reference, must_exist=True):
        image = only_one(self.images.find(reference), reference)
        if image is None and must_exist:
            raise ConfigError("No image with id or name '%s' in region %s." % (reference, self.region), option="image")
        if image is not None and image.get("owner") != self.project_id:
            raise ConfigError("Image %s belongs to account %s, not to yours (%s): only its owner can change or delete it."
                              % (image["id"], image.get("owner"), self.project_id), option="image")
        return image

    @staticmethod
    def plan(image, name=None, tags=None, purge_tags=True, properties=None, protected=None):
        """(JSON-patch operations, the image as they will make it); tags are added to the image's unless purged."""
        if tags is not None and not purge_tags:
            tags = sorted(set(image.get("tags") or []) | set(tags))
        if name is not None and not name.strip():
            raise ConfigError("name must not be empty.", option="name")
        operations = patch_operations(image, name=name, tags=tags, properties=properties, protected=protected)
        return operations, patched(image, operations)

    def apply(self, image, operations):
        """The image after the operations (sent only when there are some)."""
        return self.images.update(image["id"], operations) if operations else image

    @staticmethod
    def check_delete(image, unprotect):
        """Refuse to delete a protected image unless ``unprotect`` says to remove the protection."""
        if image.get("protected") and not unprotect:
            raise ConfigError("Image %s (%s) is protected, so it was not deleted. Set unprotect: true to remove the protection "
                              "and delete it, or protected: false first." % (image.get("name"), image["id"]), option="unprotect")

    def delete(self, image, wait=True, timeout=600):
        """Remove a protection, delete the image, and wait (``timeout`` seconds) until it is gone."""
        if image.get("protected"):
            self.images.update(image["id"], patch_operations(image, protected=False))
        self.images.delete(image["id"])
        if not wait:
            return
        try:
            wait_for(lambda: self.images.status_or_gone(image["id"]), lambda status: status == "deleted",
                     timeout=timeout, interval=1, max_interval=10,
                     describe=lambda status: "image %s (status %s)" % (image["id"], status))
        except WaitTimeout as exc:
            raise WaitTimeout("The image was asked to be deleted but is still there after %d s: %s" % (timeout, exc.message),
                              last=exc.last, waited=exc.waited)
