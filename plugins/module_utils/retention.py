# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention of server images: which to keep and which to delete, and why."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.opencloud.images.plugins.module_utils.errors import NotFound
from ansible_collections.opencloud.images.plugins.module_utils.images import SERVER_PROPERTY, list_filters, patch_operations
from ansible_collections.opencloud.images.plugins.module_utils.markers import (
    COLLECTION, IN_PROGRESS, MARKER_CREATED_BY, MARKER_SERVER, VERIFIED_RESULT, VERIFY_PASSED,
)
from ansible_collections.opencloud.images.plugins.module_utils.times import parse_iso_time

DAY = 86400
# server_rebuild's image: the newest image of the server that passed image_verify.
LATEST_VERIFIED = "latest_verified"


def source_server(image):
    return image.get(MARKER_SERVER) or image.get(SERVER_PROPERTY) or ""


def verified(image):
    return image.get(VERIFIED_RESULT) == VERIFY_PASSED


def latest_verified(images, server_id):
    """The newest active image of the server that passed image_verify, or None."""
    found = images.list(list_filters(server=server_id, status="active", properties={VERIFIED_RESULT: VERIFY_PASSED},
                                     sort_key="created_at", sort_dir="desc"), limit=1)
    return next(iter(found), None)


def summary(image, reason):
    return {"id": image["id"], "name": image.get("name"), "server": source_server(image) or None,
            "created_at": image.get("created_at"), "reason": reason}


class Pruner:
    """Decides per source server: the newest ``keep`` images always stay; of the others, those older than
    ``older_than_days`` go (all of them when no age is given). Images being made, protected images and
    images shared with other accounts stay unless asked for; with ``keep_verified``, so does the newest image of each
    server that passed image_verify (the one a restore would take).
    """

    def __init__(self, images, keep=None, older_than_days=None, include_protected=False, include_shared=False,
                 keep_verified=False, now=None):
        self.images = images
        self.keep = keep
        self.cutoff = None if older_than_days is None else (time.time() if now is None else now) - older_than_days * DAY
        self.include_protected = include_protected
        self.include_shared = include_shared
        self.keep_verified = keep_verified

    def candidates(self, owner, server_id=None, only_ours=True):
        properties = {}
        if only_ours:
            properties[MARKER_CREATED_BY] = COLLECTION
        # Images without a source server (imported, or base images) are never retention's business.
        return [image for image in self.images.list(list_filters(owner=owner, server=server_id, properties=properties))
                if source_server(image)]

    def decide(self, images):
        """(to delete, to keep): lists of summaries with the reason for each."""
        by_server = {}
        for image in images:
            by_server.setdefault(source_server(image), []).append(image)
        delete, keep = [], []
        for group in by_server.values():
            group.sort(key=lambda image: image.get("created_at") or "", reverse=True)
            newest_verified = next((image["id"] for image in group if verified(image)), None) if self.keep_verified else None
            for index, image in enumerate(group):
                reason = self._reason_to_delete(index, image)
                hold = reason and ("the newest verified image of its server" if image["id"] == newest_verified
                                   else self._reason_to_keep_anyway(image))
                if reason and not hold:
                    delete.append(summary(image, reason))
                else:
                    keep.append(summary(image, hold or "within the retention"))
        return delete, keep

    def _reason_to_delete(self, index, image):
        if self.keep is not None and index < self.keep:
            return None
        created = parse_iso_time(image.get("created_at"))
        if self.cutoff is not None and (created is None or created >= self.cutoff):
            return None
        if self.cutoff is None:
            return "beyond the newest %d of its server" % self.keep
        if self.keep is None:
            return "older than the age limit"
        return "beyond the newest %d of its server and older than the age limit" % self.keep

    def _reason_to_keep_anyway(self, image):
        if image.get("status") in IN_PROGRESS:
            return "still being made (status %s)" % image.get("status")
        if image.get("protected") and not self.include_protected:
            return "protected (set include_protected to delete it)"
        if not self.include_shared:
            members = self.images.members(image["id"])
            if members:
                return "shared with %d account(s) (set include_shared to delete it)" % len(members)
        return None

    def apply(self, delete, by_id):
        """Delete the decided images, removing a protection first when include_protected allowed it."""
        for item in delete:
            image = by_id[item["id"]]
            try:
                if image.get("protected"):
                    self.images.update(image["id"], patch_operations(image, protected=False))
                self.images.delete(image["id"])
            except NotFound:
                pass  # already gone (another run pruned it): the outcome is the same
