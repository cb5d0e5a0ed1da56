"""Tests of the local cloud's fault switches and eventual consistency (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``):
faults by region and probability (reproducible draws), delayed answers, tokens expired mid-way, tasks made to fail, and
new images and objects that lists show late.
"""

import time

import pytest
import requests

from localcloud.app import create_app
from localcloud.seed import default_seed
from localcloud.server import LocalCloud
from localcloud.servers import IMAGE_TASK_STATES
from localcloud.state import CloudState
from localcloud.tasks import TASK_FAILURES
from localcloud.test_compute import COMPUTE, GLANCE, FakeClock, create_image, image_id_of, nova_names, ok, server_named
from localcloud.test_localcloud import DEMO, KEYSTONE_401, headers_for

FILES = "/regions/DFW/object-store/v1/MossoCloudFS_100001"
TASKS = "/regions/DFW/image/v2/tasks"
FAST_TASKS = {"pending": 1, "processing": 1}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def client(clock):
    phases = {"image_phase_seconds": dict.fromkeys(IMAGE_TASK_STATES, 1), "task_phase_seconds": FAST_TASKS}
    state = CloudState(default_seed(), clock=clock, config=phases)
    return create_app(state).test_client()


@pytest.fixture
def demo(client):
    return headers_for(client, DEMO)


def add_fault(client, **fault):
    response = client.post("/_localcloud/faults", json=fault)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def statuses(client, headers, times, path=GLANCE):
    return [client.get(path, headers=headers).status_code for _attempt in range(times)]


def listed_ids(client, headers, region="DFW"):
    return [image["id"] for image in ok(client.get(f"/regions/{region}/image/v2/images?limit=100", headers=headers))["images"]]


# matching: region and probability

def test_a_fault_can_be_limited_to_a_region(client, demo):
    fault = add_fault(client, region="ord", path_regex=r"/image/v2/images$", status=503, count=2)
    assert fault["region"] == "ORD"
    assert statuses(client, demo, 2) == [200, 200]
    assert statuses(client, demo, 3, "/regions/ORD/image/v2/images") == [503, 503, 200]


def test_probable_faults_hit_some_requests_and_only_hits_count(client, demo):
    client.post("/_localcloud/config", json={"fault_seed": 7})
    add_fault(client, path_regex=r"/image/v2/images$", status=503, count=3, probability=0.5)
    seen = statuses(client, demo, 12)
    assert seen == [503, 503, 200, 503] + [200] * 8, "a miss between the hits; once three hit, the fault is used up"


def draws(client, headers, **fault):
    add_fault(client, path_regex=r"/image/v2/images$", status=500, count=100, probability=0.3, **fault)
    seen = statuses(client, headers, 30)
    client.delete("/_localcloud/faults")
    return seen


def test_the_draws_repeat_with_the_same_seed(client, demo):
    client.post("/_localcloud/config", json={"fault_seed": 11})
    first = draws(client, demo)
    assert 0 < first.count(500) < 30
    client.post("/_localcloud/config", json={"fault_seed": 11})
    assert draws(client, demo) == first
    client.post("/_localcloud/config", json={"fault_seed": 12})
    assert draws(client, demo) != first
    assert client.post("/_localcloud/reset").status_code == 204, "a reset goes back to the starting seed"
    demo = headers_for(client, DEMO)
    before_reset = draws(client, demo)
    client.post("/_localcloud/reset")
    demo = headers_for(client, DEMO)
    assert draws(client, demo) == before_reset


def test_a_fault_with_its_own_seed_ignores_the_shared_draws(client, demo):
    own = draws(client, demo, seed=5)
    client.post("/_localcloud/config", json={"fault_seed": 99})
    add_fault(client, path_regex=r"/compute/", status=500, count=100, probability=0.5)  # draws from the shared random
    client.get(f"{COMPUTE}/servers", headers=demo)
    client.delete("/_localcloud/faults")
    assert draws(client, demo, seed=5) == own
    assert draws(client, demo, seed=6) != own


# effects: expire_token and delay_seconds

def test_expire_token_answers_the_services_own_401_and_the_token_stays_expired(client, demo):
    other = headers_for(client, DEMO)
    fault = add_fault(client, method="GET", path_regex=r"/image/v2/images$", expire_token=True)
    assert (fault["expire_token"], fault["status"]) == (True, None)
    refused = client.get(GLANCE, headers=demo)
    assert (refused.status_code, refused.get_json()) == (401, KEYSTONE_401)
    assert client.get(f"{COMPUTE}/servers", headers=demo).status_code == 401
    assert client.get(GLANCE, headers=other).status_code == 200, "only the caller's token expires"


