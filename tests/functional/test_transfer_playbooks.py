"""image_transfer and image_import through ansible-playbook against the local cloud (demo's DFW and ORD).

The local cloud's export task writes a 3 MiB + 512 byte VHD as a DLO of 1 MiB segments (4 segments);
its tasks take 0.3 s per phase, so the tests poll every 0.2 s.
"""

import re
import uuid

import pytest

from localcloud import vhd
from playbook_support import control, play

FILES_ACCOUNT = "MossoCloudFS_100001"
FAST = {"task_poll_interval": 0.2}


def transfer(title, **options):
    return {"name": title, "opencloud.images.image_transfer": dict(FAST, **options)}


def own_image(cloud, **fields):
    body = dict({"com.rackspace__1__options": "0", "os_type": "linux", "app": "shop"}, region="DFW", owner="100001",
                name="xfer-%s" % uuid.uuid4().hex[:8], tags=["web"])
    body.update(fields)
    return control(cloud, "POST", "images", json=body)


def objects(cloud, region):
    """Every object of demo's Cloud Files in a region: what a transfer leaves behind."""
    listing = control(cloud, "GET", "objects", params={"region": region, "account": FILES_ACCOUNT})
    return sorted("%s/%s" % (c["name"], o["name"]) for c in listing["containers"] for o in c["objects"])


def copies_of(cloud, image_id, region="ORD"):
    images = control(cloud, "GET", "state")["images"].get(region, {})
    return [i for i in images.values() if i.get("opencloud.images.source_image") == image_id]


def tasks(cloud):
    return control(cloud, "GET", "state")["tasks"]


@pytest.fixture(autouse=True)
def clean_files(localcloud):
    """Each test starts with empty Cloud Files and no queued faults."""
    control(localcloud, "DELETE", "faults")
    yield
    control(localcloud, "DELETE", "faults")


def test_an_image_moves_to_another_region_once_and_leaves_nothing_behind(localcloud, playbook):
    image = own_image(localcloud)
    before = (objects(localcloud, "DFW"), objects(localcloud, "ORD"))
    run = playbook(play(localcloud,
                        dict(transfer("check", image=image["name"], target_region="ORD"), check_mode=True),
                        transfer("copy", image=image["name"], target_region="ORD", properties={"tier": "gold"}),
                        transfer("again", image=image["id"], target_region="ORD")), args=["--diff"])
    assert run.rc == 0, run.output
    results = run.results()
    assert results["check"]["changed"] and "image_id" not in results["check"]
    copy = results["copy"]
    assert copy["changed"] and copy["method"] == "tasks" and copy["left"] == []
    assert copy["transferred"]["segments_total"] == 4 and copy["transferred"]["manifest"] == "slo"
    # workers unset: chosen from the round trip to ORD (loopback: at most 4 streams needed), so the floor of 4.
    assert copy["transferred"]["workers"] == 4
    assert re.fullmatch(r"ceil\(1 Gbit/s assumed x \d+\.\d ms round trip / \d+\.\d MiB window \(.+\)\) = [1-4](, at least 4)?",
                        copy["transferred"]["workers_reason"]), copy["transferred"]["workers_reason"]
    new = copy["image"]
    assert new["status"] == "active" and new["name"] == image["name"] and new["tags"] == ["web"]
    assert (new["opencloud.images.source_image"], new["opencloud.images.source_region"]) == (image["id"], "DFW")
    assert (new["app"], new["tier"]) == ("shop", "gold")
    assert not results["again"]["changed"] and results["again"]["image_id"] == new["id"]
    assert [c["id"] for c in copies_of(localcloud, image["id"])] == [new["id"]]
    assert (objects(localcloud, "DFW"), objects(localcloud, "ORD")) == before, "export and copy are cleaned up"


def test_a_windows_image_is_refused_before_anything_is_done(localcloud, playbook):
    image = own_image(localcloud, os_type="windows", **{"com.rackspace__1__options": "1"})
    known = len(tasks(localcloud))
    run = playbook(play(localcloud, transfer("copy", image=image["id"], target_region="ORD")))
    assert run.rc != 0
    result = run.results()["copy"]
    assert result["option"] == "image" and "cannot be exported" in result["msg"] and "image_share" in result["msg"]
    assert len(tasks(localcloud)) == known and copies_of(localcloud, image["id"]) == []


def segment_fault(cloud, segment, **fault):
    """A fault on the GET of one segment of the export in DFW."""
    control(cloud, "POST", "faults", json=dict(fault, method="GET",
                                               path_regex=r"^/regions/DFW/object-store/.*\.vhd-%05d$" % segment))


