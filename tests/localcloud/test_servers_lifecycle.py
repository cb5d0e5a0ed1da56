"""The local cloud's server lifecycle: create, rebuild, stop/start, delete, console, instance actions, flavors, key pairs,
rate limits, and the real sshd of each ACTIVE guest (run: ``PYTHONPATH=tests python -m pytest tests/localcloud``).

The processes move on an injected clock (no sleeping); only the guest tests start real sshd processes.
"""

import os
import socket
import subprocess
import tempfile

import pytest

from localcloud.app import create_app
from localcloud.compute_servers import PUBLIC_NET, SERVICE_NET
from localcloud.rate_limits import RACKSPACE_RATE_LIMITS
from localcloud.seed import CENTOS, UBUNTU, WINDOWS, default_seed, stable_id
from localcloud.state import CloudState
from localcloud.test_compute import ok
from localcloud.test_localcloud import CONSUMER, DEMO, headers_for

COMPUTE = "/regions/DFW/compute/v2/100001"
PHASES = {"build": 4, "rebuild": 3, "stop": 1, "start": 1, "delete": 2}
UBUNTU_ID = stable_id("image", "DFW", UBUNTU)
CENTOS_ID = stable_id("image", "DFW", CENTOS)
WINDOWS_ID = stable_id("image", "DFW", WINDOWS)


@pytest.fixture
def state(clock):
    cloud_state = CloudState(default_seed(), clock=clock, config={"server_phase_seconds": PHASES, "guest_sshd": False})
    yield cloud_state
    cloud_state.close()


def create(client, headers, region="DFW", **fields):
    entity = {"name": "verify-1", "imageRef": UBUNTU_ID, "flavorRef": "general1-1", **fields}
    return client.post(f"/regions/{region}/compute/v2/100001/servers", headers=headers, json={"server": entity})


def created(client, headers, **fields):
    return ok(create(client, headers, **fields), 202)["server"]["id"]


def show(client, headers, server_id):
    return ok(client.get(f"{COMPUTE}/servers/{server_id}", headers=headers))["server"]


def action(client, headers, server_id, body, headers_extra=None):
    return client.post(f"{COMPUTE}/servers/{server_id}/action", headers={**headers, **(headers_extra or {})}, json=body)


def states(server):
    return server["status"], server["OS-EXT-STS:task_state"], server.get("progress")


def fault(response, status, name, message):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json() == {name: {"code": status, "message": message}}


# create and the build

def test_create_answers_202_with_the_password_and_the_build_moves_to_active(client, demo, clock):
    response = create(client, demo, metadata={"opencloud.images:verify": "run-1"}, config_drive=True)
    body = ok(response, 202)["server"]
    server_id = body["id"]
    assert set(body) == {"id", "links", "adminPass", "OS-DCF:diskConfig"}
    assert body["OS-DCF:diskConfig"] == "MANUAL"  # Rackspace's PVHVM base images: auto_disk_config disabled
    assert len(body["adminPass"]) >= 12
    assert response.headers["Location"] == f"http://localhost{COMPUTE}/servers/{server_id}"
    assert response.headers["X-Compute-Request-Id"].startswith("req-")
    seen = []
    for _second in range(4):
        server = show(client, demo, server_id)
        seen.append(states(server) + (server["OS-EXT-STS:vm_state"], server["OS-EXT-STS:power_state"]))
        clock.advance(1)
    assert seen == [("BUILD", "scheduling", 0, "building", 0), ("BUILD", "block_device_mapping", 0, "building", 0),
                    ("BUILD", "networking", 25, "building", 0), ("BUILD", "spawning", 50, "building", 0)]
    server = show(client, demo, server_id)
    assert states(server) == ("ACTIVE", None, 100) and server["OS-EXT-STS:vm_state"] == "active"
    assert "fault" not in server and server["metadata"] == {"opencloud.images:verify": "run-1"} and server["config_drive"] == "True"
    public_v4 = server["addresses"]["public"][0]["addr"]
    assert public_v4.startswith("127.0.0.") and public_v4 != "127.0.0.1" and server["accessIPv4"] == public_v4
    assert [entry["version"] for entry in server["addresses"]["public"]] == [4, 6] and server["accessIPv6"]
    assert server["addresses"]["private"][0]["addr"].startswith("10.176.")
    assert server["image"]["id"] == UBUNTU_ID and server["flavor"]["id"] == "general1-1" and server["key_name"] is None
    listed = ok(client.get(f"{COMPUTE}/servers/detail?name=^verify-1$&status=ACTIVE", headers=demo))["servers"]
    assert [entry["id"] for entry in listed] == [server_id]


