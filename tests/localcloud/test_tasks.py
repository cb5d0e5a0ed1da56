"""Tests of the local cloud's Glance tasks (export to and import from Cloud Files), over real HTTP with a stepped clock
(run: ``PYTHONPATH=tests python -m pytest tests/localcloud``)."""

import json
import os
from datetime import timedelta

import pytest
import requests

from localcloud import vhd
from localcloud.seed import UBUNTU, WINDOWS, stable_id
from localcloud.server import LocalCloud
from localcloud.servers import DEFAULT_CONFIG, GIB, MIB
from localcloud.state import isotime
from localcloud.test_compute import FakeClock
from localcloud.test_localcloud import CONSUMER, DEMO
from localcloud.test_object_store import Files, control, md5, token_for

PHASES = {"pending": 1, "processing": 5}
EXPORT_BYTES = DEFAULT_CONFIG["export_image_bytes"]
WEB01 = "web01-2026-11-20"  # demo's Ubuntu snapshot in DFW
DC01 = "dc01-2026-11-21"  # demo's Windows snapshot in DFW


class Images:
    """Requests to one region's image service with a token."""

    def __init__(self, url, token, region="DFW"):
        self.base = f"{url}/regions/{region}/image/v2"
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": token, "Accept": "application/json"})

    def __call__(self, method, path, **kwargs):
        return self.session.request(method, self.base + path, timeout=30, **kwargs)

    def post_task(self, task_type, **task_input):
        return self("POST", "/tasks", json={"type": task_type, "input": task_input})

    def task(self, task_id):
        response = self("GET", f"/tasks/{task_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def image_named(self, name):
        return next(image for image in self("GET", "/images", params={"limit": 100}).json()["images"] if image["name"] == name)


@pytest.fixture(scope="module")
def clock():
    return FakeClock()


@pytest.fixture(scope="module")
def cloud(clock):
    with LocalCloud(clock=clock) as running:
        yield running


@pytest.fixture
def lc(cloud):
    """The running local cloud, reset, with task phases of 1 and 5 seconds."""
    control(cloud, "POST", "reset")
    control(cloud, "POST", "config", json={"task_phase_seconds": PHASES})
    return cloud


@pytest.fixture
def demo(lc):
    return Images(lc.url, token_for(lc.url, DEMO))


@pytest.fixture
def files(lc, demo):
    return Files(lc.url, demo.session.headers["X-Auth-Token"])


def finish(clock, images, task_id):
    """Step the clock past both phases; the finished task."""
    clock.advance(sum(PHASES.values()))
    return images.task(task_id)


def export(clock, demo, files, image_name=WEB01, container="exports"):
    files.put(f"/{container}")
    created = demo.post_task("export", image_uuid=demo.image_named(image_name)["id"], receiving_swift_container=container)
    assert created.status_code == 201, created.text
    return finish(clock, demo, created.json()["id"])


def vhd_bytes(virtual_size=4096):
    """A valid fixed VHD: pseudo-random data, then its footer."""
    return b"".join(vhd.fixed_disk_chunks("disk", virtual_size))


def import_task(clock, images, import_from, name="imported", **extra):
    created = images.post_task("import", import_from=import_from, import_from_format="vhd", image_properties={"name": name, **extra})
    assert created.status_code == 201, created.text
    return finish(clock, images, created.json()["id"])


# the task entity and its phases

def test_a_task_moves_on_with_the_clock(lc, demo, files, clock):
    files.put("/exports")
    image_id = demo.image_named(WEB01)["id"]
    created = demo.post_task("export", image_uuid=image_id, receiving_swift_container="exports")
    assert created.status_code == 201
    task = created.json()
    assert created.headers["Location"] == f"{lc.url}/regions/DFW/image/v2/tasks/{task['id']}"
    start = isotime(clock.now)
    assert task == {"id": task["id"], "type": "export", "status": "pending", "owner": "100001", "input": {
        "image_uuid": image_id, "receiving_swift_container": "exports"}, "result": None, "message": "", "created_at": start,
        "updated_at": start, "self": f"/v2/tasks/{task['id']}", "schema": "/v2/schemas/task"}
    clock.advance(1)
    processing = demo.task(task["id"])
    assert (processing["status"], processing["message"], processing["updated_at"]) == ("processing", "", isotime(clock.now))
    assert "expires_at" not in processing
    clock.advance(4.9)
    assert demo.task(task["id"])["status"] == "processing"
    clock.advance(0.2)
    done = demo.task(task["id"])
    end = clock.now - timedelta(seconds=0.1)
    assert (done["status"], done["message"], done["result"]) == ("success", "None", {"export_location": f"exports/{image_id}.vhd"})
    assert (done["updated_at"], done["expires_at"]) == (isotime(end), isotime(end + timedelta(hours=48)))


def test_finished_tasks_expire_after_48_hours(lc, demo, files, clock):
    task = export(clock, demo, files)
    clock.advance(48 * 3600 - 1)
    demo, files = Images(lc.url, token_for(lc.url, DEMO)), Files(lc.url, token_for(lc.url, DEMO))  # tokens last a day
    assert demo.task(task["id"])["status"] == "success"
    clock.advance(1)
    assert demo("GET", f"/tasks/{task['id']}").status_code == 404
    assert demo("GET", "/tasks").json()["tasks"] == []
    assert files("HEAD", f"/exports/{task['input']['image_uuid']}.vhd").status_code == 200  # what it made stays


def test_tasks_are_listed_as_stubs_with_filters(lc, demo, files, clock):
    files.put("/exports")
    first = export(clock, demo, files)
    failed = finish(clock, demo, demo.post_task("export", image_uuid="nope", receiving_swift_container="exports").json()["id"])
    pending = demo.post_task("import", import_from="exports/x.vhd", image_properties={"name": "x"}).json()
    listing = demo("GET", "/tasks").json()
    assert (listing["schema"], listing["first"]) == ("/v2/schemas/tasks", "/v2/tasks")
    assert [task["id"] for task in listing["tasks"]] == [pending["id"], failed["id"], first["id"]]
    assert set(listing["tasks"][1]) == {"id", "type", "status", "owner", "created_at", "updated_at", "expires_at", "self", "schema"}
    assert "expires_at" not in listing["tasks"][0]

    def ids(**params):
        return [task["id"] for task in demo("GET", "/tasks", params=params).json()["tasks"]]

    assert ids(type="export") == [failed["id"], first["id"]]
    assert ids(status="failure") == [failed["id"]]
    assert ids(type="import", status="pending") == [pending["id"]]
    page = demo("GET", "/tasks", params={"limit": 2}).json()
    assert [task["id"] for task in page["tasks"]] == [pending["id"], failed["id"]]
    assert page["next"] == f"/v2/tasks?limit=2&marker={failed['id']}"
    assert ids(limit=2, marker=failed["id"]) == [first["id"]]
    for params, message in (({"status": "done"}, "Invalid status value: done"), ({"type": "copy"}, "Invalid type value: copy"),
                            ({"limit": "x"}, "limit param must be an integer")):
        refused = demo("GET", "/tasks", params=params)
        assert (refused.status_code, refused.json()["message"].split("<br />")[0]) == (400, message)


def test_other_tenants_and_regions_do_not_see_a_task(lc, demo, files, clock):
    task = export(clock, demo, files)
    consumer = Images(lc.url, token_for(lc.url, CONSUMER))
    missing = consumer("GET", f"/tasks/{task['id']}")
    assert missing.status_code == 404 and f"Task with the given id {task['id']} was not found" in missing.json()["message"]
    assert consumer("GET", "/tasks").json()["tasks"] == []
    other_region = Images(lc.url, demo.session.headers["X-Auth-Token"], region="ORD")
    assert other_region("GET", f"/tasks/{task['id']}").status_code == 404
    assert demo.session.get(demo.base + "/tasks").status_code == 200
    assert requests.get(demo.base + "/tasks", timeout=10).status_code == 401


@pytest.mark.parametrize("body, message", [
    (None, "Body expected in request."),
    ({"input": {}}, "Task 'type' is required"),
    ({"type": "export"}, "Task 'input' is required"),
    ({"type": "copy", "input": {}}, "Provided object does not match schema 'task': 'copy' is not one of ['import', 'export']"),
    ({"type": "export", "input": "x"}, "Provided object does not match schema 'task': 'x' is not of type 'null', 'object'"),
    ({"type": "export", "input": {"receiving_swift_container": "exports"}}, "Input does not contain 'image_uuid' field"),
    ({"type": "export", "input": {"image_uuid": "x"}}, "Input does not contain 'receiving_swift_container' field"),
    ({"type": "export", "input": {"image_uuid": 5, "receiving_swift_container": "exports"}}, "Input field 'image_uuid' must be a string"),
    ({"type": "import", "input": None}, "Input does not contain 'import_from' field"),
    ({"type": "import", "input": {"import_from": "c/o"}}, "Input does not contain 'image_properties' field"),
    ({"type": "import", "input": {"import_from": "c/o", "image_properties": {}}}, "Input does not contain 'image_properties.name' field"),
    ({"type": "export", "input": {"image_uuid": "x", "receiving_swift_container": "my.exports"}},
     "Invalid receiving_swift_container: a container name must not contain '/', '?' or '.'"),
    ({"type": "export", "input": {"image_uuid": "x", "receiving_swift_container": "a/b"}},
     "Invalid receiving_swift_container: a container name must not contain '/', '?' or '.'"),
    ({"type": "export", "input": {"image_uuid": "x", "receiving_swift_container": "what?"}},
     "Invalid receiving_swift_container: a container name must not contain '/', '?' or '.'"),
])
def test_bad_task_bodies_are_400(demo, body, message):
    refused = demo("POST", "/tasks", data=None if body is None else json.dumps(body))
    assert refused.status_code == 400
    assert refused.json() == {"code": "400 Bad Request", "title": "Bad Request", "message": f"{message}<br /><br />\n\n\n"}
    assert demo("GET", "/tasks").json()["tasks"] == []


# export

def _download(files, path):
    response = files("GET", path)
    assert response.status_code == 200, response.text
    return response


def test_export_writes_a_dlo_of_a_fixed_vhd(lc, demo, files, clock):
    image_id = demo.image_named(WEB01)["id"]
    export(clock, demo, files)
    described = control(lc, "GET", "objects", params={"region": "DFW", "account": "MossoCloudFS_100001"})["containers"][0]["objects"]
    assert [(entry["name"], entry["bytes"], entry["kind"]) for entry in described] == [
        (f"{image_id}.vhd", 0, "dlo"), (f"{image_id}.vhd-00001", MIB, "plain"), (f"{image_id}.vhd-00002", MIB, "plain"),
        (f"{image_id}.vhd-00003", MIB, "plain"), (f"{image_id}.vhd-00004", 512, "plain")]
    assert described[0]["manifest"] == f"exports/{image_id}.vhd-"
    image = _download(files, f"/exports/{image_id}.vhd")
    assert (image.headers["X-Object-Manifest"], len(image.content)) == (f"exports/{image_id}.vhd-", EXPORT_BYTES)
    assert image.headers["Etag"] == '"' + md5("".join(entry["md5"] for entry in described[1:]).encode()) + '"'
    footer = vhd.parse_footer(image.content[-512:])
    assert (footer.cookie, footer.disk_type, footer.current_size, footer.checksum_ok) == (b"conectix", vhd.FIXED, EXPORT_BYTES - 512, True)
    assert footer.unique_id != bytes(16)
    assert image.content == b"".join(vhd.fixed_disk_chunks(image_id, EXPORT_BYTES - 512))[:-512] + image.content[-512:]


def test_exports_differ_per_image_and_follow_the_config(lc, demo, files, clock):
    control(lc, "POST", "config", json={"export_image_bytes": 2 * MIB + 512, "export_segment_bytes": 768 * 1024})
    first = export(clock, demo, files)["input"]["image_uuid"]
    control(lc, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "second", "com.rackspace__1__options": "0"})
    second = export(clock, demo, files, image_name="second")["input"]["image_uuid"]
    segments = {entry["name"]: entry for entry in
                control(lc, "GET", "objects", params={"region": "DFW", "account": "MossoCloudFS_100001"})["containers"][0]["objects"]}
    assert [entry["bytes"] for name, entry in sorted(segments.items()) if name.startswith(f"{first}.vhd-")] == [786432, 786432, 524800]
    assert all(segments[f"{first}.vhd-{number:05d}"]["md5"] != segments[f"{second}.vhd-{number:05d}"]["md5"] for number in (1, 2, 3))
    assert len(_download(files, f"/exports/{second}.vhd").content) == 2 * MIB + 512


