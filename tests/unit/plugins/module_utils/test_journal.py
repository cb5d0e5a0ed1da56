# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request journal: real files in a temporary directory."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

from ansible_collections.opencloud.images.plugins.module_utils.errors import NotFound
from ansible_collections.opencloud.images.plugins.module_utils.journal import KEEP_SECONDS, RequestJournal


class Images:
    """Stands in for ImageService.get over a dict of images."""

    def __init__(self, **images):
        self.images = images

    def get(self, image_id):
        if image_id not in self.images:
            raise NotFound("no image %s" % image_id, status=404)
        return self.images[image_id]


def test_a_recorded_request_is_found_again_privately(tmp_path):
    journal = RequestJournal(str(tmp_path / "requests"), clock=lambda: 1000.0)
    journal.record("key-1", image_id="abc")
    assert journal.recall("key-1") == {"image_id": "abc", "recorded": 1000.0}
    assert journal.recall("key-2") is None
    files = os.listdir(str(tmp_path / "requests"))
    assert len(files) == 1 and "key-1" not in files[0], "file names are hashes of the key"
    assert stat.S_IMODE(os.stat(str(tmp_path / "requests" / files[0])).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / "requests")).st_mode) == 0o700


def test_old_entries_are_not_recalled(tmp_path):
    now = [1000.0]
    journal = RequestJournal(str(tmp_path), clock=lambda: now[0])
    journal.record("key", image_id="abc")
    now[0] += KEEP_SECONDS + 1
    assert journal.recall("key") is None
    journal.record("key", image_id="def")
    assert journal.recall("key")["image_id"] == "def"


def test_recorded_image_must_still_exist_and_match(tmp_path):
    journal = RequestJournal(str(tmp_path))
    journal.record("key", image_id="abc")
    assert journal.recorded_image("key", Images(abc={"id": "abc", "status": "active"}), lambda i: i["status"] == "active")["id"] == "abc"
    assert journal.recorded_image("key", Images(abc={"id": "abc", "status": "killed"}), lambda i: i["status"] == "active") is None
    assert journal.recorded_image("key", Images(), lambda i: True) is None


def test_an_unwritable_journal_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    journal = RequestJournal(str(blocker / "requests"))
    journal.record("key", image_id="abc")
    assert journal.recall("key") is None
