"""Tests of the local cloud's timing profiles and time scale (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``).

A stepped clock shows every emulated duration on the wall clock; only the fault delay, a real sleep, takes real time.
"""

import time
from argparse import Namespace
from datetime import datetime, timedelta, timezone

import pytest

from localcloud.__main__ import compute_config
from localcloud.app import create_app
from localcloud.seed import default_seed
from localcloud.servers import DEFAULT_CONFIG, TIMING_PROFILES
from localcloud.state import CloudState, isotime
from localcloud.test_compute import GLANCE, FakeClock, create_image, ok, progress, server_named, snapshot_of
from localcloud.test_localcloud import DEMO, V2_TOKENS, apikey_auth, headers_for

TASKS = "/regions/DFW/image/v2/tasks"
FILES = "/regions/DFW/object-store/v1/MossoCloudFS_100001"
SCALE = 0.01  # the realistic profile's 40-minute image in 24 s, its 60 s Retry-After in 0.6 s (sent as 1)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def client(clock):
    return create_app(CloudState(default_seed(), clock=clock, config={"timing": "realistic", "time_scale": SCALE})).test_client()


@pytest.fixture
def demo(client):
    return headers_for(client, DEMO)


def test_fast_is_the_default_profile():
    assert (DEFAULT_CONFIG["timing"], DEFAULT_CONFIG["time_scale"]) == ("fast", 1)
    assert {key: DEFAULT_CONFIG[key] for key in TIMING_PROFILES["fast"]} == TIMING_PROFILES["fast"]
    assert set(TIMING_PROFILES["realistic"]) == set(TIMING_PROFILES["fast"])


def test_an_image_takes_the_realistic_phases_times_the_scale(client, demo, clock):
    phases = TIMING_PROFILES["realistic"]["image_phase_seconds"]
    web01 = server_named(client, demo, "web01")["id"]
    start = clock.now
    image_id = snapshot_of(client, demo, "web01")
    seen = []
    for emulated in (0, phases["image_snapshot"] / 2, phases["image_snapshot"], phases["image_snapshot"] + phases["image_pending_upload"],
                     sum(phases.values()) - 1, sum(phases.values())):
        clock.now = start + timedelta(seconds=emulated * SCALE)
        seen.append(progress(client, demo, image_id, web01))
    assert seen == [("image_snapshot", "queued", "SAVING", 0), ("image_snapshot", "saving", "SAVING", 25),
                    ("image_pending_upload", "saving", "SAVING", 25), ("image_uploading", "saving", "SAVING", 50),
                    ("image_uploading", "saving", "SAVING", 50), (None, "active", "ACTIVE", 100)]


def test_retry_after_is_scaled_and_rounded_up_to_whole_seconds(client, demo):
    ok(client.post("/_localcloud/config", json={"images_per_host_group": 1}))
    snapshot_of(client, demo, "web01")
    refused = create_image(client, demo, server_named(client, demo, "db01")["id"])
    assert (refused.status_code, refused.headers["Retry-After"], refused.get_json()["overLimit"]["retryAfter"]) == (413, "1", "1")
    ok(client.post("/_localcloud/config", json={"time_scale": 0.07, "overlimit_retry_after": 100}))
    refused = create_image(client, demo, server_named(client, demo, "db01")["id"])
    assert refused.headers["Retry-After"] == "7", "7.000000000000001 s is 7 s"


