"""Tests of the local cloud's compute service (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``).

Snapshots move on with time; these tests inject a clock and step it, so they neither sleep nor race.
"""

import hashlib
import json
import time
import urllib.request
from argparse import Namespace
from datetime import datetime, timedelta, timezone

import pytest

from localcloud.__main__ import compute_config
from localcloud.compute import BOOT_FROM_VOLUME
from localcloud.seed import FORTIGATE, UBUNTU, WINDOWS, default_seed, stable_id
from localcloud.server import LocalCloud
from localcloud.servers import DEFAULT_CONFIG
from localcloud.state import CloudState, isotime
from localcloud.test_localcloud import CONSUMER, DEMO, KEYSTONE_401, V2_TOKENS, apikey_auth, headers_for

COMPUTE = "/regions/DFW/compute/v2/100001"
GLANCE = "/regions/DFW/image/v2/images"
PHASES = {"image_snapshot": 10, "image_pending_upload": 10, "image_uploading": 10}
SEEDED_SERVERS = ["web01", "db01", "app", "app", "bfv01", "win-dc01", "fortigate01", "broken01", "busy01"]
START = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def state(clock):
    return CloudState(default_seed(), clock=clock, config={"image_phase_seconds": PHASES})


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def servers(client, headers, query="", region="DFW"):
    return ok(client.get(f"/regions/{region}/compute/v2/100001/servers/detail{query}", headers=headers))["servers"]


def server_named(client, headers, name, region="DFW"):
    found = servers(client, headers, f"?name=^{name}$", region)
    assert len(found) == 1, found
    return found[0]


def create_image(client, headers, server_id, name="snap", metadata=None):
    entity = {"name": name} if metadata is None else {"name": name, "metadata": metadata}
    return client.post(f"{COMPUTE}/servers/{server_id}/action", headers=headers, json={"createImage": entity})


def image_id_of(response):
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def snapshot_of(client, headers, name):
    return image_id_of(create_image(client, headers, server_named(client, headers, name)["id"]))


def progress(client, headers, image_id, server_id):
    """(server task state, Glance status, Nova status, Nova progress) now."""
    image = ok(client.get(f"{COMPUTE}/images/{image_id}", headers=headers))["image"]
    glance = ok(client.get(f"{GLANCE}/{image_id}", headers=headers))
    task = ok(client.get(f"{COMPUTE}/servers/{server_id}", headers=headers))["server"]["OS-EXT-STS:task_state"]
    return task, glance["status"], image["status"], image["progress"]


def nova_names(client, headers, query=""):
    return [image["name"] for image in ok(client.get(f"{COMPUTE}/images/detail{query}", headers=headers))["images"]]


# Servers

def test_server_list_has_ids_names_and_links(client, demo):
    listed = ok(client.get(f"{COMPUTE}/servers", headers=demo))["servers"]
    assert sorted(server["name"] for server in listed) == sorted(SEEDED_SERVERS)
    web01 = next(server for server in listed if server["name"] == "web01")
    assert web01 == {"id": "5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51", "name": "web01", "links": [
        {"href": f"http://localhost{COMPUTE}/servers/{web01['id']}", "rel": "self"},
        {"href": f"http://localhost/regions/DFW/compute/100001/servers/{web01['id']}", "rel": "bookmark"}]}
    ord_ids = {server["id"] for server in servers(client, demo, region="ORD")}
    assert len(ord_ids) == len(SEEDED_SERVERS) and not ord_ids & {server["id"] for server in listed}
    assert servers(client, demo, region="IAD") == []


