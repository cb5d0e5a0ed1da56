"""Updating and deleting images through JSON-patch, against every backend (real Glance included)."""

import pytest

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, NotFound, PermissionDenied
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService, patch_operations


def image_service(backend):
    return ImageService(CloudSession(auth.resolve(backend.params, environ={}, cloud_files=([], []))))


def test_patch_name_tags_and_properties_in_one_request(backend, unique):
    images = image_service(backend)
    image = images.get(backend.make_image(unique, tags=["a"], **{"com.example.keep": "1", "com.example.drop": "x"}))
    ops = patch_operations(image, name=unique + "-renamed", tags=["a", "b"],
                           properties={"com.example.keep": "2", "com.example.new": "n", "com.example.drop": None})
    assert [op["op"] for op in ops] == ["replace", "replace", "remove", "replace", "add"]
    after = images.update(image["id"], ops)
    assert after["name"] == unique + "-renamed"
    assert sorted(after["tags"]) == ["a", "b"]
    assert after["com.example.keep"] == "2" and after["com.example.new"] == "n"
    assert "com.example.drop" not in after
    assert patch_operations(after, name=unique + "-renamed", tags=["b", "a"], properties={"com.example.keep": "2"}) == []


def test_protected_image_refuses_deletion_until_unprotected(backend, unique):
    images = image_service(backend)
    image = images.update(backend.make_image(unique), [{"op": "replace", "path": "/protected", "value": True}])
    assert image["protected"] is True
    with pytest.raises(PermissionDenied) as err:
        images.delete(image["id"])
    assert err.value.status == 403 and "protected" in err.value.message
    images.update(image["id"], patch_operations(image, protected=False))
    images.delete(image["id"])
    assert images.status_or_gone(image["id"]) == "deleted"
    with pytest.raises(NotFound):
        images.get(image["id"])


def test_read_only_and_reserved_fields_are_refused_before_sending(backend, unique):
    image = image_service(backend).get(backend.make_image(unique))
    for field in ("status", "owner", "com.rackspace__1__options"):
        with pytest.raises(ConfigError) as err:
            patch_operations(image, properties={field: "x"})
        assert err.value.option == "properties"


def test_patch_of_a_read_only_field_is_a_clear_403(backend, unique):
    images = image_service(backend)
    image_id = backend.make_image(unique)
    with pytest.raises(PermissionDenied) as err:
        images.update(image_id, [{"op": "replace", "path": "/status", "value": "active"}])
    assert "read-only" in err.value.message