def _image_to_export(lc, demo, case):
    if case == "windows":
        return demo.image_named(DC01)["id"]
    if case == "no container":
        return demo.image_named(WEB01)["id"]
    if case == "unknown image":
        return "0b0b0b0b-0000-4000-8000-000000000000"
    if case == "public image":
        return stable_id("image", "DFW", UBUNTU)
    consumers = next(image["id"] for image in lc.state.images["DFW"].values() if image["owner"] == "100002")
    if case == "shared with me":
        lc.state.set_member(consumers, "100001", "accepted")
    return consumers


@pytest.mark.parametrize("case", ["windows", "no container", "unknown image", "public image", "another tenant's image", "shared with me"])
def test_export_failures(lc, demo, files, clock, case):
    files.put("/exports")
    image_id = _image_to_export(lc, demo, case)
    container = "missing" if case == "no container" else "exports"
    task = finish(clock, demo, demo.post_task("export", image_uuid=image_id, receiving_swift_container=container).json()["id"])
    assert (task["status"], task["result"]) == ("failure", None)
    if case == "windows":
        assert task["message"].startswith(f"The image {image_id} cannot be exported")
    elif case == "no container":
        assert task["message"] == "The receiving Swift container missing does not exist"
    else:
        assert task["message"] == f"Requested image for export was not found: {image_id}"
    assert names_in(lc, "exports") == []


