# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What this controller asked the cloud to make, so that a re-run finds it before the cloud's lists show it.

Image lists are eventually consistent: an image made a moment ago can be missing from ``GET /images``
while ``GET /images/{id}`` already knows it. The marker properties find a request's image in the
list; this journal (one small 0600 file per request, ids only, no secrets) covers the moments when
the list does not show it yet, on the same controller.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import time

from ansible_collections.opencloud.images.plugins.module_utils.errors import NotFound
from ansible_collections.opencloud.images.plugins.module_utils.files import cache_root, read_json, write_private_json

KEEP_SECONDS = 30 * 24 * 3600


class RequestJournal:
    def __init__(self, directory=None, clock=time.time):
        self.directory = directory or os.path.join(cache_root(), "requests")
        self.clock = clock

    def _path(self, key):
        return os.path.join(self.directory, hashlib.sha256(key.encode("utf-8")).hexdigest() + ".json")

    def recall(self, key):
        """The entry recorded for ``key`` (a dict of ids), or None."""
        entry = read_json(self._path(key))
        if not isinstance(entry, dict) or entry.get("recorded", 0) + KEEP_SECONDS < self.clock():
            return None
        return entry

    def recorded_image(self, key, images, matches):
        """The image recorded for ``key`` if it still exists and ``matches(image)``, else None."""
        entry = self.recall(key)
        if not entry or not entry.get("image_id"):
            return None
        try:
            image = images.get(entry["image_id"])
        except NotFound:
            return None
        return image if matches(image) else None

    def record(self, key, **ids):
        """Remember ``ids`` for ``key``; a journal that cannot be written is only a lost shortcut, never an error."""
        try:
            write_private_json(self._path(key), dict(ids, recorded=self.clock()))
        except (IOError, OSError):
            pass
