# -*- coding: utf-8 -*-
"""Every error reaches the result with its own fields; an option is named only where the module has it."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.opencloud.images.plugins.module_utils.catalog import ServiceCatalog
from ansible_collections.opencloud.images.plugins.module_utils.errors import ServiceError, TransferError, WaitTimeout
from ansible_collections.opencloud.images.plugins.module_utils.large_objects import UploadPlan, file_pieces
from ansible_collections.opencloud.images.plugins.modules import image_info, object_upload
from ansible_collections.opencloud.images.tests.unit.plugins.modules.conftest import FakeSession

# A catalog whose image and object-store services have internal endpoints only.
INTERNAL_ONLY = ServiceCatalog.from_v3([
    {"type": t, "name": n, "endpoints": [{"interface": "internal", "region_id": "DFW", "url": "http://10.0.0.1/%s" % t}]}
    for t, n in (("image", "glance"), ("object-store", "swift"))])


def internal_only():
    return FakeSession(endpoint=lambda service_type, interface: INTERNAL_ONLY.endpoint(service_type, "DFW", interface))


def test_a_catalog_error_names_interface_where_the_module_has_that_option(run_module, tmp_path):
    dump = tmp_path / "dump.sql"
    dump.write_text("data")
    result = run_module(object_upload.ObjectUploadModule, {"paths": [str(dump)], "container": "c"}, session=internal_only())
    assert result["failed"] and result["option"] == "interface"
    assert "has no public endpoint" in result["msg"]


def test_a_catalog_error_names_no_option_where_the_module_has_none_of_that_name(run_module):
    result = run_module(image_info.ImageInfoModule, {}, session=internal_only())
    assert result["failed"] and "has no public endpoint" in result["msg"]
    assert result["option"] is None


def test_a_failed_transfer_reports_what_was_done_and_keeps_the_cause_fields(run_module, tmp_path, monkeypatch):
    dump = tmp_path / "dump.sql"
    dump.write_text("data")
    report = {"target": "c/dump.sql", "bytes_total": 4, "bytes_sent": 0, "segments_total": 1, "segments_sent": 0}

    def upload_fails(*args, **kwargs):
        raise TransferError("1 of 1 segments could not be written", report,
                            ServiceError("PUT answered 503", status=503, fault="serviceUnavailable"))
    monkeypatch.setattr(object_upload, "plan_upload", lambda store, path, container, name, size: UploadPlan(
        path, container, name, file_pieces(path, size), None))
    monkeypatch.setattr(object_upload, "send_upload", upload_fails)
    result = run_module(object_upload.ObjectUploadModule, {"paths": [str(dump)], "container": "c"}, session=FakeSession())
    assert result["failed"] and result["msg"] == "1 of 1 segments could not be written"
    assert result["report"] == report
    assert (result["status"], result["fault"]) == (503, "serviceUnavailable")


def test_a_wait_error_carries_the_last_state_and_the_time_waited(run_module, monkeypatch):
    def list_times_out(*args, **kwargs):
        raise WaitTimeout("Timed out after 60 s", last={"id": "x", "status": "saving"}, waited=60.2)
    monkeypatch.setattr(image_info.ImageService, "list", list_times_out)
    result = run_module(image_info.ImageInfoModule, {}, session=FakeSession())
    assert result["failed"] and result["last"] == {"id": "x", "status": "saving"} and result["waited"] == 60.2