def names_in(lc, container, region="DFW", account="MossoCloudFS_100001"):
    described = control(lc, "GET", "objects", params={"region": region, "account": account})["containers"]
    return [entry["name"] for box in described if box["name"] == container for entry in box["objects"]]


def test_windows_base_images_cannot_be_exported_either(lc, demo, files, clock):
    """Public images are not the caller's; a Windows image of the caller's own fails on its options."""
    windows = control(lc, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "mine", "com.rackspace__1__options": "1"})
    files.put("/exports")
    task = finish(clock, demo, demo.post_task("export", image_uuid=windows["id"], receiving_swift_container="exports").json()["id"])
    assert "cannot be exported" in task["message"] and "'1'" in task["message"]
    public = finish(clock, demo, demo.post_task("export", image_uuid=stable_id("image", "DFW", WINDOWS),
                                                receiving_swift_container="exports").json()["id"])
    assert public["message"].startswith("Requested image for export was not found")


# import

def test_import_from_an_exported_dlo(lc, demo, files, clock):
    exported = export(clock, demo, files)
    location = exported["result"]["export_location"]
    data = _download(files, "/" + location).content
    task = import_task(clock, demo, location, name="round trip")
    assert (task["status"], task["message"]) == ("success", "None")
    image = demo.image_named("round trip")
    assert image["id"] == task["result"]["image_id"]
    shown = ("status", "owner", "size", "checksum", "disk_format", "container_format", "visibility", "image_type", "virtual_size")
    assert {key: image[key] for key in shown} == {
        "status": "active", "owner": "100001", "size": EXPORT_BYTES, "checksum": md5(data), "disk_format": "vhd",
        "container_format": "ovf", "visibility": "private", "image_type": "import", "virtual_size": EXPORT_BYTES - 512}