def test_server_lists_page_with_limit_and_marker(client, demo):
    everything = [server["id"] for server in ok(client.get(f"{COMPUTE}/servers", headers=demo))["servers"]]
    first = ok(client.get(f"{COMPUTE}/servers/detail?limit=4&name=.", headers=demo))
    assert [server["id"] for server in first["servers"]] == everything[:4]
    next_url = first["servers_links"][0]["href"]
    assert first["servers_links"][0]["rel"] == "next" and f"marker={everything[3]}" in next_url and "name=." in next_url
    second = ok(client.get(next_url.replace("http://localhost", ""), headers=demo))
    assert [server["id"] for server in second["servers"]] == everything[4:8]
    last = ok(client.get(f"{COMPUTE}/servers?limit=4&marker={everything[7]}", headers=demo))
    assert [server["id"] for server in last["servers"]] == everything[8:] and "servers_links" not in last
    fault(client.get(f"{COMPUTE}/servers?marker=nope", headers=demo), 400, "badRequest", "marker [nope] not found")
    fault(client.get(f"{COMPUTE}/servers?limit=x", headers=demo), 400, "badRequest", "limit param must be an integer")


def test_build_time_follows_the_timing_profile_and_time_scale(client, demo, clock):
    config = ok(client.post("/_localcloud/config", json={"timing": "realistic", "time_scale": 0.01}))
    assert config["server_phase_seconds"]["build"] == 120
    server_id = created(client, demo)
    clock.advance(1.1)  # 120 emulated seconds at 0.01: 1.2 s
    assert show(client, demo, server_id)["status"] == "BUILD"
    clock.advance(0.1)
    assert show(client, demo, server_id)["status"] == "ACTIVE"


def test_networks_attach_only_what_is_listed(client, demo, clock):
    service_only = created(client, demo, networks=[{"uuid": SERVICE_NET}])
    both = created(client, demo, name="verify-2", networks=[{"uuid": SERVICE_NET}, {"uuid": PUBLIC_NET}])
    none = created(client, demo, name="verify-3", networks=[])
    clock.advance(5)
    server = show(client, demo, service_only)
    assert list(server["addresses"]) == ["private"] and server["addresses"]["private"][0]["addr"].startswith("127.0.0.")
    assert server["accessIPv4"] == "" and server["accessIPv6"] == ""
    assert sorted(show(client, demo, both)["addresses"]) == ["private", "public"]
    assert show(client, demo, none)["addresses"] == {}
    assert ok(client.get(f"{COMPUTE}/servers/{service_only}/ips", headers=demo)) == {"addresses": server["addresses"]}
    assert ok(client.get(f"{COMPUTE}/servers/{both}/ips/public", headers=demo)) == {"public": show(client, demo, both)["addresses"]["public"]}
    fault(client.get(f"{COMPUTE}/servers/{service_only}/ips/public", headers=demo), 404, "itemNotFound",
          "Instance is not a member of specified network")