def test_server_detail_and_show(client, demo):
    web01 = server_named(client, demo, "web01")
    ubuntu = stable_id("image", "DFW", UBUNTU)
    assert web01["image"] == {"id": ubuntu, "links": [{"href": f"http://localhost/regions/DFW/compute/100001/images/{ubuntu}", "rel": "bookmark"}]}
    assert web01["flavor"]["id"] == "general1-2"
    expected = {"status": "ACTIVE", "OS-EXT-STS:task_state": None, "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
                "progress": 100, "metadata": {}, "tenant_id": "100001", "user_id": DEMO["user_id"], "OS-DCF:diskConfig": "AUTO",
                "created": "2026-10-01T12:00:00Z", "updated": "2026-10-01T12:00:00Z",
                "hostId": hashlib.sha224(b"100001DFW/host-1").hexdigest()}
    assert {key: web01[key] for key in expected} == expected
    assert web01["accessIPv4"] == web01["addresses"]["public"][0]["addr"] and web01["addresses"]["private"][0]["version"] == 4
    assert server_named(client, demo, "db01")["hostId"] == web01["hostId"] != server_named(client, demo, "web01", "ORD")["hostId"]
    assert {server["hostId"] for server in servers(client, demo, "?name=^app$")}.isdisjoint({web01["hostId"]})
    assert ok(client.get(f"{COMPUTE}/servers/{web01['id']}", headers=demo)) == {"server": web01}


@pytest.mark.parametrize("query, expected", [
    ("?name=^app$", ["app", "app"]),
    ("?name=app", ["app", "app"]),
    ("?name=WEB", ["web01"]),
    ("?name=^(web|db)01$", ["db01", "web01"]),
    ("?name=01$", ["bfv01", "broken01", "busy01", "db01", "fortigate01", "web01", "win-dc01"]),
    ("?name=nothing", []),
    ("?status=ERROR", ["broken01"]),
    ("?status=shutoff", []),
    ("?status=active&name=^b", ["bfv01", "busy01"]),
    ("?image=http://localhost/regions/DFW/compute/100001/images/" + stable_id("image", "DFW", WINDOWS), ["win-dc01"]),
    ("?flavor=compute1-4", ["bfv01"]),
    ("?colour=red", sorted(SEEDED_SERVERS)),
])
def test_server_filters(client, demo, query, expected):
    assert sorted(server["name"] for server in servers(client, demo, query)) == expected


def test_servers_are_listed_newest_first(client, demo):
    created = [server["created"] for server in servers(client, demo)]
    assert created == sorted(created, reverse=True)


def test_a_bad_name_expression_is_a_compute_fault(client, demo):
    response = client.get(f"{COMPUTE}/servers/detail?name=(", headers=demo)
    assert response.status_code == 500 and response.get_json()["computeFault"]["code"] == 500


def test_unknown_servers_are_not_found(client, demo):
    not_found = {"itemNotFound": {"code": 404, "message": "Instance could not be found"}}
    for url in (f"{COMPUTE}/servers/00000000-0000-0000-0000-000000000000",
                "/regions/ORD/compute/v2/100001/servers/5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51"):
        response = client.get(url, headers=demo)
        assert (response.status_code, response.get_json()) == (404, not_found)
    consumer = headers_for(client, CONSUMER)
    web01 = server_named(client, demo, "web01")["id"]
    assert ok(client.get("/regions/DFW/compute/v2/100002/servers", headers=consumer)) == {"servers": []}
    assert client.get(f"/regions/DFW/compute/v2/100002/servers/{web01}", headers=consumer).status_code == 404
    assert create_image(client, demo, "00000000-0000-0000-0000-000000000000").get_json() == not_found


def test_compute_needs_a_token_for_the_tenant(client, demo):
    for headers in ({}, {"X-Auth-Token": "bogus"}, headers_for(client, CONSUMER)):
        response = client.get(f"{COMPUTE}/servers", headers=headers)
        assert (response.status_code, response.get_json()) == (401, KEYSTONE_401)
    assert client.get("/regions/dfw/compute/v2/100001/servers", headers=demo).status_code == 200
    unknown_region = client.get("/regions/LON/compute/v2/100001/servers", headers=demo)
    assert unknown_region.status_code == 404 and unknown_region.get_json()["itemNotFound"]["code"] == 404
    assert client.get(f"{COMPUTE}/nowhere", headers=demo).get_json()["itemNotFound"]["code"] == 404
    assert client.delete(f"{COMPUTE}/servers", headers=demo).get_json()["badMethod"]["code"] == 405
    log = ok(client.get("/_localcloud/requests"))["requests"]
    assert {entry["service"] for entry in log if "/compute/" in entry["path"]} == {"compute"}


def test_limits_show_max_image_meta(client, demo):
    absolute = ok(client.get(f"{COMPUTE}/limits", headers=demo))["limits"]["absolute"]
    assert absolute["maxImageMeta"] == 40 and absolute["totalInstancesUsed"] == len(SEEDED_SERVERS)