def test_expire_token_in_cloud_files(client, demo):
    add_fault(client, method="PUT", path_regex="/box$", expire_token=True)
    refused = client.put(f"{FILES}/box", headers=demo)
    assert refused.status_code == 401 and "Swift realm" in refused.headers["WWW-Authenticate"]
    assert client.get(f"{FILES}/box", headers=headers_for(client, DEMO)).status_code == 404, "nothing was made"


def test_a_delay_alone_gives_the_real_answer_late(client, demo):
    add_fault(client, path_regex=r"/image/v2/images$", delay_seconds=0.3)
    started = time.monotonic()
    assert client.get(GLANCE, headers=demo).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert client.get("/_localcloud/state").get_json()["faults"] == [], "the delay was used up by the first request"


def test_a_delay_with_a_canned_answer_or_an_expired_token(client, demo):
    add_fault(client, path_regex=r"/image/v2/images$", delay_seconds=0.2, status=502)
    add_fault(client, path_regex=r"/image/v2/images$", delay_seconds=0.2, expire_token=True)
    started = time.monotonic()
    assert statuses(client, demo, 2) == [502, 401]
    assert time.monotonic() - started >= 0.4


def test_a_slow_answer_outlasts_the_client_timeout_and_the_work_is_done_anyway():
    with LocalCloud() as cloud:
        token = requests.post(f"{cloud.url}/identity/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
            "username": "demo", "apiKey": DEMO["api_key"]}}}, timeout=10).json()["access"]["token"]["id"]
        headers = {"X-Auth-Token": token}
        requests.post(f"{cloud.url}/_localcloud/faults", json={"method": "PUT", "path_regex": "/late$", "delay_seconds": 1}, timeout=10)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.put(f"{cloud.url}{FILES}/late", headers=headers, timeout=0.3)
        deadline = time.monotonic() + 5
        while requests.head(f"{cloud.url}{FILES}/late", headers=headers, timeout=10).status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert requests.head(f"{cloud.url}{FILES}/late", headers=headers, timeout=10).status_code == 204
        assert requests.get(f"{cloud.url}/_localcloud/state", timeout=10).json()["faults"] == []


@pytest.mark.parametrize("fault", [
    {"path_regex": ".", "delay_seconds": -1},
    {"path_regex": ".", "delay_seconds": 601},
    {"path_regex": ".", "delay_seconds": "1"},
    {"path_regex": ".", "status": 500, "probability": 0},
    {"path_regex": ".", "status": 500, "probability": 1.5},
    {"path_regex": ".", "status": 500, "probability": True},
    {"path_regex": ".", "status": 500, "seed": "s"},
    {"path_regex": ".", "status": 500, "region": 1},
    {"path_regex": ".", "expire_token": False},
    {"path_regex": ".", "expire_token": True, "status": 401},
    {"path_regex": ".", "expire_token": True, "corrupt": True},
    {"path_regex": ".", "headers": {"Retry-After": "1"}},
    {"path_regex": ".", "count": 2},
])
def test_bad_faults_are_refused(client, fault):
    response = client.post("/_localcloud/faults", json=fault)
    assert response.status_code == 400 and "error" in response.get_json()


# tasks made to fail

def export(client, headers, container="exports"):
    image_id = next(image["id"] for image in ok(client.get(f"{GLANCE}?name=web01-2026-11-20", headers=headers))["images"])
    assert client.put(f"{FILES}/{container}", headers=headers).status_code in (201, 202)
    task = {"type": "export", "input": {"image_uuid": image_id, "receiving_swift_container": container}}
    response = client.post(TASKS, headers=headers, json=task)
    return ok(response, 201)["id"]


def import_task(location, name):
    return {"type": "import", "input": {"import_from": location, "import_from_format": "vhd", "image_properties": {"name": name}}}


def finished(client, clock, headers, task_id):
    clock.advance(sum(FAST_TASKS.values()))
    return ok(client.get(f"{TASKS}/{task_id}", headers=headers))


def test_the_next_export_fails_once_and_writes_nothing(client, clock, demo):
    answer = ok(client.post("/_localcloud/tasks/fail-next", json={"type": "export"}))
    assert answer == {"failing_tasks": {"export": TASK_FAILURES["export"]}}
    assert ok(client.get("/_localcloud/state"))["failing_tasks"] == {"export": TASK_FAILURES["export"]}
    failed = finished(client, clock, demo, export(client, demo))
    assert (failed["status"], failed["message"], failed["result"]) == ("failure", TASK_FAILURES["export"], None)
    assert ok(client.get(f"{FILES}/exports?format=json", headers=demo)) == []
    assert ok(client.get("/_localcloud/state"))["failing_tasks"] == {}
    assert finished(client, clock, demo, export(client, demo))["status"] == "success"