BAD_CREATES = [
    ({"name": None}, 400, "badRequest", "Server name is not a string or unicode"),
    ({"flavorRef": "general9-1"}, 400, "badRequest", "Invalid flavorRef provided."),
    ({"imageRef": "not-a-uuid"}, 400, "badRequest", "Invalid imageRef provided."),
    ({"imageRef": "0b0b0b0b-0000-4000-8000-000000000000"}, 400, "badRequest", "Can not find requested image"),
    ({"flavorRef": "2", "imageRef": WINDOWS_ID}, 400, "badRequest", "Flavor's memory is too small for requested image."),
    ({"flavorRef": "compute1-4"}, 403, "forbidden", "Only volume-backed servers are allowed for flavors with zero disk."),
    ({"flavorRef": "io1-15", "imageRef": WINDOWS_ID}, 400, "badRequest", "Image cannot be built with provided flavor."),
    ({"OS-DCF:diskConfig": "AUTO"}, 400, "badRequest", f"Requested image {UBUNTU_ID} has automatic disk resize disabled."),
    ({"OS-DCF:diskConfig": "auto"}, 400, "badRequest", "OS-DCF:diskConfig must be either 'MANUAL' or 'AUTO'."),
    ({"key_name": "nobody-has-this"}, 400, "badRequest", "Invalid key_name provided."),
    ({"networks": {"uuid": PUBLIC_NET}}, 400, "badRequest", "Bad networks format"),
    ({"networks": [{"uuid": "public"}]}, 400, "badRequest", "Bad networks format: network uuid is not in proper format (public)"),
    ({"networks": [{"uuid": "22222222-2222-2222-2222-222222222222"}]}, 400, "badRequest",
     "Network 22222222-2222-2222-2222-222222222222 could not be found."),
    ({"user_data": "not base64!"}, 400, "badRequest", "Userdata content cannot be decoded"),
    ({"personality": [{"path": "/etc/motd", "contents": "aGk="}] * 6}, 413, "overLimit", "Personality file limit exceeded"),
    ({"metadata": {f"k{n}": "v" for n in range(41)}}, 403, "forbidden", "Maximum number of metadata items exceeds 40"),
    ({"accessIPv4": 1}, 400, "badRequest", "accessIPv4 is not proper IPv4 format"),
    ({"accessIPv6": "10.0.0.1"}, 400, "badRequest", "accessIPv6 is not proper IPv6 format"),
]


@pytest.mark.parametrize("fields, status, name, message", BAD_CREATES)
def test_bad_creates_get_novas_errors_and_make_nothing(client, demo, state, fields, status, name, message):
    before = len(state.servers["DFW"])
    fault(create(client, demo, **fields), status, name, message)
    assert len(state.servers["DFW"]) == before


def test_missing_fields_and_bodies(client, demo):
    fault(client.post(f"{COMPUTE}/servers", headers=demo, json={"name": "x"}), 422, "computeFault", "Unable to process the contained instructions")
    fault(client.post(f"{COMPUTE}/servers", headers=demo, json={"server": {"imageRef": UBUNTU_ID, "flavorRef": "2"}}), 400, "badRequest",
          "Server name is not defined")
    fault(client.post(f"{COMPUTE}/servers", headers=demo, json={"server": {"name": "x", "imageRef": UBUNTU_ID}}), 400, "badRequest",
          "Missing flavorRef attribute")


def test_image_too_big_for_the_flavor_disk_and_inactive_images(client, demo):
    big = ok(client.post("/_localcloud/images", json={"region": "DFW", "owner": "100001", "name": "big", "size": 30 << 30}), 201)["id"]
    fault(create(client, demo, imageRef=big), 400, "badRequest",
          f"Flavor's disk is too small for requested image. Flavor disk is {20 << 30} bytes, image is {30 << 30} bytes.")
    demanding = ok(client.post("/_localcloud/images", json={"region": "DFW", "owner": "100001", "name": "d", "min_disk": 30}), 201)["id"]
    fault(create(client, demo, imageRef=demanding), 400, "badRequest", "Flavor's disk is smaller than the minimum size specified in "
          f"image metadata. Flavor disk is {20 << 30} bytes, minimum size is {30 << 30} bytes.")
    queued = ok(client.post("/_localcloud/images", json={"region": "DFW", "owner": "100001", "name": "q", "status": "queued"}), 201)["id"]
    fault(create(client, demo, imageRef=queued), 400, "badRequest", f"Image {queued} is not active.")


def test_boot_from_volume_on_a_zero_disk_flavor(client, demo, clock):
    server_id = created(client, demo, imageRef="", flavorRef="compute1-4", block_device_mapping_v2=[
        {"boot_index": "0", "uuid": UBUNTU_ID, "source_type": "image", "destination_type": "volume", "volume_size": 50}])
    clock.advance(5)
    server = show(client, demo, server_id)
    assert server["status"] == "ACTIVE" and server["image"] == ""