# createImage

def test_create_image_answers_202_with_location_and_queues_a_glance_image(client, demo):
    web01 = server_named(client, demo, "web01")
    response = create_image(client, demo, web01["id"], "web01-now", {"com.example.role": "web", "com.example.count": 3, "status": "x"})
    image_id = image_id_of(response)
    assert response.get_data() == b""
    assert response.headers["Location"] == f"http://localhost{COMPUTE}/images/{image_id}"
    image = ok(client.get(f"{GLANCE}/{image_id}", headers=demo))
    expected = {"name": "web01-now", "owner": "100001", "visibility": "private", "status": "queued", "image_type": "snapshot",
                "instance_uuid": web01["id"], "base_image_ref": stable_id("image", "DFW", UBUNTU), "os_type": "linux",
                "com.rackspace__1__options": "0", "os_distro": "ubuntu", "com.example.role": "web", "com.example.count": "3",
                "user_id": DEMO["user_id"], "container_format": "ovf", "disk_format": "vhd", "min_disk": 20, "size": None}
    assert {key: image.get(key) for key in expected} == expected
    assert "cache_in_nova" not in image
    server = ok(client.get(f"{COMPUTE}/servers/{web01['id']}", headers=demo))["server"]
    assert (server["status"], server["OS-EXT-STS:task_state"], server["updated"]) == ("ACTIVE", "image_snapshot", isotime(START))


def test_snapshot_phases_follow_the_clock(client, demo, clock):
    web01 = server_named(client, demo, "web01")["id"]
    image_id = snapshot_of(client, demo, "web01")
    seen = []
    for at in (0, 4.9, 5, 9.9, 10, 19.9, 20, 29.9, 30):
        clock.now = START + timedelta(seconds=at)
        seen.append(progress(client, demo, image_id, web01))
    assert seen == [("image_snapshot", "queued", "SAVING", 0), ("image_snapshot", "queued", "SAVING", 0),
                    ("image_snapshot", "saving", "SAVING", 25), ("image_snapshot", "saving", "SAVING", 25),
                    ("image_pending_upload", "saving", "SAVING", 25), ("image_pending_upload", "saving", "SAVING", 25),
                    ("image_uploading", "saving", "SAVING", 50), ("image_uploading", "saving", "SAVING", 50),
                    (None, "active", "ACTIVE", 100)]


def test_a_finished_snapshot_is_stamped_when_it_finished(client, demo, clock):
    web01 = server_named(client, demo, "web01")["id"]
    image_id = snapshot_of(client, demo, "web01")
    clock.advance(3600)
    image = ok(client.get(f"{GLANCE}/{image_id}", headers=demo))
    done = isotime(START + timedelta(seconds=30))
    assert (image["status"], image["updated_at"]) == ("active", done)
    assert image["size"] >= 1 << 30 and len(image["checksum"]) == 32
    nova = ok(client.get(f"{COMPUTE}/images/{image_id}", headers=demo))["image"]
    assert (nova["OS-EXT-IMG-SIZE:size"], nova["updated"]) == (image["size"], done)
    assert ok(client.get(f"{COMPUTE}/servers/{web01}", headers=demo))["server"]["updated"] == done


def test_snapshots_inherit_the_base_image(client, demo):
    windows = ok(client.get(f"{GLANCE}/{snapshot_of(client, demo, 'win-dc01')}", headers=demo))
    assert (windows["os_type"], windows["com.rackspace__1__options"], windows["min_disk"]) == ("windows", "1", 40)
    fortigate = server_named(client, demo, "fortigate01")
    assert fortigate["metadata"] == {"appliance": "fortinet-fortigate"}
    base = ok(client.get(f"{GLANCE}/{fortigate['image']['id']}", headers=demo))
    assert (base["name"], base["com.example.appliance"]) == (FORTIGATE, "fortinet-fortigate")
    appliance = ok(client.get(f"{GLANCE}/{snapshot_of(client, demo, 'fortigate01')}", headers=demo))
    assert appliance["com.example.appliance"] == "fortinet-fortigate"


def conflict(server_id, attribute, value):
    return {"conflictingRequest": {"code": 409, "message": f"Cannot 'createImage' instance {server_id} while it is in {attribute} {value}"}}


