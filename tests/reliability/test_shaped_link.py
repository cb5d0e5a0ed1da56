"""The benchmarks' shaped link (benchmarks/shaped_link.py) delays and limits what crosses it: a TCP connect takes one
configured round trip, and a stream gets no more than the configured rate.

Needs root, /dev/net/tun and iproute2's `ip netns` (the shaped-link benchmark's own needs); skipped where those are
missing (a container without NET_ADMIN), with the reason.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SHAPED_LINK = Path(__file__).resolve().parents[2] / "benchmarks" / "shaped_link.py"
RTT_MS, RATE_MBIT = 40, 80


def link_unavailable():
    if os.geteuid() != 0:
        return "needs root"
    if not shutil.which("ip"):
        return "no ip (iproute2)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    probe = "ocl-probe-%d" % os.getpid()
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return "ip netns add failed: %s" % made.stderr.strip()
    subprocess.run(["ip", "netns", "del", probe], check=True)
    return None


@pytest.fixture
def shaped_link():
    reason = link_unavailable()
    if reason:
        pytest.skip(reason)
    netns = "ocl-test-%d" % os.getpid()
    process = subprocess.Popen([sys.executable, str(SHAPED_LINK), "--netns", netns, "--rtt", "%dms" % RTT_MS,
                                "--rate", "%dmbit" % RATE_MBIT], stdout=subprocess.PIPE, text=True)
    try:
        link = json.loads(process.stdout.readline())
        yield link
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert netns not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout


def test_the_link_delays_and_limits(shaped_link):
    measured = subprocess.run([sys.executable, str(SHAPED_LINK), "--netns", shaped_link["netns"], "--measure",
                               shaped_link["far"], "--streams", "1", "--seconds", "1.5"],
                              capture_output=True, text=True, check=True, timeout=30)
    facts = json.loads(measured.stdout.splitlines()[-1])
    assert RTT_MS <= facts["connect_ms"] < RTT_MS * 1.5, facts
    # at most the rate (a little over for the bytes still queued in the sockets at the end), and clearly more than none
    assert RATE_MBIT * 0.3 < facts["mbit_1_streams"] <= RATE_MBIT * 1.1, facts