def test_an_image_that_does_not_boot_ends_in_error_with_a_fault(client, demo, clock):
    ok(client.post(f"/_localcloud/images/{CENTOS_ID}/boot", json={"boot": "fail"}))
    server_id = created(client, demo, imageRef=CENTOS_ID)
    clock.advance(5)
    server = show(client, demo, server_id)
    assert server["status"] == "ERROR" and server["OS-EXT-STS:vm_state"] == "error" and "progress" not in server
    assert server["fault"] == {"code": 500, "created": "2026-11-26T12:00:04Z",
                               "message": f"Build of instance {server_id} aborted: Failed to boot the guest: no bootable device"}
    console = ok(action(client, demo, server_id, {"os-getConsoleOutput": {"length": 1}}))["output"]
    assert console == "[    1.204600] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
    actions = ok(client.get(f"{COMPUTE}/servers/{server_id}/os-instance-actions", headers=demo))["instanceActions"]
    assert [(entry["action"], entry["message"]) for entry in actions] == [("create", "Error")]
    detail = ok(client.get(f"{COMPUTE}/servers/{server_id}/os-instance-actions/{actions[0]['request_id']}", headers=demo))["instanceAction"]
    assert detail["events"][0]["result"] == "Error" and detail["events"][0]["event"] == "compute__do_build_and_run_instance"
    assert client.post(f"/_localcloud/images/{CENTOS_ID}/boot", json={"boot": "maybe"}).status_code == 400


# rebuild, stop, start, delete

def test_rebuild_keeps_id_and_addresses_and_takes_the_new_image(client, demo, clock):
    server_id = created(client, demo)
    clock.advance(5)
    before = show(client, demo, server_id)
    response = action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID, "name": "rebuilt", "adminPass": "pass-SECRET-1"}})
    body = ok(response, 202)["server"]
    assert body["id"] == server_id and body["image"]["id"] == CENTOS_ID and body["status"] == "REBUILD" and body["progress"] == 0
    assert body["adminPass"] == "pass-SECRET-1" and body["name"] == "rebuilt"
    seen = []
    for _second in range(3):
        seen.append(states(show(client, demo, server_id)))
        clock.advance(1)
    assert seen == [("REBUILD", "rebuilding", 0), ("REBUILD", "rebuild_block_device_mapping", 0), ("REBUILD", "rebuild_spawning", 50)]
    after = show(client, demo, server_id)
    assert states(after) == ("ACTIVE", None, 100) and after["addresses"] == before["addresses"] and after["image"]["id"] == CENTOS_ID


def test_rebuild_of_a_stopped_server_ends_shutoff_and_stop_start_work(client, demo, clock):
    server_id = created(client, demo)
    clock.advance(5)
    assert ok(action(client, demo, server_id, {"os-stop": None}), 202) is None
    assert states(show(client, demo, server_id))[:2] == ("ACTIVE", "powering-off")
    clock.advance(1)
    stopped = show(client, demo, server_id)
    assert stopped["status"] == "SHUTOFF" and stopped["OS-EXT-STS:power_state"] == 4
    fault(action(client, demo, server_id, {"os-stop": None}), 409, "conflictingRequest",
          f"Cannot 'stop' instance {server_id} while it is in vm_state stopped")
    ok(action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID}}), 202)
    assert show(client, demo, server_id)["status"] == "REBUILD"
    clock.advance(3)
    assert states(show(client, demo, server_id)) == ("SHUTOFF", None, None)
    ok(action(client, demo, server_id, {"os-start": None}), 202)
    clock.advance(1)
    assert show(client, demo, server_id)["status"] == "ACTIVE"
    actions = ok(client.get(f"{COMPUTE}/servers/{server_id}/os-instance-actions", headers=demo))["instanceActions"]
    assert [entry["action"] for entry in actions] == ["start", "rebuild", "stop", "create"]


def test_rebuild_fields_follow_the_api_version(client, demo, clock, state):
    server_id = created(client, demo)
    fault(action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID}}), 409, "conflictingRequest",
          f"Cannot 'rebuild' instance {server_id} while it is in vm_state building")
    clock.advance(5)
    fault(action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID, "flavorRef": "2"}}), 422, "computeFault",
          "Unable to process the contained instructions")
    fault(action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID, "key_name": "k"}}, {"X-OpenStack-Nova-API-Version": "2.53"}),
          400, "badRequest", "Additional properties are not allowed ('key_name' was unexpected)")
    fault(action(client, demo, server_id, {"rebuild": {"imageRef": "0b0b0b0b-0000-4000-8000-000000000000"}}), 400, "badRequest",
          "Cannot find image for rebuild")
    fault(action(client, demo, server_id, {"rebuild": {"name": "x"}}), 400, "badRequest", "Could not parse imageRef from request.")
    ok(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "k", "public_key": public_key()}}))
    ok(action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID, "key_name": "k"}}, {"OpenStack-API-Version": "compute 2.54"}), 202)
    assert state.servers["DFW"][server_id].key_name == "k"