def test_create_image_while_busy_is_409(client, demo, clock):
    busy = server_named(client, demo, "busy01")
    assert busy["OS-EXT-STS:task_state"] == "image_uploading"
    refused = create_image(client, demo, busy["id"])
    assert (refused.status_code, refused.get_json()) == (409, conflict(busy["id"], "task_state", "image_uploading"))
    web01 = server_named(client, demo, "web01")["id"]
    snapshot_of(client, demo, "web01")
    for at, task_state in ((0, "image_snapshot"), (15, "image_pending_upload"), (25, "image_uploading")):
        clock.now = START + timedelta(seconds=at)
        assert create_image(client, demo, web01).get_json() == conflict(web01, "task_state", task_state)
    clock.now = START + timedelta(seconds=30)
    assert create_image(client, demo, web01).status_code == 202


def test_create_image_of_a_server_in_error_is_409(client, demo):
    broken = server_named(client, demo, "broken01")
    assert (broken["status"], broken["OS-EXT-STS:vm_state"], broken["fault"]["code"]) == ("ERROR", "error", 500)
    assert "progress" not in broken
    response = create_image(client, demo, broken["id"])
    assert (response.status_code, response.get_json()) == (409, conflict(broken["id"], "vm_state", "error"))
    stopped = ok(client.post("/_localcloud/servers", json={"region": "DFW", "owner": "100001", "name": "stopped", "status": "SHUTOFF"}), 201)
    assert server_named(client, demo, "stopped")["OS-EXT-STS:power_state"] == 4
    assert create_image(client, demo, stopped["id"]).status_code == 202
    rebooting = ok(client.post("/_localcloud/servers", json={"region": "DFW", "owner": "100001", "name": "reb", "task_state": "rebooting"}), 201)
    assert server_named(client, demo, "reb")["status"] == "REBOOT"
    assert create_image(client, demo, rebooting["id"]).get_json() == conflict(rebooting["id"], "task_state", "rebooting")


def test_boot_from_volume_servers_cannot_be_imaged(client, demo):
    bfv = server_named(client, demo, "bfv01")
    assert bfv["image"] == ""
    before = len(client.get("/_localcloud/state").get_json()["images"]["DFW"])
    response = create_image(client, demo, bfv["id"])
    assert (response.status_code, response.get_json()) == (400, {"badRequest": {"code": 400, "message": BOOT_FROM_VOLUME}})
    assert len(client.get("/_localcloud/state").get_json()["images"]["DFW"]) == before


def test_image_metadata_is_limited_to_40_items(client, demo):
    web01 = server_named(client, demo, "web01")["id"]
    response = create_image(client, demo, web01, metadata={f"k{number}": "v" for number in range(41)})
    assert response.status_code == 413 and response.headers["Retry-After"] == "0"
    assert response.get_json() == {"overLimit": {"code": 413, "message": "Image metadata limit exceeded", "retryAfter": "0"}}
    assert create_image(client, demo, web01, metadata={f"k{number}": "v" for number in range(40)}).status_code == 202


@pytest.mark.parametrize("body, message", [
    ({"createImage": {}}, "createImage entity requires name attribute"),
    ({"createImage": {"name": ""}}, "createImage entity requires name attribute"),
    ({"createImage": None}, "createImage entity requires name attribute"),
    ({"createImage": {"name": "x", "metadata": ["a"]}}, "Invalid metadata"),
    ({"createImage": {"name": "x", "metadata": {"": "v"}}}, "Image metadata key cannot be blank"),
    ({"createImage": {"name": "x", "metadata": {"k" * 256: "v"}}}, "Image metadata key too long"),
    ({"reboot": {"type": "SOFT"}}, "There is no such action: reboot"),
    ({"createImage": {"name": "x"}, "reboot": {}}, "Malformed request body"),
    ("{not json", "Malformed request body"),
])
def test_bad_actions_are_400(client, demo, body, message):
    data = body if isinstance(body, str) else json.dumps(body)
    server_id = server_named(client, demo, "web01")["id"]
    response = client.post(f"{COMPUTE}/servers/{server_id}/action", headers={**demo, "Content-Type": "application/json"}, data=data)
    assert (response.status_code, response.get_json()) == (400, {"badRequest": {"code": 400, "message": message}})


