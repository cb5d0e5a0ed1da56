# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.opencloud.images.plugins.module_utils.image_updates import diff_view

IMAGE_ID = "11111111-1111-4111-8111-111111111111"
# An image as Glance returns it: the read-only fields it sets itself, and one custom property.
GLANCE_IMAGE = {
    "id": IMAGE_ID, "name": "web", "owner": "100001", "status": "active", "visibility": "private", "protected": False,
    "tags": ["b", "a"], "size": 1024, "virtual_size": None, "checksum": "0f343b0931126a20f133d67c2b018a3b",
    "os_hash_algo": "sha512", "os_hash_value": "ab" * 64, "created_at": "2026-11-26T05:30:00Z",
    "updated_at": "2026-11-26T05:31:00Z", "self": "/v2/images/" + IMAGE_ID, "file": "/v2/images/%s/file" % IMAGE_ID,
    "schema": "/v2/schemas/image", "direct_url": "swift+https://example/images/" + IMAGE_ID, "locations": [],
    "com.example.release": "42",
}


def test_the_diff_leaves_out_the_read_only_fields():
    """issue 14 item 8: updated_at, created_at, self, file, schema... were listed as properties."""
    assert diff_view(GLANCE_IMAGE) == {"name": "web", "tags": ["a", "b"], "protected": False,
                                       "properties": {"com.example.release": "42"}}


def test_an_update_shows_only_what_it_changed():
    after = dict(GLANCE_IMAGE, updated_at="2026-11-26T06:00:00Z", name="web2")
    before_view, after_view = diff_view(GLANCE_IMAGE), diff_view(after)
    assert [k for k in before_view if before_view[k] != after_view[k]] == ["name"]


def test_no_image_no_diff():
    assert diff_view(None) == {}
