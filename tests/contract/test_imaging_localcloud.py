"""Imaging a server against the local cloud, with one simulated clock for the cloud and the client.

The emulator's phases take minutes to hours here, as on the real platform, yet every test runs
instantly: the client's sleeps advance the clock the emulator reads.
"""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from ansible_collections.opencloud.images.plugins.module_utils import auth
from ansible_collections.opencloud.images.plugins.module_utils.cloud import CloudSession
from ansible_collections.opencloud.images.plugins.module_utils.compute import ComputeService
from ansible_collections.opencloud.images.plugins.module_utils.errors import ConfigError, NotFound, WaitFailed, WaitTimeout
from ansible_collections.opencloud.images.plugins.module_utils.images import ImageService
from ansible_collections.opencloud.images.plugins.module_utils.imaging import ServerImager, request_key
from ansible_collections.opencloud.images.plugins.module_utils.markers import MARKER_REQUEST
from ansible_collections.opencloud.images.plugins.module_utils.pacing import SharedPacer
from ansible_collections.opencloud.images.plugins.module_utils.transport import HttpClient
from localcloud.server import LocalCloud

DEMO = {"username": "demo", "api_key": "demo-api-key-SECRET-1a2b3c", "region": "DFW"}
HOUR_LONG = {"image_snapshot": 600, "image_pending_upload": 300, "image_uploading": 2700}


class SimulatedTime:
    """One clock for the emulator (aware datetimes) and the client (monotonic seconds and sleep)."""

    def __init__(self):
        self.now = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
        self.elapsed = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def monotonic(self):
        return self.elapsed

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.elapsed += seconds
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sim(tmp_path):
    clock = SimulatedTime()
    clock.directory = tmp_path / "pacing"  # the account's shared pacing budget
    return clock


@pytest.fixture
def cloud(sim):
    with LocalCloud(config={"image_phase_seconds": HOUR_LONG}) as local:
        local.state.clock = sim
        yield local