def test_import_from_an_slo_in_another_region(lc, demo, clock):
    token = demo.session.headers["X-Auth-Token"]
    ord_files, ord_images = Files(lc.url, token, region="ORD"), Images(lc.url, token, region="ORD")
    data = vhd_bytes(2 * MIB)
    ord_files.put("/uploads")
    pieces = [data[:MIB], data[MIB:2 * MIB], data[2 * MIB:]]
    for number, piece in enumerate(pieces):
        ord_files.put(f"/uploads/disk.vhd/{number:03d}", piece)
    manifest = [{"path": f"/uploads/disk.vhd/{number:03d}", "etag": md5(piece), "size_bytes": len(piece)}
                for number, piece in enumerate(pieces)]
    assert ord_files("PUT", "/uploads/disk.vhd", params={"multipart-manifest": "put"}, data=json.dumps(manifest)).status_code == 201
    task = import_task(clock, ord_images, "uploads/disk.vhd", name="from ORD")
    assert task["status"] == "success", task["message"]
    image = ord_images.image_named("from ORD")
    assert (image["size"], image["checksum"], image["id"]) == (len(data), md5(data), task["result"]["image_id"])
    assert "from ORD" not in [image["name"] for image in demo("GET", "/images").json()["images"]]


def test_import_of_a_dynamic_disk_whose_footer_copy_leads(lc, demo, files, clock):
    files.put("/uploads")
    footer = vhd.footer(8 * MIB, vhd.DYNAMIC)
    files.put("/uploads/dynamic.vhd", footer + bytes(1536) + b"\xff" * 512)  # footer copy, header, then no footer at the end
    task = import_task(clock, demo, "uploads/dynamic.vhd")
    assert task["status"] == "success", task["message"]
    assert demo.image_named("imported")["virtual_size"] == 8 * MIB


def _broken_footer():
    footer = bytearray(vhd.footer(4096))
    footer[100] ^= 1
    return bytes(footer)


