# -*- coding: utf-8 -*-
"""Check mode shows the plan that the real run would carry out, and changes nothing."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib

from ansible_collections.opencloud.images.plugins.module_utils.projects import RACKSPACE_CANNOT_CHECK
from ansible_collections.opencloud.images.plugins.modules import image, image_share, image_transfer, object_upload
from ansible_collections.opencloud.images.tests.unit.plugins.modules.conftest import FakeSession

IMAGE_ID = "11111111-1111-4111-8111-111111111111"


class FakeImages:
    """An image service holding one image of the account; any change fails the test."""

    def __init__(self, members=(), members_refused=False):
        self.image = {"id": IMAGE_ID, "name": "web", "owner": "100001", "visibility": "private", "tags": ["a"],
                      "protected": False, "com.example.keep": "1"}
        self._members = list(members)
        self._refused = members_refused  # upstream Glance: no member list for a private image (403)

    def find(self, reference):
        return [self.image]

    def members(self, image_id):
        return self._members

    def member_listing(self, image_id):
        return self._members, self._refused

    def update(self, *args):
        raise AssertionError("check mode changed the image")

    delete = add_member = remove_member = update


def test_image_check_mode_shows_the_patched_image_and_sends_nothing(run_module, monkeypatch):
    images = FakeImages()
    monkeypatch.setattr(image, "ImageService", lambda cloud: images)
    result = run_module(image.ImageModule, {"image": "web", "name": "web2", "tags": ["b"], "purge_tags": False,
                                            "properties": {"com.example.keep": None, "com.example.new": "x"}},
                        check_mode=True, session=FakeSession())
    assert result["changed"] and result["image"] == images.image
    assert [op["op"] for op in result["operations"]] == ["replace", "replace", "remove", "add"]
    after = result["diff"]["after"]
    assert after["name"] == "web2" and after["tags"] == ["a", "b"] and after["properties"] == {"com.example.new": "x"}


def test_image_check_mode_refuses_a_protected_deletion_like_the_real_run(run_module, monkeypatch):
    images = FakeImages()
    images.image["protected"] = True
    monkeypatch.setattr(image, "ImageService", lambda cloud: images)
    result = run_module(image.ImageModule, {"image": "web", "state": "absent"}, check_mode=True, session=FakeSession())
    assert result["failed"] and result["option"] == "unprotect"


def test_share_check_mode_plans_the_member_changes(run_module, monkeypatch):
    images = FakeImages(members=[{"member_id": "200001", "status": "accepted"}])
    monkeypatch.setattr(image_share, "ImageService", lambda cloud: images)
    result = run_module(image_share.ImageShareModule, {"image": "web", "members": ["200002"], "state": "exact"},
                        check_mode=True, session=FakeSession())
    assert result["changed"] and (result["added"], result["removed"]) == (["200002"], ["200001"])
    assert result["diff"] == {"before": {"200001": "accepted"}, "after": {"200002": "pending"}}
    assert result["member_validation"] == {"confirmed": [], "unverified": ["200002"], "reason": RACKSPACE_CANNOT_CHECK}
    assert "could not confirm that 200002 exists" in str(result["warnings"])


def test_share_check_mode_refuses_a_member_that_is_no_account_like_the_real_run(run_module, monkeypatch):
    images = FakeImages()
    monkeypatch.setattr(image_share, "ImageService", lambda cloud: images)
    result = run_module(image_share.ImageShareModule, {"image": "web", "members": ["200002", "tenant-b"]},
                        check_mode=True, session=FakeSession())
    assert result["failed"] and result["option"] == "members" and "tenant-b" in result["msg"]


def test_a_transfer_to_the_image_s_own_region_is_refused_naming_target_region(run_module):
    result = run_module(image_transfer.ImageTransferModule, {"image": "web", "target_region": "dfw"},
                        check_mode=True, session=FakeSession(region="DFW"))
    assert result["failed"] and result["option"] == "target_region"


class StoredObject:
    def __init__(self, etag, size):
        self.etag = etag
        self.size = size


def test_upload_check_mode_uses_the_skip_test_of_the_real_upload(run_module, monkeypatch, tmp_path):
    same, grown = tmp_path / "same.sql", tmp_path / "grown.sql"
    same.write_text("data")
    grown.write_text("data")
    md5 = hashlib.md5(b"data").hexdigest()
    stored = {"same.sql": StoredObject(md5, 4), "grown.sql": StoredObject(md5, 5)}  # same ETag, another size

    class FakeStore:
        def __init__(self, cloud, interface):
            pass

        def head(self, container, name):
            return stored.get(name)
    monkeypatch.setattr(object_upload, "ObjectStorageService", FakeStore)
    result = run_module(object_upload.ObjectUploadModule, {"paths": [str(same), str(grown)], "container": "c"},
                        check_mode=True, session=FakeSession())
    assert [(o["object"], o["action"]) for o in result["objects"]] == [("same.sql", "present"), ("grown.sql", "upload")]
    assert result["changed"]


def test_share_check_mode_plans_upstream_glance_s_visibility_change(run_module, monkeypatch):
    """issue 14 item 5: check mode reported visibility_changed false and no visibility in the diff."""
    images = FakeImages(members_refused=True)
    monkeypatch.setattr(image_share, "ImageService", lambda cloud: images)
    result = run_module(image_share.ImageShareModule, {"image": "web", "members": ["200002"]},
                        check_mode=True, session=FakeSession())
    assert result["changed"] and result["visibility_changed"] is True
    assert result["diff"] == {"before": {"visibility": "private"}, "after": {"200002": "pending", "visibility": "shared"}}


def test_share_check_mode_keeps_a_private_image_private_where_members_are_listed(run_module, monkeypatch):
    images = FakeImages()  # Rackspace: a private image has members
    monkeypatch.setattr(image_share, "ImageService", lambda cloud: images)
    result = run_module(image_share.ImageShareModule, {"image": "web", "members": ["200002"]},
                        check_mode=True, session=FakeSession())
    assert result["visibility_changed"] is False
    assert result["diff"] == {"before": {}, "after": {"200002": "pending"}}
