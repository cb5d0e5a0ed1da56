"""The demo's main job (playbooks/create_image.yml) with the role's default waits, against the platform's realistic durations.

The local cloud runs the ``realistic`` timing profile (an image of 40 minutes) at ``TIME_SCALE``, so that the run takes
about a minute, mostly sleeping. Scaling the cloud alone proves nothing about the collection's defaults: they poll after
10 s, then 1.5 times later each time up to every 60 s, of real time, so a 48-second image gets 6 polls and a wait of 81 s,
40 % of it the collection's own last interval, and a timeout of 10 minutes, far too short for a real image, passes. Nor
should the defaults adapt to a test: a real image gives no hint of how long it will take. So the collection's clock is
scaled too, by the same factor, from outside: the modules run in a Python under libfaketime (Debian's ``libfaketime``,
``LD_PRELOAD`` and ``FAKETIME="+0 x50"``), whose clocks, sleeps and socket timeouts all run 50 times faster. Every default
interval, backoff and timeout of the shipped code then meets the realistic durations unchanged, and nothing in the
collection knows it is tested. ansible-playbook itself keeps the real clock (its internal polling would spin 50 times faster).
"""

import glob
import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from localcloud.servers import TIMING_PROFILES
from playbook_support import DEMO_API_KEY, control

TIME_SCALE = 0.02
IMAGE_SECONDS = sum(TIMING_PROFILES["realistic"]["image_phase_seconds"].values())  # emulated: 2400
TESTS = Path(__file__).resolve().parents[1]
CREATE = "Create the image from the controller"


@pytest.fixture
def realistic_cloud(tmp_path):
    """``python -m localcloud --timing realistic --time-scale 0.02``, as the demo starts the local cloud, on a port of its own."""
    port_file, log = tmp_path / "localcloud.json", tmp_path / "localcloud.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "localcloud", "--port", "0", "--port-file", str(port_file), "--quiet",
                                    "--timing", "realistic", "--time-scale", str(TIME_SCALE)], env={"PYTHONPATH": str(TESTS)}, stderr=stderr)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_file.exists(), "the local cloud did not start: " + log.read_text()
        yield SimpleNamespace(url=json.loads(port_file.read_text())["url"])
    finally:
        process.terminate()
        process.wait(timeout=10)


def scaled_clock_python(tmp_path, speed):
    """A Python interpreter whose clocks, sleeps and timeouts run ``speed`` times faster (libfaketime, Debian's libfaketime)."""
    libraries = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    if not libraries:
        pytest.fail("libfaketime is not installed: apt-get install libfaketime")
    wrapper = tmp_path / ("python-x%d" % speed)
    wrapper.write_text('#!/bin/sh\nLD_PRELOAD=%s FAKETIME="+0 x%d" exec %s "$@"\n' % (libraries[0], speed, sys.executable))
    wrapper.chmod(0o755)
    return wrapper


def test_main_job_converges_with_default_waits_on_realistic_durations(realistic_cloud, playbook, tmp_path):
    config = control(realistic_cloud, "GET", "config")
    assert (config["timing"], config["time_scale"]) == ("realistic", TIME_SCALE)
    env = {"RAX_AUTH_URL": realistic_cloud.url + "/identity/v2.0", "RAX_USERNAME": "demo", "RAX_API_KEY": DEMO_API_KEY,
           "RAX_REGION": "DFW"}
    # scripts/demo.sh's first command, less its poll interval of 1 s: the role's defaults for every wait.
    args = ["-i", "web01,", "-e", "target=web01", "-e", "ansible_connection=local", "-e", "server_image_mysql=never",
            "-e", "server_image_postgresql=never", "-e", "server_image_keep=7",
            "-e", "ansible_python_interpreter=%s" % scaled_clock_python(tmp_path, round(1 / TIME_SCALE))]
    started = time.monotonic()
    run = playbook("- ansible.builtin.import_playbook: opencloud.images.create_image\n", env=env, args=args)
    wall = time.monotonic() - started
    assert run.rc == 0, run.output
    created = run.results()[CREATE]
    requests = [entry for entry in control(realistic_cloud, "GET", "requests")["requests"] if entry["service"] != "control"]
    image_polls = [entry for entry in requests if entry["method"] == "GET" and entry["path"].endswith("/images/" + created["image_id"])]
    posts = [entry for entry in requests if entry["method"] == "POST"]
    print("\nwall %.1f s, waited %s emulated s, phases %s, %d image polls, %d requests, POSTs %s"
          % (wall, created["waited"], [(p["phase"], p["after"]) for p in created["phases"]], len(image_polls), len(requests),
             [(p["service"], p["status"]) for p in posts]))

    # What breaks this test: a role default timeout of 600 s ("Timed out after 600 s waiting for image"), polls every 1-2 s
    # (1015 polls), or the modules on the real clock (the wait is over after 81 s instead of 40 minutes).
    assert created["action"] == "created" and created["attempts"] == 1 and created["image"]["status"] == "active"
    # The modules lived through the realistic durations: the image was done 40 emulated minutes after it was asked for,
    # and the wait saw it within 10 minutes of that (the defaults' longest interval is 1 minute).
    assert IMAGE_SECONDS * 0.95 <= created["waited"] <= IMAGE_SECONDS + 600, created["phases"]
    assert [phase["phase"] for phase in created["phases"]][-2:] == ["uploading", "done"]
    assert created["phases"][-1]["after"] >= IMAGE_SECONDS * 0.95
    # Polling stays gentle: on average no more than once per 30 s (the platform's own advice for tasks), and in all
    # hardly more requests than polls (a login, a server lookup, the request, retention).
    assert 0 < len(image_polls) <= IMAGE_SECONDS / 30
    assert len(requests) <= len(image_polls) + 20
    # One login, one createImage, and no POST refused (409 busy, 413 overLimit) for being sent again while waiting.
    assert [entry["service"] for entry in posts] == ["identity", "compute"], posts
    assert all(entry["status"] < 400 for entry in posts), posts
