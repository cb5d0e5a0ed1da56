"""Retries, Retry-After and error mapping against real HTTP answers (the local cloud's fault injection)."""

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    NotFound, OverLimit, ServiceError, TransportError,
)
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.transport import HttpClient

DEMO = {"username": "demo", "api_key": "demo-api-key-SECRET-1a2b3c", "region": "DFW"}


class Sleeps(list):
    """Records the delays asked for instead of sleeping them (the waits themselves are not under test)."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def cloud(localcloud):
    requests.delete(localcloud.url + "/_localcloud/faults", timeout=10)
    sleeps = Sleeps()
    config = auth.resolve(dict(DEMO, auth_url=localcloud.url + "/identity/v2.0"), environ={}, cloud_files=([], []))
    session = CloudSession(config, http=HttpClient(sleep=sleeps, max_retry_wait=60))
    session.sleeps = sleeps
    session.fault = lambda **fault: requests.post(localcloud.url + "/_localcloud/faults", json=fault, timeout=10).raise_for_status()
    yield session
    requests.delete(localcloud.url + "/_localcloud/faults", timeout=10)


def test_5xx_on_a_get_is_repeated_with_backoff(cloud):
    images = ImageService(cloud)
    cloud.endpoint("image")  # log in first, so that the faults hit the image API
    cloud.fault(path_regex="/image/v2/images$", method="GET", status=503, count=2, body="busy")
    assert list(images.list(limit=1))
    assert cloud.sleeps == [1.0, 2.0]


def test_retry_after_is_honoured_for_413_over_limit(cloud):
    images = ImageService(cloud)
    cloud.endpoint("image")
    cloud.fault(path_regex="/image/v2/images$", status=413, count=1, headers={"Retry-After": "7"},
                body={"overLimit": {"code": 413, "message": "Too many requests"}})
    assert list(images.list(limit=1))
    assert cloud.sleeps == [7]


def test_a_retry_after_beyond_the_bound_is_raised_with_its_delay(cloud):
    images = ImageService(cloud)
    cloud.endpoint("image")
    cloud.fault(path_regex="/image/v2/images$", status=429, count=1, headers={"Retry-After": "3600"},
                body={"overLimit": {"code": 429, "message": "Slow down"}})
    with pytest.raises(OverLimit) as err:
        list(images.list(limit=1))
    assert err.value.retry_after == 3600
    assert err.value.fault == "overLimit"
    assert cloud.sleeps == []


def test_500_on_a_post_is_not_repeated(cloud):
    url = cloud.endpoint("image") + "/images/whatever/members"
    cloud.fault(path_regex="/images/whatever/members$", method="POST", status=500, count=1,
                body={"computeFault": {"code": 500, "message": "boom"}})
    with pytest.raises(ServiceError) as err:
        cloud.request("POST", url, json_body={"member": "x"})
    assert err.value.fault == "computeFault" and "boom" in err.value.message
    assert cloud.sleeps == []


def test_retries_are_bounded(cloud):
    images = ImageService(cloud)
    cloud.endpoint("image")
    cloud.fault(path_regex="/image/v2/images$", status=502, count=10, body="bad gateway")
    with pytest.raises(ServiceError) as err:
        list(images.list(limit=1))
    assert err.value.status == 502
    assert len(cloud.sleeps) == 4


def test_not_found_carries_the_glance_message(cloud):
    with pytest.raises(NotFound) as err:
        ImageService(cloud).get("00000000-0000-4000-8000-000000000000")
    assert "No image found with ID 00000000-0000-4000-8000-000000000000" in err.value.message
    assert "<br" not in err.value.message


def test_connection_refused_is_a_transport_error_naming_the_url():
    sleeps = Sleeps()
    with pytest.raises(TransportError) as err:
        HttpClient(sleep=sleeps, retries=2).request("GET", "http://127.0.0.1:9/nothing")
    assert "could not connect" in err.value.message and "127.0.0.1:9" in err.value.message
    assert len(sleeps) == 2