def test_images_per_host_group_limit(client, demo, clock):
    assert ok(client.post("/_localcloud/config", json={"images_per_host_group": 1, "overlimit_retry_after": 7}))["images_per_host_group"] == 1
    snapshot_of(client, demo, "web01")
    db01 = server_named(client, demo, "db01")["id"]
    refused = create_image(client, demo, db01)
    assert (refused.status_code, refused.headers["Retry-After"]) == (413, "7")
    fault = refused.get_json()["overLimit"]
    assert (fault["code"], fault["retryAfter"]) == (413, "7") and db01 in fault["message"]
    snapshot_of(client, demo, "win-dc01")  # another host
    clock.advance(30)
    assert create_image(client, demo, db01).status_code == 202
    client.post("/_localcloud/config", json={"images_per_host_group": 0})
    assert create_image(client, demo, server_named(client, demo, "fortigate01")["id"]).status_code == 413


def test_fail_next_image_fails_once(client, demo, clock):
    web01 = server_named(client, demo, "web01")["id"]
    assert ok(client.post(f"/_localcloud/servers/{web01}/fail-next-image"))["fail_next_image"] is True
    failed = snapshot_of(client, demo, "web01")
    clock.advance(20)
    assert progress(client, demo, failed, web01) == ("image_uploading", "saving", "SAVING", 50)
    clock.advance(10)
    assert progress(client, demo, failed, web01) == (None, "killed", "ERROR", 0)
    assert failed not in [image["id"] for image in ok(client.get(f"{GLANCE}?owner=100001", headers=demo))["images"]]
    second = snapshot_of(client, demo, "web01")
    clock.advance(30)
    assert progress(client, demo, second, web01) == (None, "active", "ACTIVE", 100)
    assert client.post("/_localcloud/servers/nope/fail-next-image").status_code == 404


# Nova's images API

def test_nova_image_shows_the_glance_record(client, demo):
    glance = next(image for image in ok(client.get(f"{GLANCE}?name=web01-2026-11-20", headers=demo))["images"])
    image = ok(client.get(f"{COMPUTE}/images/{glance['id']}", headers=demo))["image"]
    web01 = "5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51"
    expected = {"id": glance["id"], "name": "web01-2026-11-20", "status": "ACTIVE", "progress": 100, "minDisk": 20, "minRam": 0,
                "created": "2026-11-20T03:00:00Z", "updated": "2026-11-20T03:00:00Z", "OS-EXT-IMG-SIZE:size": 2147483648}
    assert {key: image[key] for key in expected} == expected
    assert image["server"] == {"id": web01, "links": [{"href": f"http://localhost{COMPUTE}/servers/{web01}", "rel": "self"},
                                                      {"href": f"http://localhost/regions/DFW/compute/100001/servers/{web01}", "rel": "bookmark"}]}
    assert (image["metadata"]["com.example.role"], image["metadata"]["image_type"]) == ("web", "snapshot")
    assert "owner" not in image["metadata"] and "checksum" not in image["metadata"]
    client.patch(f"{GLANCE}/{glance['id']}", headers={**demo, "Content-Type": "application/openstack-images-v2.1-json-patch"},
                 data=json.dumps([{"op": "replace", "path": "/name", "value": "renamed"}]))
    assert ok(client.get(f"{COMPUTE}/images/{glance['id']}", headers=demo))["image"]["name"] == "renamed"
    missing = client.get(f"{COMPUTE}/images/00000000-0000-0000-0000-000000000000", headers=demo)
    assert (missing.status_code, missing.get_json()) == (404, {"itemNotFound": {"code": 404, "message": "Image not found."}})


@pytest.mark.parametrize("query, expected", [
    ("?server=5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51", ["web01-2026-11-20"]),
    (f"?server=http://localhost{COMPUTE}/servers/9e4c1a7b-3d52-4f8a-8c0e-6b2d4f1a3e62", ["dc01-2026-11-21"]),
    ("?type=SNAPSHOT", ["busy01-2026-11-26", "dc01-2026-11-21", "web01-2026-11-20"]),
    ("?type=SNAPSHOT&status=ACTIVE", ["dc01-2026-11-21", "web01-2026-11-20"]),
    ("?status=SAVING", ["busy01-2026-11-26"]),
    ("?name=dc01-2026-11-21", ["dc01-2026-11-21"]),
    ("?type=base&name=" + FORTIGATE, [FORTIGATE]),
    ("?server=nope", []),
])
def test_nova_image_filters(client, demo, query, expected):
    assert nova_names(client, demo, query) == expected