def test_the_next_import_fails_with_the_message_given(client, clock, demo):
    client.post("/_localcloud/tasks/fail-next", json={"type": "import", "message": "396: The image cannot be imported."})
    assert client.put(f"{FILES}/in", headers=demo).status_code == 201
    response = client.post(TASKS, headers=demo, json=import_task("in/disk.vhd", "imported"))
    failed = finished(client, clock, demo, ok(response, 201)["id"])
    assert (failed["status"], failed["message"]) == ("failure", "396: The image cannot be imported.")
    assert "imported" not in [image["name"] for image in ok(client.get(GLANCE, headers=demo))["images"]]


@pytest.mark.parametrize("body", [{}, {"type": "copy"}, {"type": "export", "message": 5}, {"type": "export", "colour": "red"}])
def test_bad_task_failures_are_refused(client, body):
    response = client.post("/_localcloud/tasks/fail-next", json=body)
    assert response.status_code == 400 and "error" in response.get_json()


# eventual consistency

def test_a_new_snapshot_is_listed_late_but_reachable_at_once(client, clock, demo):
    client.post("/_localcloud/config", json={"list_lag_seconds": 5})
    web01 = server_named(client, demo, "web01")["id"]
    image_id = image_id_of(create_image(client, demo, web01, "lagging"))
    assert ok(client.get(f"{GLANCE}/{image_id}", headers=demo))["name"] == "lagging"
    assert ok(client.get(f"{COMPUTE}/images/{image_id}", headers=demo))["image"]["name"] == "lagging"
    clock.advance(4)
    assert image_id not in listed_ids(client, demo) and "lagging" not in nova_names(client, demo)
    assert ok(client.get(f"{GLANCE}?name=lagging", headers=demo))["images"] == []
    clock.advance(1)
    assert image_id in listed_ids(client, demo) and "lagging" in nova_names(client, demo)


def test_images_made_through_the_control_api_or_seeded_are_listed_at_once(client, demo):
    client.post("/_localcloud/config", json={"list_lag_seconds": 60})
    made = ok(client.post("/_localcloud/images", json={"region": "DFW", "owner": "100001", "name": "prepared"}), 201)
    listed = listed_ids(client, demo)
    assert made["id"] in listed and len(listed) > 1


def test_an_imported_image_is_listed_late(client, clock, demo):
    client.post("/_localcloud/config", json={"list_lag_seconds": 10})
    export_id = export(client, demo, "moves")
    finished(client, clock, demo, export_id)
    location = ok(client.get(f"{TASKS}/{export_id}", headers=demo))["result"]["export_location"]
    response = client.post(TASKS, headers=demo, json=import_task(location, "moved"))
    image_id = finished(client, clock, demo, ok(response, 201)["id"])["result"]["image_id"]
    assert image_id not in listed_ids(client, demo) and ok(client.get(f"{GLANCE}/{image_id}", headers=demo))["status"] == "active"
    clock.advance(10)
    assert image_id in listed_ids(client, demo)


def test_a_new_object_is_listed_late(client, clock, demo):
    client.post("/_localcloud/config", json={"object_list_lag_seconds": 3})
    assert client.put(f"{FILES}/box", headers=demo).status_code == 201
    assert client.put(f"{FILES}/box/old", headers=demo, data=b"old").status_code == 201
    clock.advance(3)
    assert client.put(f"{FILES}/box/new", headers=demo, data=b"new").status_code == 201
    assert [entry["name"] for entry in ok(client.get(f"{FILES}/box?format=json", headers=demo))] == ["old"]
    assert client.head(f"{FILES}/box/new", headers=demo).status_code == 200
    assert client.get(f"{FILES}/box/new", headers=demo).data == b"new"
    clock.advance(3)
    assert [entry["name"] for entry in ok(client.get(f"{FILES}/box?format=json", headers=demo))] == ["new", "old"]


@pytest.mark.parametrize("body", [{"list_lag_seconds": -1}, {"list_lag_seconds": "5"}, {"object_list_lag_seconds": True},
                                  {"fault_seed": -1}, {"fault_seed": 1.5}])
def test_bad_switches_are_refused(client, body):
    response = client.post("/_localcloud/config", json=body)
    assert response.status_code == 400 and "error" in response.get_json()