def test_delete_answers_204_then_the_server_is_gone(client, demo, clock):
    server_id = created(client, demo)
    clock.advance(5)
    response = client.delete(f"{COMPUTE}/servers/{server_id}", headers=demo)
    assert response.status_code == 204 and response.get_data() == b""
    assert show(client, demo, server_id)["OS-EXT-STS:task_state"] == "deleting"
    assert client.delete(f"{COMPUTE}/servers/{server_id}", headers=demo).status_code == 204
    clock.advance(2)
    fault(client.get(f"{COMPUTE}/servers/{server_id}", headers=demo), 404, "itemNotFound", "Instance could not be found")
    assert server_id not in [entry["id"] for entry in ok(client.get(f"{COMPUTE}/servers", headers=demo))["servers"]]
    changed = ok(client.get(f"{COMPUTE}/servers/detail?changes-since=2026-11-26T12:00:06Z", headers=demo))["servers"]
    assert [(entry["id"], entry["status"], entry["addresses"]) for entry in changed] == [(server_id, "DELETED", {})]
    assert ok(client.get(f"{COMPUTE}/servers?changes-since=2026-11-26T12:00:08", headers=demo))["servers"] == []
    fault(client.get(f"{COMPUTE}/servers?changes-since=yesterday", headers=demo), 400, "badRequest", "Invalid changes-since value")


def test_console_output_length(client, demo, clock):
    server_id = created(client, demo)
    clock.advance(5)
    whole = ok(action(client, demo, server_id, {"os-getConsoleOutput": {}}))["output"].splitlines()
    assert f"localcloud: server {server_id} (verify-1) boots image {UBUNTU_ID}" in whole[2]
    assert whole[-1].endswith("Started ssh.service - OpenBSD Secure Shell server.")
    assert ok(action(client, demo, server_id, {"os-getConsoleOutput": {"length": "2"}}))["output"].splitlines() == whole[-2:]
    assert ok(action(client, demo, server_id, {"os-getConsoleOutput": {"length": -1}}))["output"].splitlines() == whole
    assert action(client, demo, server_id, {"os-getConsoleOutput": {"length": "x"}}).status_code == 400


# flavors and key pairs

def test_flavors_in_every_region(client, demo):
    for region in ("DFW", "ORD", "IAD"):
        flavors = ok(client.get(f"/regions/{region}/compute/v2/100001/flavors/detail", headers=demo))["flavors"]
        assert {flavor["id"] for flavor in flavors} >= {"2", "general1-1", "compute1-4", "memory1-15", "io1-15"}
    general = ok(client.get(f"{COMPUTE}/flavors/general1-2", headers=demo))["flavor"]
    assert {key: general[key] for key in ("name", "ram", "disk", "vcpus", "swap", "rxtx_factor", "OS-FLV-EXT-DATA:ephemeral")} == {
        "name": "2 GB General Purpose v1", "ram": 2048, "disk": 40, "vcpus": 2, "swap": "", "rxtx_factor": 400.0,
        "OS-FLV-EXT-DATA:ephemeral": 0}
    assert general["OS-FLV-WITH-EXT-SPECS:extra_specs"]["class"] == "general1"
    assert ok(client.get(f"{COMPUTE}/flavors/memory1-30/os-extra_specs", headers=demo))["extra_specs"]["class"] == "memory1"
    big = ok(client.get(f"{COMPUTE}/flavors?minRam=100000&minDisk=1", headers=demo))["flavors"]
    assert [flavor["id"] for flavor in big] == ["io1-120"]
    fault(client.get(f"{COMPUTE}/flavors/nope", headers=demo), 404, "itemNotFound", "Flavor nope could not be found.")


