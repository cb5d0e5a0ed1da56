"""ansible-playbook killed (SIGKILL, the whole process group) in the middle of a run, then run again.

Each case holds the run at a known point (slow image phases, or a 503 whose Retry-After keeps one request waiting),
kills it there, runs the same play again and checks that it converges: no duplicate image or member, and a transfer
sends again at most the segments that were in flight.
"""

import os
import signal
import subprocess
import time
import uuid

import pytest

from playbook_support import CONSUMER, control, play, playbook_command

MIB = 1024 * 1024


def run_until(tmp_path, text, ready, timeout=60):
    """Start ansible-playbook, wait until ``ready()`` is true, then SIGKILL its whole process group."""
    command, env, _cache, _results = playbook_command(tmp_path, text)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert process.poll() is None, "the play ended (rc %s) before the point where it was to be killed" % process.returncode
            assert time.monotonic() < deadline, "the play never reached the point where it was to be killed"
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def hold(cloud, path_regex, method):
    """The next matching request is answered 503 with a Retry-After of a minute: the client waits there."""
    control(cloud, "POST", "faults", json={"path_regex": path_regex, "method": method, "status": 503,
                                           "headers": {"Retry-After": "60"}, "count": 1})


def requests_log(cloud):
    return control(cloud, "GET", "requests")["requests"]


def images_named(cloud, name, region="DFW"):
    return [i for i in control(cloud, "GET", "state")["images"].get(region, {}).values() if i["name"] == name]


def test_killed_while_waiting_for_an_image_the_next_run_takes_it_over(localcloud, playbook, tmp_path, slow_images):
    name = "killed-wait-%s" % uuid.uuid4().hex[:6]
    create = {"name": "create", "opencloud.images.image_create": {
        "server": "web01", "name": name, "poll_interval": 0.2, "max_poll_interval": 0.5}}
    run_until(tmp_path, play(localcloud, create), lambda: bool(images_named(localcloud, name)))
    made = images_named(localcloud, name)
    assert len(made) == 1 and made[0]["status"] != "active"
    again = playbook(play(localcloud, create))
    assert again.rc == 0, again.output
    result = again.results()["create"]
    assert result["image_id"] == made[0]["id"] and result["action"] in ("waited", "reused")
    assert [i["id"] for i in images_named(localcloud, name)] == [made[0]["id"]]


def test_killed_in_the_middle_of_a_share_the_next_run_finishes_it(localcloud, playbook, tmp_path):
    image = control(localcloud, "POST", "images",
                    json={"region": "DFW", "owner": "100001", "name": "killed-share-%s" % uuid.uuid4().hex[:6]})
    accept = r"^/regions/DFW/image/v2/images/%s/members/100002$" % image["id"]
    hold(localcloud, accept, "PUT")
    share = {"name": "share", "opencloud.images.image_share": {
        "image": image["id"], "members": ["100002"], "consumer": dict(CONSUMER, auth_url=localcloud.url + "/identity/v2.0")}}
    try:
        run_until(tmp_path, play(localcloud, share),
                  lambda: any(r["method"] == "PUT" and r["status"] == 503 and image["id"] in r["path"] for r in requests_log(localcloud)))
    finally:
        control(localcloud, "DELETE", "faults")
    assert control(localcloud, "GET", "state")["members"].get(image["id"]) == {"100002": "pending"}
    again = playbook(play(localcloud, share))
    assert again.rc == 0, again.output
    assert again.results()["share"]["members"] == [{"member_id": "100002", "status": "accepted"}]
    assert control(localcloud, "GET", "state")["members"][image["id"]] == {"100002": "accepted"}


@pytest.fixture
def big_exports(localcloud):
    """Exports of 24 segments, so that a copy can be caught half-way."""
    control(localcloud, "POST", "config", json={"export_image_bytes": 24 * MIB + 512})
    yield
    control(localcloud, "POST", "config", json={"export_image_bytes": 3 * MIB + 512})


def test_killed_during_a_transfer_copy_the_next_run_resends_only_what_was_in_flight(localcloud, playbook, tmp_path, big_exports):
    image = control(localcloud, "POST", "images", json={"region": "DFW", "owner": "100001", "com.rackspace__1__options": "0",
                                                        "name": "killed-copy-%s" % uuid.uuid4().hex[:6]})
    held = r"^/regions/DFW/object-store/v1/MossoCloudFS_100001/image-transfer/%s\.vhd-00012$" % image["id"]
    hold(localcloud, held, "GET")
    copy = {"name": "copy", "opencloud.images.image_transfer": {"image": image["id"], "target_region": "ORD", "workers": 2,
                                                                "task_poll_interval": 0.2}}
    segment_puts = "/regions/ORD/object-store/v1/MossoCloudFS_100001/image-transfer_segments/"

    def held_and_others_done():
        log = requests_log(localcloud)
        return any(r["status"] == 503 and image["id"] in r["path"] for r in log) and \
            sum(1 for r in log if r["method"] == "PUT" and r["path"].startswith(segment_puts) and r["status"] == 201) >= 20
    try:
        run_until(tmp_path, play(localcloud, copy), held_and_others_done)
    finally:
        control(localcloud, "DELETE", "faults")
    again = playbook(play(localcloud, copy))
    assert again.rc == 0, again.output
    result = again.results()["copy"]
    assert result["transferred"]["segments_total"] == 25 and result["transferred"]["segments_skipped"] >= 20
    puts = {}
    for r in requests_log(localcloud):
        if r["method"] == "PUT" and r["path"].startswith(segment_puts) and image["id"] in r["path"]:
            puts[r["path"]] = puts.get(r["path"], 0) + 1
    sent_twice = [path for path, count in puts.items() if count > 1]
    assert len(puts) == 25 and len(sent_twice) <= 2, "at most the 2 segments in flight are sent again: %s" % sent_twice
    exports = [t for t in control(localcloud, "GET", "state")["tasks"] if t["type"] == "export" and t["input"]["image_uuid"] == image["id"]]
    assert len(exports) == 1, "the export of the killed run is reused"
    copies = [i for i in control(localcloud, "GET", "state")["images"]["ORD"].values()
              if i.get("opencloud.images.source_image") == image["id"]]
    assert [c["id"] for c in copies] == [result["image_id"]]