def test_nova_image_list_is_what_glance_lists(client, demo):
    glance = [image["name"] for image in ok(client.get(GLANCE, headers=demo))["images"]]
    assert nova_names(client, demo) == glance
    summary = ok(client.get(f"{COMPUTE}/images", headers=demo))["images"][0]
    assert set(summary) == {"id", "name", "links"}
    assert "consumer-private-2026-11-23" not in glance


def test_nova_image_delete(client, demo):
    snapshot = next(iter(ok(client.get(f"{GLANCE}?name=web01-2026-11-20", headers=demo))["images"]))["id"]
    response = client.delete(f"{COMPUTE}/images/{snapshot}", headers=demo)
    assert (response.status_code, response.get_data()) == (204, b"")
    assert client.get(f"{GLANCE}/{snapshot}", headers=demo).status_code == 404
    assert client.delete(f"{COMPUTE}/images/{snapshot}", headers=demo).get_json()["itemNotFound"]["message"] == "Image not found."
    public = stable_id("image", "DFW", UBUNTU)
    refused = client.delete(f"{COMPUTE}/images/{public}", headers=demo)
    assert refused.get_json() == {"forbidden": {"code": 403, "message": "You are not allowed to delete the image."}}


def test_deleting_a_saving_image_frees_the_server(client, demo, clock):
    web01 = server_named(client, demo, "web01")["id"]
    image_id = snapshot_of(client, demo, "web01")
    clock.advance(12)
    assert client.delete(f"{GLANCE}/{image_id}", headers=demo).status_code == 204
    clock.advance(30)
    assert server_named(client, demo, "web01")["OS-EXT-STS:task_state"] is None
    assert create_image(client, demo, web01).status_code == 202
    busy = server_named(client, demo, "busy01")
    held = nova_names(client, demo, "?status=SAVING&server=" + busy["id"])
    assert held == ["busy01-2026-11-26"]
    assert client.delete(f"{COMPUTE}/images/{stable_id('image', 'DFW', 'busy01-2026-11-26')}", headers=demo).status_code == 204
    assert server_named(client, demo, "busy01")["OS-EXT-STS:task_state"] is None
    assert create_image(client, demo, busy["id"]).status_code == 202


# Control API

def test_a_fleet_of_servers_for_a_benchmark(client, demo, clock):
    client.post("/_localcloud/config", json={"images_per_host_group": 10})
    fleet = [ok(client.post("/_localcloud/servers", json={"region": "dfw", "owner": "100001", "name": f"fleet-{number:02d}",
                                                          "host_group": f"rack-{number % 5}", "metadata": {"role": "fleet"}}), 201)
             for number in range(50)]
    assert fleet[0]["image_id"] == stable_id("image", "DFW", UBUNTU) and fleet[0]["status"] == "ACTIVE"
    assert len(servers(client, demo, "?name=^fleet-")) == 50
    images = [snapshot_of(client, demo, server["name"]) for server in fleet]
    assert len(client.get("/_localcloud/state").get_json()["snapshots"]) == 52  # and busy01's, in DFW and ORD
    clock.advance(30)
    assert {ok(client.get(f"{GLANCE}/{image_id}", headers=demo))["status"] for image_id in images} == {"active"}


@pytest.mark.parametrize("body", [
    {"region": "DFW", "owner": "100001"},
    {"region": "LON", "owner": "100001", "name": "x"},
    {"region": "DFW", "owner": "100001", "name": "x", "status": "SLEEPY"},
    {"region": "DFW", "owner": "100001", "name": "x", "task_state": "dreaming"},
    {"region": "DFW", "owner": "100001", "name": "x", "boot_from_volume": True, "image_id": "abc"},
    {"region": "DFW", "owner": "100001", "name": "x", "metadata": []},
    {"region": "DFW", "owner": "100001", "name": "x", "colour": "red"},
    {"region": "DFW", "owner": "100001", "name": "x", "id": "5d2b8f3e-7a41-4c9e-9b6d-1f0e2a3c4b51"},
])
def test_control_server_creation_is_validated(client, body):
    response = client.post("/_localcloud/servers", json=body)
    assert response.status_code == 400 and "error" in response.get_json()