def test_a_damaged_segment_is_sent_again(localcloud, playbook):
    image = own_image(localcloud)
    segment_fault(localcloud, 2, corrupt=True, count=1)
    segment_fault(localcloud, 3, reset_after_bytes=4096, count=1)
    run = playbook(play(localcloud, transfer("copy", image=image["id"], target_region="ORD", workers=2)))
    assert run.rc == 0, run.output
    transferred = run.results()["copy"]["transferred"]
    assert transferred["repeats"] == 2
    assert (transferred["workers"], transferred["workers_reason"]) == (2, "the workers option")
    assert len(copies_of(localcloud, image["id"])) == 1


def test_a_failed_copy_says_what_it_left_and_the_next_run_resumes(localcloud, playbook):
    image = own_image(localcloud)
    segment_fault(localcloud, 3, corrupt=True, count=3)
    failed = playbook(play(localcloud, transfer("copy", image=image["id"], target_region="ORD")))
    assert failed.rc != 0
    message = failed.results()["copy"]["msg"]
    assert "Segment 3" in message and "failed 3 times" in message and "Left for a new run to resume" in message
    assert "%s.vhd" % image["id"] in " ".join(objects(localcloud, "DFW")), "the export stays for the next run"
    assert copies_of(localcloud, image["id"]) == []
    exports = sum(1 for t in tasks(localcloud) if t["type"] == "export" and t["input"]["image_uuid"] == image["id"])
    run = playbook(play(localcloud, transfer("copy", image=image["id"], target_region="ORD")))
    assert run.rc == 0, run.output
    result = run.results()["copy"]
    assert (result["transferred"]["segments_sent"], result["transferred"]["segments_skipped"]) == (1, 3)
    assert any("reused" in step for step in result["steps"])
    assert sum(1 for t in tasks(localcloud) if t["type"] == "export" and t["input"]["image_uuid"] == image["id"]) == exports
    assert len(copies_of(localcloud, image["id"])) == 1


def test_an_unknown_target_region_names_the_regions_there_are(localcloud, playbook):
    image = own_image(localcloud)
    run = playbook(play(localcloud, transfer("copy", image=image["id"], target_region="SYD")))
    assert run.rc != 0
    result = run.results()["copy"]
    assert result["option"] == "target_region" and "DFW, IAD, ORD" in result["msg"]


def fixed_vhd(path, data_bytes=2 * 1024 * 1024):
    """A fixed VHD the platform takes (the local cloud's own generator: data, then a valid footer)."""
    with open(path, "wb") as handle:
        for chunk in vhd.fixed_disk_chunks(str(path), data_bytes):
            handle.write(chunk)
    return str(path)


def test_a_vhd_is_imported_once_and_an_iso_is_refused(localcloud, playbook, tmp_path):
    disk = fixed_vhd(tmp_path / "appliance.vhd")
    iso = tmp_path / "install.iso"
    iso.write_bytes(b"\0" * 32769 + b"CD001" + b"\0" * 4000)
    name = "imported-%s" % uuid.uuid4().hex[:8]
    before = objects(localcloud, "DFW")
    run = playbook(play(localcloud,
                        {"name": "import", "opencloud.images.image_import": dict(
                            FAST, path=disk, name=name, segment_size=1, properties={"vm_mode": "hvm"}, tags=["appliance"])},
                        {"name": "again", "opencloud.images.image_import": dict(FAST, path=disk, name=name, segment_size=1)}))
    assert run.rc == 0, run.output
    results = run.results()
    image = results["import"]["image"]
    assert results["import"]["changed"] and image["status"] == "active" and image["name"] == name
    assert (image["vm_mode"], image["tags"]) == ("hvm", ["appliance"])
    assert results["import"]["vhd"]["disk_type"] == "fixed" and results["import"]["upload"]["segments_total"] == 3
    assert not results["again"]["changed"] and results["again"]["image_id"] == image["id"]
    assert objects(localcloud, "DFW") == before, "the upload is cleaned up"
    state = control(localcloud, "GET", "state")
    refused = playbook(play(localcloud, {"name": "iso", "opencloud.images.image_import": dict(FAST, path=str(iso), name=name)}))
    assert refused.rc != 0
    result = refused.results()["iso"]
    assert result["option"] == "path" and "ISO files cannot be imported" in result["msg"]
    after = control(localcloud, "GET", "state")
    assert (after["images"], after["tasks"]) == (state["images"], state["tasks"])