def test_tasks_tokens_and_list_lags_are_scaled(client, demo, clock):
    expires = ok(client.post(V2_TOKENS, json=apikey_auth()))["access"]["token"]["expires"]
    assert datetime.strptime(expires, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc) == clock.now + timedelta(seconds=86400 * SCALE)

    start = clock.now
    created = ok(client.post(TASKS, headers=demo, json={"type": "import", "input": {
        "import_from": "nowhere/disk.vhd", "import_from_format": "vhd", "image_properties": {"name": "x"}}}), 201)
    statuses = []
    for emulated in (59, 60, 1859, 1860):  # pending 60 s, processing 1800 s
        clock.now = start + timedelta(seconds=emulated * SCALE)
        statuses.append(ok(client.get(f"{TASKS}/{created['id']}", headers=demo))["status"])
    assert statuses == ["pending", "processing", "processing", "failure"]
    task = ok(client.get(f"{TASKS}/{created['id']}", headers=demo))
    assert task["expires_at"] == isotime(clock.now + timedelta(hours=48 * SCALE))

    ok(client.post("/_localcloud/config", json={"list_lag_seconds": 100, "object_list_lag_seconds": 100}))
    image_id = snapshot_of(client, demo, "db01")
    assert client.put(f"{FILES}/box", headers=demo).status_code == 201
    assert client.put(f"{FILES}/box/new", headers=demo, data=b"x").status_code == 201

    def listed():
        images = [image["id"] for image in ok(client.get(f"{GLANCE}?limit=100", headers=demo))["images"]]
        objects = [entry["name"] for entry in ok(client.get(f"{FILES}/box?format=json", headers=demo))]
        return image_id in images, "new" in objects

    clock.advance(100 * SCALE - 0.01)
    assert listed() == (False, False)
    clock.advance(0.02)
    assert listed() == (True, True)


def test_a_fault_delay_is_scaled(client, demo):
    ok(client.post("/_localcloud/faults", json={"path_regex": r"/image/v2/images$", "delay_seconds": 30}), 201)
    started = time.monotonic()
    assert client.get(GLANCE, headers=demo).status_code == 200
    assert 0.3 <= time.monotonic() - started < 3, "30 emulated seconds are 0.3 s"


def test_a_profile_sets_its_keys_and_other_changes_apply_on_top(client):
    config = ok(client.get("/_localcloud/config"))
    assert (config["timing"], config["time_scale"]) == ("realistic", SCALE)
    assert {key: config[key] for key in TIMING_PROFILES["realistic"]} == TIMING_PROFILES["realistic"]
    mixed = ok(client.post("/_localcloud/config", json={"timing": "fast", "image_phase_seconds": {"image_uploading": 5}}))
    assert mixed["image_phase_seconds"] == {**TIMING_PROFILES["fast"]["image_phase_seconds"], "image_uploading": 5}
    assert mixed["task_phase_seconds"] == TIMING_PROFILES["fast"]["task_phase_seconds"] and mixed["time_scale"] == SCALE
    assert ok(client.post("/_localcloud/config", json=config)) == config, "a whole config posted back is that config again"
    assert ok(client.post("/_localcloud/config", json=mixed)) == mixed
    assert client.post("/_localcloud/reset").status_code == 204
    assert ok(client.get("/_localcloud/config")) == config, "a reset comes back to the profile and scale it started with"


@pytest.mark.parametrize("body", [{"timing": "slow"}, {"timing": ["fast"]}, {"time_scale": 0}, {"time_scale": -1},
                                  {"time_scale": "0.5"}, {"time_scale": None}])
def test_bad_timing_is_refused(client, body):
    response = client.post("/_localcloud/config", json=body)
    assert response.status_code == 400 and ("timing" in response.get_json()["error"] or "time_scale" in response.get_json()["error"])
    assert ok(client.get("/_localcloud/config"))["timing"] == "realistic"


def test_command_line_timing_options():
    def args(timing=None, time_scale=None, phases=None):
        return Namespace(timing=timing, time_scale=time_scale, image_phase_seconds=phases, images_per_host_group=None,
                         overlimit_retry_after=None)

    assert compute_config(args("realistic", 0.02)) == {"timing": "realistic", "time_scale": 0.02}
    state = CloudState(default_seed(), config=compute_config(args("realistic", 0.02, "5")))
    assert state.config["image_phase_seconds"] == dict.fromkeys(TIMING_PROFILES["realistic"]["image_phase_seconds"], 5)
    assert state.config["task_phase_seconds"] == TIMING_PROFILES["realistic"]["task_phase_seconds"]
    assert state.wall_seconds(3600) == 72
    for bad in (args(time_scale=0.0), args(time_scale=float("inf")), args("slow")):
        with pytest.raises(ValueError):
            compute_config(bad)