def public_key(directory=None):
    """A fresh OpenSSH public key (and its private key file when ``directory`` is given)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(directory or scratch, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True)
        with open(path + ".pub", encoding="ascii") as handle:
            return handle.read().strip()


def test_key_pairs_generate_import_list_delete(client, demo):
    made = ok(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "made"}}))["keypair"]
    assert made["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----") and made["public_key"].startswith("ssh-rsa ")
    assert len(made["fingerprint"].split(":")) == 16 and made["user_id"] == DEMO["user_id"]
    key = public_key()
    imported = ok(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "mine", "public_key": key}}))["keypair"]
    assert "private_key" not in imported and imported["public_key"] == key
    fault(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "mine", "public_key": key}}), 409,
          "conflictingRequest", "Key pair 'mine' already exists.")
    fault(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "bad", "public_key": "ssh-rsa AAAA"}}), 400,
          "badRequest", "Keypair data is invalid: failed to generate fingerprint")
    listed = ok(client.get(f"{COMPUTE}/os-keypairs", headers=demo))["keypairs"]
    assert sorted(entry["keypair"]["name"] for entry in listed) == ["made", "mine"]
    assert ok(client.get("/regions/ORD/compute/v2/100001/os-keypairs", headers=demo))["keypairs"] == []
    assert ok(client.get(f"{COMPUTE}/os-keypairs/mine", headers=demo))["keypair"]["fingerprint"] == imported["fingerprint"]
    assert client.delete(f"{COMPUTE}/os-keypairs/mine", headers=demo).status_code == 202
    fault(client.get(f"{COMPUTE}/os-keypairs/mine", headers=demo), 404, "itemNotFound", f"Keypair mine not found for user {DEMO['user_id']}")


# rate limits

def test_rate_limits_are_off_by_default_then_per_account_and_per_window(client, demo, clock):
    for _request in range(5):
        ok(client.get(f"{COMPUTE}/flavors", headers=demo))
    rules = [dict(rule, value=2) if rule["method"] == "GET" else rule for rule in RACKSPACE_RATE_LIMITS]
    ok(client.post("/_localcloud/config", json={"rate_limits": rules}))
    ok(client.get(f"{COMPUTE}/flavors", headers=demo))
    ok(client.get(f"{COMPUTE}/servers", headers=demo))
    clock.advance(10)
    response = client.get(f"{COMPUTE}/flavors", headers=demo)
    assert response.status_code == 413 and response.headers["Retry-After"] == "50"
    assert response.get_json() == {"overLimit": {"code": 413, "message": "OverLimit Retry...", "retryAt": "2026-11-26T12:01:00Z",
                                                 "details": "Only 2 GET request(s) can be made to * every MINUTE."}}
    consumer = headers_for(client, CONSUMER)
    ok(client.get("/regions/DFW/compute/v2/100002/flavors", headers=consumer))
    ok(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "k", "public_key": public_key()}}))
    clock.advance(50)
    limits = ok(client.get(f"{COMPUTE}/limits", headers=demo))["limits"]["rate"]
    assert limits[0]["limit"][0] == {"verb": "GET", "value": 2, "remaining": 1, "unit": "MINUTE", "next-available": "2026-11-26T12:01:00Z"}
    assert client.post("/_localcloud/config", json={"rate_limits": [{"method": "GET"}]}).status_code == 400


def test_rackspace_post_limit_in_scaled_minutes_and_request_times_on_the_cloud_clock(client, demo, clock):
    """Rackspace's table at time_scale 0.01: 100 POSTs per 0.6 wall seconds; the 101st is refused as faults.rst shows, and
    the request log's times (the cloud's clock) let a benchmark count POSTs per window."""
    ok(client.post("/_localcloud/config", json={"rate_limits": RACKSPACE_RATE_LIMITS, "time_scale": 0.01}))
    client.delete("/_localcloud/requests")
    start = clock.now.timestamp()
    keypair = {"keypair": {"name": "k", "public_key": public_key()}}
    for _post in range(100):
        assert client.post(f"{COMPUTE}/os-keypairs", headers=demo, json=keypair).status_code in (200, 409)
    clock.advance(0.25)
    response = client.post(f"{COMPUTE}/os-keypairs", headers=demo, json=keypair)
    assert response.status_code == 413 and response.headers["Retry-After"] == "1"
    assert response.get_json() == {"overLimit": {"code": 413, "message": "OverLimit Retry...", "retryAt": "2026-11-26T12:00:00Z",
                                                 "details": "Only 100 POST request(s) can be made to * every MINUTE."}}
    clock.advance(0.36)  # the window (0.6 s) after the first POST has passed
    assert client.post(f"{COMPUTE}/os-keypairs", headers=demo, json=keypair).status_code == 409
    posts = [entry for entry in client.get("/_localcloud/requests").get_json()["requests"] if entry["method"] == "POST"]
    assert [(entry["status"], round(entry["time"] - start, 2)) for entry in posts[99:]] == [(409, 0), (413, 0.25), (409, 0.61)]
    assert [entry.get("rate_limited", False) for entry in posts[99:]] == [False, True, False], "the log tells a rate refusal apart"


def test_server_creates_per_day(client, demo, clock):
    ok(client.post("/_localcloud/config", json={"rate_limits": [dict(RACKSPACE_RATE_LIMITS[2], value=1)]}))
    created(client, demo)
    response = create(client, demo, name="second")
    assert response.status_code == 413 and response.headers["Retry-After"] == "86400"
    ok(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "k", "public_key": public_key()}}))


# guests: a real sshd on each ACTIVE server's address

@pytest.fixture
def guest_state(clock):
    cloud_state = CloudState(default_seed(), clock=clock, config={"server_phase_seconds": PHASES})
    yield cloud_state
    cloud_state.close()


def ssh(state, address, key_file, command="echo $OPENCLOUD_SERVER_ID $OPENCLOUD_IMAGE_ID"):
    return subprocess.run(["ssh", "-i", key_file, "-p", str(state.guests.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                           "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
                           f"{state.guests.user}@{address}", command], capture_output=True, text=True, timeout=30, check=False)


def refused(address, port):
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((address, port)) != 0


def test_active_servers_answer_ssh_with_their_key_and_stop_answering(guest_state, clock, tmp_path):
    client = create_app(guest_state).test_client()
    demo = headers_for(client, DEMO)
    key = public_key(str(tmp_path))
    ok(client.post(f"{COMPUTE}/os-keypairs", headers=demo, json={"keypair": {"name": "verify", "public_key": key}}))
    server_id = created(client, demo, key_name="verify")
    address = show(client, demo, server_id)["accessIPv4"]
    assert refused(address, guest_state.guests.port)  # still building
    clock.advance(5)
    assert show(client, demo, server_id)["status"] == "ACTIVE"
    login = ssh(guest_state, address, str(tmp_path / "id_ed25519"))
    assert login.returncode == 0 and login.stdout.split() == [server_id, UBUNTU_ID], login.stderr
    console = ok(action(client, demo, server_id, {"os-getConsoleOutput": {}}))["output"]
    assert f"Server listening on {address} port {guest_state.guests.port}." in console
    pid = guest_state.guests.processes[server_id].pid
    ok(action(client, demo, server_id, {"rebuild": {"imageRef": CENTOS_ID}}), 202)
    assert refused(address, guest_state.guests.port)
    clock.advance(3)
    assert show(client, demo, server_id)["status"] == "ACTIVE"  # the guest boots when the state is next read
    assert ssh(guest_state, address, str(tmp_path / "id_ed25519")).stdout.split() == [server_id, CENTOS_ID]
    assert guest_state.guests.processes[server_id].pid != pid
    guest_state.reset()
    assert refused(address, guest_state.guests.port) and not guest_state.guests.processes
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_an_image_that_boots_without_ssh_is_active_but_refuses(guest_state, clock):
    client = create_app(guest_state).test_client()
    demo = headers_for(client, DEMO)
    ok(client.post(f"/_localcloud/images/{CENTOS_ID}/boot", json={"boot": "no-ssh"}))
    silent = created(client, demo, imageRef=CENTOS_ID)
    answering = created(client, demo, name="verify-2")
    clock.advance(5)
    silent_server, answering_server = show(client, demo, silent), show(client, demo, answering)
    assert silent_server["status"] == answering_server["status"] == "ACTIVE"
    assert refused(silent_server["accessIPv4"], guest_state.guests.port)
    assert not refused(answering_server["accessIPv4"], guest_state.guests.port)
    guests = ok(client.get("/_localcloud/state"))["guests"]
    assert guests["servers"][answering]["listening"] and not guests["servers"][silent]["listening"]
    ok(action(client, demo, answering, {"os-stop": None}), 202)
    clock.advance(1)
    assert refused(answering_server["accessIPv4"], guest_state.guests.port)
