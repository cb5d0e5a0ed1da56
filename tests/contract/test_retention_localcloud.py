"""Retention decisions on images of several servers and ages, against the local cloud (members API included)."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.markers import COLLECTION, MARKER_CREATED_BY, MARKER_SERVER
from ansible_collections.opencloud.images.plugins.module_utils.retention import Pruner

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
SERVER_A = "0a0a0a0a-0000-4000-8000-00000000000a"
SERVER_B = "0b0b0b0b-0000-4000-8000-00000000000b"


@pytest.fixture
def images(localcloud):
    requests.post(localcloud.url + "/_localcloud/reset", timeout=10).raise_for_status()
    config = auth.resolve({"auth_url": localcloud.url + "/identity/v2.0", "username": "demo",
                           "api_key": "demo-api-key-SECRET-1a2b3c", "region": "ORD"}, environ={}, cloud_files=([], []))
    yield ImageService(CloudSession(config))
    requests.post(localcloud.url + "/_localcloud/reset", timeout=10).raise_for_status()


def seed(localcloud, server, days_old, ours=True, **fields):
    created = (NOW - timedelta(days=days_old)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = dict(fields, region="ORD", owner="100001", name="%s-%dd" % (server[:2], days_old), created_at=created,
                instance_uuid=server)
    if ours:
        body.update({MARKER_CREATED_BY: COLLECTION, MARKER_SERVER: server})
    response = requests.post(localcloud.url + "/_localcloud/images", json=body, timeout=10)
    response.raise_for_status()
    return response.json()["id"]


def names(items):
    return sorted(item["name"] for item in items)


def test_keep_and_age_combine_per_server(localcloud, images):
    for days in (1, 5, 10, 40, 60):
        seed(localcloud, SERVER_A, days)
    for days in (50, 70):
        seed(localcloud, SERVER_B, days)
    seed(localcloud, SERVER_A, 90, ours=False)
    pruner = Pruner(images, keep=2, older_than_days=30, now=NOW.timestamp())
    delete, keep = pruner.decide(pruner.candidates("100001"))
    assert names(delete) == ["0a-40d", "0a-60d"], "the newest 2 of each server stay, whatever their age"
    assert names(keep) == ["0a-10d", "0a-1d", "0a-5d", "0b-50d", "0b-70d"]
    assert all("older than" in item["reason"] for item in delete)


def test_only_keep_and_only_age(localcloud, images):
    for days in (1, 2, 3):
        seed(localcloud, SERVER_A, days)
    by_count = Pruner(images, keep=1, now=NOW.timestamp())
    assert names(by_count.decide(by_count.candidates("100001"))[0]) == ["0a-2d", "0a-3d"]
    by_age = Pruner(images, older_than_days=1.5, now=NOW.timestamp())
    assert names(by_age.decide(by_age.candidates("100001"))[0]) == ["0a-2d", "0a-3d"]


def test_protected_shared_and_unfinished_images_stay(localcloud, images):
    seed(localcloud, SERVER_A, 1)
    seed(localcloud, SERVER_A, 10, protected=True)
    seed(localcloud, SERVER_A, 20, members={"100002": "rejected"})
    seed(localcloud, SERVER_A, 30, status="saving")
    pruner = Pruner(images, keep=1, now=NOW.timestamp())
    delete, keep = pruner.decide(pruner.candidates("100001"))
    assert delete == []
    reasons = dict((item["name"], item["reason"]) for item in keep)
    assert reasons["0a-10d"].startswith("protected")
    assert reasons["0a-20d"].startswith("shared with 1 account"), "a rejected member still counts"
    assert reasons["0a-30d"].startswith("still being made")
    wider = Pruner(images, keep=1, include_protected=True, include_shared=True, now=NOW.timestamp())
    candidates = wider.candidates("100001")
    delete = wider.decide(candidates)[0]
    assert names(delete) == ["0a-10d", "0a-20d"]
    wider.apply(delete, dict((image["id"], image) for image in candidates))
    assert names(images.list([("instance_uuid", SERVER_A)])) == ["0a-1d", "0a-30d"]