@pytest.mark.parametrize("data, code", [
    (os.urandom(8192), 396),
    (bytes(4096) + vhd.footer(4096, cookie=b"notavhd!"), 396),
    (vhd.footer(4096, vhd.FIXED) + bytes(4096), 396),  # a fixed disk has no footer copy at its start
    (bytes(4096) + _broken_footer(), 111),
    (vhd.footer(4096, vhd.DIFFERENCING) + bytes(4096) + vhd.footer(4096, vhd.DIFFERENCING), 721),
    (bytes(4096) + vhd.footer(4096, 5), 523),
    (bytes(4096) + vhd.footer(161 * GIB), 413),
    (bytes(4096) + vhd.footer(4096, unique_id=bytes(16)), 614),
])
def test_import_checks_the_vhd_footer(lc, demo, files, clock, data, code):
    files.put("/uploads")
    files.put("/uploads/disk.vhd", data)
    task = import_task(clock, demo, "uploads/disk.vhd")
    assert (task["status"], task["result"]) == ("failure", None)
    assert task["message"].startswith(f"{code}: The image cannot be imported.")
    if code == 413:
        assert "exceeds the 160GB limit" in task["message"]
    assert "imported" not in [image["name"] for image in demo("GET", "/images").json()["images"]]


def test_the_virtual_size_limit_follows_the_config(lc, demo, files, clock):
    control(lc, "POST", "config", json={"import_max_virtual_bytes": GIB})
    files.put("/uploads")
    files.put("/uploads/big.vhd", bytes(4096) + vhd.footer(GIB + 512))
    files.put("/uploads/fits.vhd", bytes(4096) + vhd.footer(GIB))
    assert import_task(clock, demo, "uploads/big.vhd")["message"] == (
        "413: The image cannot be imported. The virtual size of the disk exceeds the 1GB limit.")
    assert import_task(clock, demo, "uploads/fits.vhd", name="fits")["status"] == "success"


@pytest.mark.parametrize("import_from, extra, message", [
    ("uploads/missing.vhd", {}, "Image to import was not found in Cloud Files: uploads/missing.vhd"),
    ("nocontainer/disk.vhd", {}, "Image to import was not found in Cloud Files: nocontainer/disk.vhd"),
    ("uploads", {}, "Image to import was not found in Cloud Files: uploads"),
    ("uploads/disk.vhd", {"os_type": "linux"}, "Image property 'os_type' cannot be set on import: name is the only image property allowed"),
])
def test_import_failures_before_reading(lc, demo, files, clock, import_from, extra, message):
    files.put("/uploads")
    files.put("/uploads/disk.vhd", vhd_bytes())
    task = import_task(clock, demo, import_from, **extra)
    assert (task["status"], task["message"]) == ("failure", message)


def test_import_of_another_tenants_object_is_not_found(lc, demo, files, clock):
    consumer_files = Files(lc.url, token_for(lc.url, CONSUMER), tenant="100002")
    consumer_files.put("/uploads")
    consumer_files.put("/uploads/disk.vhd", vhd_bytes())
    task = import_task(clock, demo, "uploads/disk.vhd")
    assert task["message"] == "Image to import was not found in Cloud Files: uploads/disk.vhd"


# the control API

def test_tasks_show_in_the_state_and_go_with_a_reset(lc, demo, files, clock):
    task = export(clock, demo, files)
    described = control(lc, "GET", "state")["tasks"]
    assert [(entry["id"], entry["region"], entry["status"]) for entry in described] == [(task["id"], "DFW", "success")]
    control(lc, "POST", "reset")
    assert control(lc, "GET", "state")["tasks"] == []
    assert control(lc, "GET", "objects", params={"region": "DFW", "account": "MossoCloudFS_100001"})["containers"] == []


@pytest.mark.parametrize("body", [
    {"task_phase_seconds": {"queued": 1}},
    {"task_phase_seconds": {"pending": -1}},
    {"export_image_bytes": 3 * MIB + 100},
    {"export_image_bytes": 512},
    {"export_segment_bytes": 0},
    {"object_max_bytes": "big"},
    {"slo_max_segments": 0},
    {"slo_min_segment_bytes": True},
    {"import_max_virtual_bytes": -1},
])
def test_new_config_keys_are_validated(lc, body):
    response = requests.post(f"{lc.url}/_localcloud/config", json=body, timeout=10)
    assert response.status_code == 400 and "error" in response.json()


def test_config_defaults():
    assert {key: DEFAULT_CONFIG[key] for key in ("object_max_bytes", "slo_max_segments", "slo_min_segment_bytes", "export_image_bytes",
                                                 "export_segment_bytes", "import_max_virtual_bytes")} == {
        "object_max_bytes": 5368709122, "slo_max_segments": 1000, "slo_min_segment_bytes": 1048576, "export_image_bytes": 3 * MIB + 512,
        "export_segment_bytes": MIB, "import_max_virtual_bytes": 160 * GIB}