def test_control_servers_boot_from_volume_and_show_in_the_state(client, demo):
    made = ok(client.post("/_localcloud/servers", json={"region": "ORD", "owner": "100001", "name": "vol", "boot_from_volume": True}), 201)
    assert server_named(client, demo, "vol", "ORD")["image"] == ""
    dumped = ok(client.get("/_localcloud/state"))
    assert dumped["servers"]["ORD"][made["id"]]["host_group"] == made["host_group"]
    assert dumped["config"]["image_phase_seconds"] == PHASES
    held = [stable_id("image", region, "busy01-2026-11-26") for region in ("DFW", "ORD")]
    assert [job["image_id"] for job in dumped["snapshots"]] == held


@pytest.mark.parametrize("body", [
    {"image_phase_seconds": {"image_snapshot": -1}},
    {"image_phase_seconds": {"image_resting": 1}},
    {"image_phase_seconds": 3},
    {"images_per_host_group": "2"},
    {"overlimit_retry_after": 1.5},
    {"speed": "fast"},
])
def test_config_is_validated(client, body):
    response = client.post("/_localcloud/config", json=body)
    assert response.status_code == 400 and "error" in response.get_json()
    assert ok(client.get("/_localcloud/config"))["image_phase_seconds"] == PHASES


def test_config_changes_and_reset(client, demo, clock):
    changed = ok(client.post("/_localcloud/config", json={"image_phase_seconds": {"image_uploading": 100}}))
    assert changed["image_phase_seconds"] == {**PHASES, "image_uploading": 100}
    web01 = server_named(client, demo, "web01")["id"]
    image_id = snapshot_of(client, demo, "web01")
    clock.advance(60)
    assert progress(client, demo, image_id, web01)[0] == "image_uploading"
    assert client.post("/_localcloud/reset").status_code == 204
    assert ok(client.get("/_localcloud/config")) == {**DEFAULT_CONFIG, "image_phase_seconds": PHASES}
    demo = headers_for(client, DEMO)
    assert server_named(client, demo, "web01")["OS-EXT-STS:task_state"] is None
    assert CloudState(default_seed()).config == DEFAULT_CONFIG


def test_command_line_compute_options():
    def args(phases=None, limit=None, retry_after=None):
        return Namespace(timing=None, time_scale=None, image_phase_seconds=phases, images_per_host_group=limit,
                         overlimit_retry_after=retry_after)

    assert not compute_config(args())
    assert compute_config(args("0.5", 3, 9)) == {"image_phase_seconds": dict.fromkeys(PHASES, 0.5), "images_per_host_group": 3,
                                                 "overlimit_retry_after": 9}
    assert compute_config(args("1,2,3"))["image_phase_seconds"] == {"image_snapshot": 1, "image_pending_upload": 2, "image_uploading": 3}
    for bad in (args("1,2"), args("fast"), args("-1"), args(limit=-1)):
        with pytest.raises(ValueError):
            compute_config(bad)


def _call(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request) as response:
        return response.headers, json.loads(response.read() or b"null")


def test_snapshots_finish_on_the_real_clock():
    with LocalCloud(config={"image_phase_seconds": dict.fromkeys(PHASES, 0.02)}) as cloud:
        token = _call(f"{cloud.url}{V2_TOKENS}", "POST", apikey_auth())[1]["access"]["token"]["id"]
        auth = {"X-Auth-Token": token}
        web01 = _call(f"{cloud.url}{COMPUTE}/servers?name=^web01$", headers=auth)[1]["servers"][0]["id"]
        headers = _call(f"{cloud.url}{COMPUTE}/servers/{web01}/action", "POST", {"createImage": {"name": "real"}}, auth)[0]
        image_url = headers["Location"]
        deadline = time.monotonic() + 10
        status = None
        while status != "ACTIVE" and time.monotonic() < deadline:
            time.sleep(0.02)
            status = _call(image_url, headers=auth)[1]["image"]["status"]
        assert status == "ACTIVE"