def control(cloud, method, path, **kwargs):
    response = requests.request(method, cloud.url + "/_localcloud/" + path, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def create_image_requests(cloud):
    return [r for r in control(cloud, "GET", "requests")["requests"] if r["method"] == "POST" and r["path"].endswith("/action")]


@pytest.fixture
def client(cloud, sim):
    config = auth.resolve(dict(DEMO, auth_url=cloud.url + "/identity/v2.0"), environ={}, cloud_files=([], []))
    session = CloudSession(config, http=HttpClient(sleep=sim.sleep))
    return ComputeService(session), ImageService(session)


def imager(client, sim, **kwargs):
    compute, images = client
    kwargs.setdefault("timeout", 6 * 3600)
    kwargs.setdefault("poll_interval", 10)
    kwargs.setdefault("max_poll_interval", 120)
    pacer = SharedPacer("account", max_wait=kwargs["max_poll_interval"], directory=str(sim.directory), clock=sim.monotonic,
                        sleep=sim.sleep)
    return ServerImager(compute, images, pacer, clock=sim.monotonic, sleep=sim.sleep, **kwargs)


def test_image_of_a_server_goes_through_every_phase(cloud, client, sim):
    compute, images = client
    server = compute.find_server("web01")
    result = imager(client, sim).run(server, "web01-nightly", {"purpose": "nightly"})
    image = result["image"]
    assert (result["action"], result["attempts"], image["status"]) == ("create", 1, "active")
    assert image["instance_uuid"] == server["id"] and image["purpose"] == "nightly"
    assert image[MARKER_REQUEST] == request_key(server["id"], "web01-nightly", {"purpose": "nightly"})
    assert [p["phase"] for p in result["phases"]] == ["queued", "creating", "uploading", "done"]
    assert 3600 <= result["waited"] <= 3600 + 120, "done within one poll interval of the end"
    polls = len(sim.sleeps)
    assert polls <= 60, "an hour-long image must not be polled more than once a minute on average"
    assert compute.get_server(server["id"])["OS-EXT-STS:task_state"] is None


def test_a_rerun_returns_the_same_image_without_asking_again(cloud, client, sim):
    server = client[0].find_server("web01")
    first = imager(client, sim).run(server, "web01-release", {})
    before = len(create_image_requests(cloud))
    again = imager(client, sim).run(server, "web01-release", {})
    assert (again["action"], again["attempts"], again["image"]["id"]) == ("reuse", 0, first["image"]["id"])
    assert len(create_image_requests(cloud)) == before
    forced = imager(client, sim).run(server, "web01-release", {}, force_new=True)
    assert forced["image"]["id"] != first["image"]["id"]


def test_wait_false_then_a_later_run_picks_the_image_up(cloud, client, sim):
    server = client[0].find_server("db01")
    started = imager(client, sim).run(server, "db01-before-upgrade", {}, wait=False)
    assert started["image"]["status"] in ("queued", "saving") and started["attempts"] == 1
    later = imager(client, sim).run(server, "db01-before-upgrade", {})
    assert (later["action"], later["attempts"], later["image"]["id"]) == ("wait", 0, started["image"]["id"])
    assert later["image"]["status"] == "active"


def test_a_busy_server_is_waited_for_then_imaged(cloud, client, sim):
    compute = client[0]
    server = compute.find_server("web01")
    other = compute.create_image(server["id"], "someone-elses-image", {})
    result = imager(client, sim).run(server, "web01-mine", {})
    assert result["attempts"] == 1 and result["image"]["id"] != other
    assert result["waited"] >= 3600 * 2 - 240, "the first image had to finish before the second could start"
    assert [r["status"] for r in create_image_requests(cloud)] == [202, 202], "no createImage sent while busy (no 409)"


def test_host_group_limit_backs_off_as_told_until_a_slot_frees(cloud, client, sim):
    control(cloud, "POST", "config", json={"images_per_host_group": 1, "overlimit_retry_after": 300})
    compute = client[0]
    web, db = compute.find_server("web01"), compute.find_server("db01")  # both on host-1
    compute.create_image(web["id"], "web01-first", {})
    sent_at = []
    create_image = compute.create_image

    def timed_create_image(*args):
        sent_at.append(sim.monotonic())
        return create_image(*args)
    compute.create_image = timed_create_image
    result = imager(client, sim).run(db, "db01-second", {})
    assert result["image"]["status"] == "active"
    statuses = [r["status"] for r in create_image_requests(cloud)]
    assert statuses[0] == 202 and statuses[-1] == 202 and 413 in statuses
    gaps = [later - earlier for earlier, later in zip(sent_at, sent_at[1:])]
    assert len(gaps) == statuses.count(413) and all(gap >= 300 for gap in gaps), "Retry-After honoured: %s" % gaps
    assert statuses.count(413) <= 3600 // 300 + 2, "never more often than the platform asked"


def test_a_failed_image_is_deleted_and_asked_for_again(cloud, client, sim):
    compute, images = client
    server = compute.find_server("web01")
    control(cloud, "POST", "servers/%s/fail-next-image" % server["id"])
    result = imager(client, sim).run(server, "web01-retry", {})
    assert result["attempts"] == 2 and result["image"]["status"] == "active"
    failed = [r for r in control(cloud, "GET", "requests")["requests"] if r["method"] == "DELETE"]
    assert len(failed) == 1, "the killed image was removed"
    assert [i["name"] for i in images.list([("name", "web01-retry")])] == ["web01-retry"]


def test_failure_after_the_retries_says_so(cloud, client, sim):
    server = client[0].find_server("web01")
    control(cloud, "POST", "servers/%s/fail-next-image" % server["id"])
    with pytest.raises(WaitFailed) as err:
        imager(client, sim, retries=0).run(server, "web01-once", {})
    assert "killed" in err.value.message and "1 attempt" in err.value.message
    assert err.value.last["status"] == "killed"


def test_timeout_reports_the_image_and_a_rerun_resumes(cloud, client, sim):
    server = client[0].find_server("web01")
    with pytest.raises(WaitTimeout) as err:
        imager(client, sim, timeout=1800).run(server, "web01-big", {})
    last = err.value.last
    assert last["status"] == "saving" and last["progress"] in (25, 50)
    assert last["id"] in err.value.message and "run the same task again" in err.value.message
    resumed = imager(client, sim).run(server, "web01-big", {})
    assert (resumed["action"], resumed["image"]["id"], resumed["image"]["status"]) == ("wait", last["id"], "active")


@pytest.mark.parametrize("server,message", [
    ("bfv01", "boots from a volume"),
    ("broken01", "is ERROR"),
])
def test_servers_that_cannot_be_imaged_are_refused_before_asking(cloud, client, sim, server, message):
    found = client[0].find_server(server)
    with pytest.raises(ConfigError) as err:
        imager(client, sim).run(found, "x", {})
    assert message in err.value.message and err.value.option == "server"
    assert create_image_requests(cloud) == []


def test_unknown_and_ambiguous_server_names(cloud, client):
    compute = client[0]
    with pytest.raises(ConfigError) as err:
        compute.find_server("app")
    ids = [s["id"] for s in compute.session.json("GET", compute.root + "/servers/detail")["servers"] if s["name"] == "app"]
    assert len(ids) == 2 and all(i in err.value.message for i in ids)
    with pytest.raises(ConfigError) as err:
        compute.find_server("nosuch")
    assert err.value.option == "server"
    with pytest.raises(NotFound):
        compute.get_server("00000000-0000-4000-8000-000000000000")


def test_plan_in_check_mode_never_asks(cloud, client, sim):
    server = client[0].find_server("web01")
    assert imager(client, sim).plan(server, "web01-plan", {}, False) == ("create", None)
    made = imager(client, sim).run(server, "web01-plan", {})
    action, image = imager(client, sim).plan(server, "web01-plan", {}, False)
    assert (action, image["id"]) == ("reuse", made["image"]["id"])


def test_image_id_from_the_body_when_there_is_no_location(cloud, client):
    """Nova 2.45 and later answer createImage with {"image_id": ...} and no Location header."""
    compute = client[0]
    server = compute.find_server("web01")
    control(cloud, "POST", "faults", json={"path_regex": "/servers/%s/action$" % server["id"], "method": "POST",
                                           "status": 202, "body": {"image_id": "3f1c2a9e-0000-4000-8000-00000000abcd"}})
    assert compute.create_image(server["id"], "from-body", {}) == "3f1c2a9e-0000-4000-8000-00000000abcd"
