# -*- coding: utf-8 -*-
"""Bad options are refused before any request, and the failure names the option to fix."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.modules.image import ImageModule
from ansible_collections.opencloud.images.plugins.modules.image_create import ImageCreateModule
from ansible_collections.opencloud.images.plugins.modules.image_import import ImageImportModule
from ansible_collections.opencloud.images.plugins.modules.image_info import ImageInfoModule
from ansible_collections.opencloud.images.plugins.modules.image_prune import ImagePruneModule
from ansible_collections.opencloud.images.plugins.modules.image_transfer import ImageTransferModule
from ansible_collections.opencloud.images.plugins.modules.object_upload import ObjectUploadModule


@pytest.mark.parametrize("module_class, args, option", [
    (ImageCreateModule, {"server": "web01", "name": " "}, "name"),
    (ImageCreateModule, {"server": "web01", "name": "x", "retries": -1}, "retries"),
    (ImageCreateModule, {"server": "web01", "name": "x", "poll_interval": 30, "max_poll_interval": 10}, "max_poll_interval"),
    (ImageCreateModule, {"server": "web01", "name": "x", "metadata": {"opencloud.images.server": "x"}}, "metadata"),
    (ImagePruneModule, {"keep": -1}, "keep"),
    (ImagePruneModule, {"older_than_days": -2}, "older_than_days"),
    (ImageInfoModule, {"limit": 0}, "limit"),
    (ImageInfoModule, {"properties": {"status": "active"}}, "properties"),
    (ImageInfoModule, {"server": "web01"}, "server"),
    (ImageTransferModule, {"image": "x", "target_region": "ORD", "workers": 33}, "workers"),
    (ImageTransferModule, {"image": "x", "target_region": "ORD", "task_poll_interval": 0}, "task_poll_interval"),
    (ImageTransferModule, {"image": "x", "target_region": " "}, "target_region"),
    (ImageTransferModule, {"image": "x", "target_region": "ORD", "tags": [""]}, "tags"),
    (ImageImportModule, {"path": "/nonexistent.vhd", "name": "x", "segment_size": 0}, "segment_size"),
    (ImageImportModule, {"path": "/nonexistent.vhd", "name": "x", "timeout": 0}, "timeout"),
    (ImageImportModule, {"path": "/nonexistent.vhd", "name": " "}, "name"),
    (ImageImportModule, {"path": "/nonexistent.vhd", "name": "x", "properties": {"status": "active"}}, "properties"),
    (ObjectUploadModule, {"paths": ["/nonexistent"], "container": "c"}, "paths"),
    (ObjectUploadModule, {"paths": [], "container": "c"}, "paths"),
    (ObjectUploadModule, {"paths": ["/etc/hostname"], "container": "a/b"}, "container"),
    (ObjectUploadModule, {"paths": ["/etc/hostname"], "container": "c", "segment_size": 6000}, "segment_size"),
    (ObjectUploadModule, {"paths": ["/etc/hostname"], "container": "c", "workers": 0}, "workers"),
])
def test_refused_before_any_request_naming_the_option(run_module, module_class, args, option):
    result = run_module(module_class, args)
    assert result["failed"] is True
    assert result["option"] == option, result["msg"]
    assert "SECRET" not in result["msg"]


def test_two_files_with_one_object_name_are_refused(run_module, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "dump.sql").write_text("one")
    (second / "dump.sql").write_text("two")
    result = run_module(ObjectUploadModule, {"paths": [str(first / "dump.sql"), str(second / "dump.sql")], "container": "c"})
    assert result["failed"] and result["option"] == "paths"
    assert "would both be uploaded as dump.sql" in result["msg"]


def test_an_empty_new_name_is_refused_naming_name(run_module, monkeypatch):
    from ansible_collections.opencloud.images.plugins.modules import image as image_module
    from ansible_collections.opencloud.images.tests.unit.plugins.modules.conftest import FakeSession
    monkeypatch.setattr(image_module, "ImageService", lambda cloud: FakeImages())
    result = run_module(ImageModule, {"image": "web", "name": " "}, session=FakeSession())
    assert result["failed"] and result["option"] == "name"


class FakeImages:
    def find(self, reference):
        return [{"id": "11111111-1111-4111-8111-111111111111", "name": "web", "owner": "100001", "tags": []}]
