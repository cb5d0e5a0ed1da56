# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    AuthenticationError, NotFound, OverLimit, ServiceError, error_class_for_status,
)
from ansible_collections.opencloud.images.plugins.module_utils.transport import account_rate_limited, parse_fault
from ansible_collections.opencloud.images.plugins.module_utils.redaction import MASK, Redactor


def test_rackspace_fault_envelope():
    body = b'{"itemNotFound": {"code": 404, "message": "Image not found."}}'
    assert parse_fault(body) == ("itemNotFound", "Image not found.")


def test_rackspace_conflict_with_details():
    body = '{"conflictingRequest": {"code": 409, "message": "Cannot \'createImage\'", "details": "task_state image_snapshot"}}'
    assert parse_fault(body) == ("conflictingRequest", "Cannot 'createImage' (task_state image_snapshot)")


def test_keystone_error():
    body = '{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}'
    assert parse_fault(body) == ("Unauthorized", "The request you have made requires authentication.")


def test_glance_json_and_html():
    body = '{"message": "No image found with ID x<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}'
    assert parse_fault(body) == ("Not Found", "No image found with ID x")
    html = "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>No image found<br /></body></html>"
    fault, message = parse_fault(html)
    assert fault is None and "No image found" in message and "<" not in message


def test_plain_text_and_empty():
    assert parse_fault(b"Service Unavailable") == (None, "Service Unavailable")
    assert parse_fault(b"") == (None, "")


def test_status_mapping():
    assert error_class_for_status(401) is AuthenticationError
    assert error_class_for_status(404) is NotFound
    assert error_class_for_status(413) is OverLimit
    assert error_class_for_status(429) is OverLimit
    assert error_class_for_status(503) is ServiceError


def test_redactor_masks_registered_secrets_and_secret_fields():
    redact = Redactor()
    redact.add("tok-1234567890", None, "")
    text = redact('POST /tokens {"apiKey": "abc-SECRET", "username": "demo"} X-Auth-Token tok-1234567890 ?password=hunter2&x=1')
    assert "abc-SECRET" not in text and "tok-1234567890" not in text and "hunter2" not in text
    assert "demo" in text and text.count(MASK) == 3


def test_redactor_leaves_prose_alone():
    assert Redactor()("Missing password: set password or api_key") == "Missing password: set password or api_key"


def test_the_accounts_rate_limit_is_told_from_other_limits_by_retry_at():
    assert account_rate_limited(b'{"overLimit": {"code": 413, "message": "OverLimit Retry...", "retryAt": "2026-12-07T01:00:00Z"}}')
    assert not account_rate_limited(b'{"overLimit": {"code": 413, "message": "Too many images are being created"}}')
    assert not account_rate_limited(b'{"message": "over limit", "retryAt": "2026-12-07T01:00:00Z"}')
    assert not account_rate_limited(b"<html>413</html>")
    assert not account_rate_limited(b"")
