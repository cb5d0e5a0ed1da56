"""Benchmark: copy a segmented large object from one Swift account (region) to another, with four tools.

    ours    copy_large_object() of plugins/module_utils/large_objects.py, in a child process
    rclone  `rclone copy` between two swift remotes (tempauth, auth v1; target chunk size = the segment size)
    swift   python-swiftclient's `swift download` to a temporary file, then `swift upload --use-slo -S SEGMENT`
            (both halves counted)
    curl    the floor of a client: each source segment streamed by `curl GET | curl PUT`, --workers pipes at a
            time, then a DLO manifest (no checks, no retries)

The source is a Dynamic Large Object in account 1 (AUTH_test) of random data, made in a streaming way;
each tool copies it to account 2 (AUTH_test2) from a clean target, and every copy is checked by
reading it back whole (size and MD5 equal to the source's). Each tool runs as child processes whose
peak RSS and CPU time come from wait4().

Fairness: one untimed warm-up copy per tool, then --rounds rounds in which every tool copies once, the
order rotated each round (load that drifts in lands on every tool in turn); each run starts on a quiet
machine (fewer than --quiet-cpus busy CPUs for 2 s, waiting at most --quiet-wait; runs that started busy
are counted and printed). Each tool's time is compared with ours in the same round; the table shows the
median of those paired ratios and their min-max.

Swift's dlo and slo middlewares rate-limit the segments of a GET through a manifest after the 10th (by
default one segment per second): rclone and `swift download` read through the manifest, ours and curl read
the segments directly. The source is therefore made in two layouts: --segment as given (2 GiB in 100 MiB
segments: 21, throttled for the other tools) and one with at most rate_limit_after_segment segments
(unthrottled for every tool). The Swift settings in force are printed first.

    python benchmarks/object_copy.py [--size 2GiB] [--segment 100MiB] [--workers 4] [--sizes 1GiB,4GiB]
    python benchmarks/object_copy.py --quick          (64 MiB, 16 MiB segments, sizes 32MiB,128MiB)
    python benchmarks/object_copy.py --link shaped [--rtt 60ms] [--rate 1gbit]

--link loopback (the default): both accounts on one Swift on 127.0.0.1. --link shaped (needs root): account 2 is
on a second Swift in a network namespace behind benchmarks/shaped_link.py (a delay line of --rtt and --rate,
in user space as this kernel has no netem), so the copy reads the source locally and writes the target across
the link, as a controller in region A copying to region B. The link's RTT (TCP connect) and what plain socket
streams get across it (1 and --workers streams) are measured first; "% of link" is a tool's rate over the best
of those.

Uses the Swift of OPENCLOUD_PEERS (or --peers) if given, else starts its own with
`tests/peers/start.sh RUN_DIR --swift-only` on free ports and stops it afterwards. Needs the swift venv
and rclone of tests/peers/install.sh, the collection and tests/peers importable (PYTHONPATH):
`bash scripts/benchmark.sh object-copy [options]` sets all of that up and runs it.
"""

import argparse
import configparser
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

from peers import load_peers
from shaped_link import parse_amount

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS_DIR = os.path.join(os.path.dirname(HERE), "tests", "peers")
DEV_HOME = os.environ.get("OPENCLOUD_DEV_HOME") or os.path.expanduser("~/.cache/opencloud-images-dev")
SWIFT_CLI = os.path.join(DEV_HOME, "peers", "swift", "bin", "swift")
MIB = 1024 ** 2
CHUNK = MIB
SRC_ACCOUNT, DST_ACCOUNT = "test", "test2"
SRC_CONTAINER, DST_CONTAINER, OBJECT = "bench-src", "bench-dst", "obj"
UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 ** 3}
# The ports start.sh takes from the environment: TCP ones, and the UDP one of Swift's syslog.
TCP_PORT_VARS = ("PEER_SWIFT_PORT", "PEER_SWIFT_ACCOUNT_PORT", "PEER_SWIFT_CONTAINER_PORT", "PEER_SWIFT_OBJECT_PORT",
                 "PEER_MEMCACHED_PORT")


def parse_size(text):
    """Bytes from '2GiB', '100MiB', '64M', '512k' or a plain number of bytes."""
    return int(parse_amount(text, r"(\d+)\s*([kmg]?)(?:i?b)?", UNITS, "a size (use e.g. 64MiB, 2GiB)"))


def show_size(size):
    return "%d GiB" % (size // 1024 ** 3) if size % 1024 ** 3 == 0 else "%d MiB" % (size // MIB)


class Account:
    """One tempauth account of the peer Swift, for setting up and checking (plain requests, not the code measured)."""

    def __init__(self, auth_url, user, key):
        self.auth_url, self.user, self.key = auth_url, user, key
        response = requests.get(self.auth_url, headers={"X-Auth-User": self.user, "X-Auth-Key": self.key}, timeout=30)
        response.raise_for_status()
        self.url = response.headers["X-Storage-Url"]
        self.http = requests.Session()
        self.http.headers["X-Auth-Token"] = response.headers["X-Auth-Token"]

    def call(self, method, path, ok=(200, 201, 202, 204), **kwargs):
        response = self.http.request(method, "%s/%s" % (self.url, path), timeout=120, **kwargs)
        if response.status_code not in ok:
            raise SystemExit("%s %s -> %d: %s" % (method, path, response.status_code, response.text[:300]))
        return response

    def make_dlo(self, name, size, segment):
        """A Dynamic Large Object SRC_CONTAINER/name of ``size`` random bytes; returns its MD5."""
        self.call("PUT", SRC_CONTAINER)
        self.call("PUT", SRC_CONTAINER + "_segments")
        whole = hashlib.md5()

        def random_chunks(length):
            while length > 0:
                chunk = os.urandom(min(CHUNK, length))
                whole.update(chunk)
                length -= len(chunk)
                yield chunk
        for index, offset in enumerate(range(0, size, segment), 1):
            self.call("PUT", "%s_segments/%s/%05d" % (SRC_CONTAINER, name, index), data=random_chunks(min(segment, size - offset)))
        self.call("PUT", "%s/%s" % (SRC_CONTAINER, name), data=b"",
                  headers={"X-Object-Manifest": "%s_segments/%s/" % (SRC_CONTAINER, name)})
        length = int(self.call("HEAD", "%s/%s" % (SRC_CONTAINER, name)).headers["Content-Length"])
        if length != size:
            raise SystemExit("the source %s reads as %d bytes, not %d" % (name, length, size))
        return whole.hexdigest()

    def read_back(self, container, name):
        """(size, MD5) of the whole GET stream of an object."""
        digest, size = hashlib.md5(), 0
        with self.call("GET", "%s/%s" % (container, name), stream=True) as response:
            for chunk in response.iter_content(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return size, digest.hexdigest()

    def empty(self, prefix):
        """Delete every container whose name starts with ``prefix``, and the objects in them."""
        for container in self.call("GET", "", params={"format": "json"}).json():
            if container["name"].startswith(prefix):
                listing = self.call("GET", container["name"], params={"format": "json", "limit": 10000}).json()
                for entry in listing:
                    self.call("DELETE", "%s/%s" % (container["name"], entry["name"]), ok=(204, 404))
                self.call("DELETE", container["name"], ok=(204, 404, 409))


class Side:
    """One end of the copy: a tempauth account of a Swift; its login for the tools, an Account to set up and check."""

    def __init__(self, swift, name):
        entry = swift["accounts"][name]
        self.login = (swift["auth_url"], entry["user"], entry["key"])
        self.account = Account(*self.login)


def measured(command, log, env=None):
    """(seconds, peak RSS in bytes, CPU seconds) of one child process; its output goes to ``log``; exits if it fails."""
    with open(log, "ab") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        with open(log, "rb") as out:
            tail = out.read()[-3000:].decode("utf-8", "replace")
        raise SystemExit("%s exited %d; the end of %s:\n%s" % (command[0], child.returncode, log, tail))
    return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss: KiB on Linux


def copy_ours(name, args, log):
    spec = {"source": args.source.login, "target": args.target.login, "name": name, "workers": args.workers}
    run = measured([sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)], log)
    with open(log) as out:
        report = json.loads(out.read().splitlines()[-1])
    print("  ours: %(manifest)s manifest, %(segments_sent)d segments sent, %(repeats)d repeated" % report)
    return [run]


def copy_rclone(name, args, log):
    env = dict(os.environ, RCLONE_CONFIG=os.path.join(args.work, "rclone.conf"))
    for remote, side in (("SRC", args.source), ("DST", args.target)):
        auth_url, user, key = side.login
        env.update({"RCLONE_CONFIG_%s_TYPE" % remote: "swift", "RCLONE_CONFIG_%s_AUTH" % remote: auth_url,
                    "RCLONE_CONFIG_%s_AUTH_VERSION" % remote: "1",
                    "RCLONE_CONFIG_%s_USER" % remote: user, "RCLONE_CONFIG_%s_KEY" % remote: key})
    # the target is segmented like ours (rclone's default: one object up to 5 GiB)
    env["RCLONE_CONFIG_DST_CHUNK_SIZE"] = "%dk" % (args.segment // 1024)
    command = ["rclone", "copy", "src:%s/%s" % (SRC_CONTAINER, name), "dst:%s" % DST_CONTAINER, "--stats", "0"]
    return [measured(command, log, env)]


def copy_swift_cli(name, args, log):
    def login(side):
        return ["-A", side.login[0], "-U", side.login[1], "-K", side.login[2]]
    local = os.path.join(args.work, "swift-cli-download")
    try:
        down = measured([SWIFT_CLI] + login(args.source) + ["download", SRC_CONTAINER, name, "-o", local], log)
        up = measured([SWIFT_CLI] + login(args.target) + ["upload", DST_CONTAINER, local, "--object-name", name, "--use-slo",
                                                          "-S", str(args.segment), "--segment-threads", str(args.workers)], log)
    finally:
        if os.path.exists(local):
            os.unlink(local)
    return [down, up]


CURL_PIPES = r"""
set -euo pipefail
curl -sSf -H "X-Auth-Token: $SRC_TOKEN" "$SRC_URL/${SRC_CONTAINER}_segments?prefix=$NAME/" \
  | xargs -P "$WORKERS" -I{} sh -c 'set -e; curl -sSf -H "X-Auth-Token: $SRC_TOKEN" "$SRC_URL/${SRC_CONTAINER}_segments/{}" \
      | curl -sSf -o /dev/null -T - -H "X-Auth-Token: $DST_TOKEN" "$DST_URL/${DST_CONTAINER}_segments/{}"'
curl -sSf -o /dev/null -X PUT -H "X-Auth-Token: $DST_TOKEN" -H "X-Object-Manifest: ${DST_CONTAINER}_segments/$NAME/" \
  --data-binary '' "$DST_URL/$DST_CONTAINER/$NAME"
"""


def copy_curl_pipes(name, args, log):
    """The floor of a client: each source segment streamed by `curl GET | curl PUT`, --workers pipes at a time,
    then a DLO manifest; no checks, no retries."""
    env = dict(os.environ, SRC_URL=args.source.account.url, SRC_TOKEN=args.source.account.http.headers["X-Auth-Token"],
               DST_URL=args.target.account.url, DST_TOKEN=args.target.account.http.headers["X-Auth-Token"],
               SRC_CONTAINER=SRC_CONTAINER, DST_CONTAINER=DST_CONTAINER, NAME=name, WORKERS=str(args.workers))
    args.target.account.call("PUT", DST_CONTAINER)
    args.target.account.call("PUT", DST_CONTAINER + "_segments")
    return [measured(["bash", "-c", CURL_PIPES], log, env)]


TOOLS = {"ours": copy_ours, "rclone": copy_rclone, "swift": copy_swift_cli, "curl": copy_curl_pipes}
LABELS = {"ours": "ours (copy_large_object)", "rclone": "rclone copy", "swift": "swift download + upload",
          "curl": "curl GET | curl PUT pipes"}


def copy_checked(tool, name, expected, args):
    """One copy of SRC_CONTAINER/name to a clean target with one tool, checked by reading it back; its
    (seconds, peak RSS, CPU seconds): a tool of several processes counts them all."""
    dst = args.target.account
    dst.empty(DST_CONTAINER)
    runs = TOOLS[tool](name, args, os.path.join(args.work, "%s.log" % tool))
    got = dst.read_back(DST_CONTAINER, name)
    if got != expected:
        raise SystemExit("%s: the copy reads back as %d bytes with MD5 %s, not %d bytes with MD5 %s" % (tool, got[0], got[1], *expected))
    dst.empty(DST_CONTAINER)
    return sum(r[0] for r in runs), max(r[1] for r in runs), sum(r[2] for r in runs)


def busy_cpus(interval=1.0):
    """CPUs busy (0 .. number of CPUs) over ``interval`` seconds, from /proc/stat: anything but idle and iowait."""
    def sample():
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]
    total0, idle0 = sample()
    time.sleep(interval)
    total1, idle1 = sample()
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / max(1, total1 - total0))


def wait_quiet(args):
    """Wait until the machine is quiet (under ``--quiet-cpus`` busy CPUs for two one-second samples in a row), at
    most ``--quiet-wait`` seconds; returns (seconds waited, quiet or not). Our own processes are idle here."""
    started, calm = time.perf_counter(), 0
    while time.perf_counter() - started < args.quiet_wait:
        calm = calm + 1 if busy_cpus() < args.quiet_cpus else 0
        if calm == 2:
            return time.perf_counter() - started, True
    return time.perf_counter() - started, False


def rotated(tools, round_index):
    """The tools in round ``round_index``'s order: each tool goes first in turn, so drifting load spreads over all."""
    shift = round_index % len(tools)
    return tools[shift:] + tools[:shift]


def run_rounds(name, expected, args):
    """An untimed warm-up copy per tool, then ``--rounds`` rounds, each tool once per round in rotated order, each run
    started on a quiet machine. Returns {tool: [(seconds, peak RSS, CPU seconds) per round]} and the noisy starts."""
    for tool in args.tools:
        copy_checked(tool, name, expected, args)
    results, noisy = {tool: [] for tool in args.tools}, 0
    for round_index in range(args.rounds):
        order = rotated(args.tools, round_index)
        for tool in order:
            _waited, quiet = wait_quiet(args)
            noisy += not quiet
            results[tool].append(copy_checked(tool, name, expected, args))
        print("  round %d (%s): %s" % (round_index + 1, ", ".join(order),
                                       ", ".join("%s %.1fs" % (tool, results[tool][-1][0]) for tool in args.tools)))
    return results, noisy


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def print_table(results, size, link_mbit=None):
    """Median seconds, MiB/s, peak RSS and CPU per GiB of each tool; each tool's time over ours in the same round, as the
    median of those paired ratios with their min-max; over a shaped link, the share of what the link allows."""
    link_column = " %10s" % "% of link" if link_mbit else ""
    print("%-26s %9s %9s %26s %14s %14s%s" % ("tool", "seconds", "MiB/s", "time / ours, paired", "peak RSS MiB",
                                              "CPU s / GiB", link_column))
    ours = [run[0] for run in results.get("ours", [])]
    for tool, runs in results.items():
        seconds = median(run[0] for run in runs)
        ratio = "-"
        if ours and tool != "ours":
            ratios = [run[0] / base for run, base in zip(runs, ours)]
            ratio = "%.2fx (%.2f-%.2f)" % (median(ratios), min(ratios), max(ratios))
        print("%-26s %9.1f %9.1f %26s %14.1f %14.2f%s" % (
            LABELS[tool], seconds, size / MIB / seconds, ratio, max(run[1] for run in runs) / MIB,
            median(run[2] for run in runs) / (size / 1024.0 ** 3),
            " %9.0f%%" % (100 * size * 8 / 1e6 / seconds / link_mbit) if link_mbit else ""))


def child(spec):
    """The measured part of `ours`, in its own process: log in to both accounts and copy."""
    from ansible_collections.opencloud.images.plugins.module_utils.large_objects import copy_large_object
    from ansible_collections.opencloud.images.plugins.module_utils.object_storage import ObjectStorageService
    from swift_session import TempAuthSession

    def store(login):
        return ObjectStorageService(TempAuthSession(*login))
    report = copy_large_object(store(spec["source"]), store(spec["target"]), SRC_CONTAINER, spec["name"], DST_CONTAINER, spec["name"],
                               workers=spec["workers"])
    print(json.dumps(report.as_dict()))


def free_ports(count, kind):
    sockets = [socket.socket(socket.AF_INET, kind) for _index in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def start_swift(run_dir, workers, link=None):
    """Start a Swift of our own (fresh ``run_dir``, free ports, ``workers`` processes per server), on loopback or,
    given a shaped ``link``, in its namespace at its far address; returns its peers (peers.json)."""
    env = dict(os.environ, **dict(zip(TCP_PORT_VARS, map(str, free_ports(len(TCP_PORT_VARS), socket.SOCK_STREAM)))))
    env["PEER_SWIFT_LOG_PORT"] = str(free_ports(1, socket.SOCK_DGRAM)[0])
    env["PEER_SWIFT_WORKERS"] = str(workers)
    command = ["bash", os.path.join(PEERS_DIR, "start.sh"), run_dir, "--swift-only"]
    if link:
        env["PEER_HOST"] = link["far"]
        command = ["ip", "netns", "exec", link["netns"]] + command
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    print("own Swift started in %.1fs at %s:%s" % (time.perf_counter() - started, env.get("PEER_HOST", "127.0.0.1"),
                                                   env["PEER_SWIFT_PORT"]))
    return load_peers(run_dir)


def start_link(args):
    """benchmarks/shaped_link.py in the background; its description once the link is up, and its process."""
    command = [sys.executable, os.path.join(HERE, "shaped_link.py"), "--netns", "ocl-bench-%d" % os.getpid(),
               "--rtt", args.rtt, "--rate", args.rate]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line:
        process.wait()
        raise SystemExit("the shaped link did not come up (%s exited %s)" % (" ".join(command), process.returncode))
    return json.loads(line), process


def measure_link(link, args):
    """The link's round trip (median TCP connect) and what plain socket streams get across it (shaped_link.py --measure)."""
    out = subprocess.run([sys.executable, os.path.join(HERE, "shaped_link.py"), "--netns", link["netns"], "--measure",
                          link["far"], "--streams", "1,%d" % args.workers, "--seconds", "5"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    facts = json.loads(out.splitlines()[-1])
    facts["allows_mbit"] = max(value for key, value in facts.items() if key.startswith("mbit_"))
    return facts


def segment_rate_limits(run_dir):
    """The proxy's segment rate limits of the dlo and slo middlewares: {filter: (after segment N, segments per second)},
    Swift's defaults (10, 1.0) where the config does not set them; None when the config is not readable here."""
    conf = os.path.join(run_dir or "", "swift", "proxy-server.conf")
    if not run_dir or not os.path.exists(conf):
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(conf)
    return {middleware: (parser.getint("filter:" + middleware, "rate_limit_after_segment", fallback=10),
                         parser.getfloat("filter:" + middleware, "rate_limit_segments_per_sec", fallback=1.0))
            for middleware in ("dlo", "slo")}


def layouts(args, limits):
    """The source layouts: ``--segment`` as given, and (unless it already is) one with no more segments than the DLO
    middleware serves before it rate-limits, so the tools that GET through the manifest are measured unthrottled too."""
    after = limits["dlo"][0] if limits else 10
    chosen = [args.segment]
    unthrottled = -(-args.size // after)
    unthrottled = -(-unthrottled // MIB) * MIB  # whole MiB
    if -(-args.size // args.segment) > after and "unthrottled" in args.layouts:
        chosen.append(unthrottled)
    if "throttled" not in args.layouts:
        chosen = chosen[1:] or chosen
    return chosen, after


def benchmark(args, run_dir):
    src = args.source.account
    limits = segment_rate_limits(run_dir)
    print("Swift: %s; dlo/slo segment rate limits: %s" % (
        ("own, %d workers per server" % args.swift_workers + (", the target's behind the shaped link" if args.link else ""))
        if args.own_swift else "the running peers",
        ", ".join("%s after %d segments %.0f/s" % (name, *value) for name, value in limits.items()) if limits
        else "unknown (config not readable), Swift's defaults: after 10 segments 1/s"))
    segments, after = layouts(args, limits)
    for segment in segments:
        src.empty(SRC_CONTAINER)
        started = time.perf_counter()
        expected = (args.size, src.make_dlo(OBJECT, args.size, segment))
        count = -(-args.size // segment)
        throttled = count > after
        print("\nsource: DLO %s/%s in AUTH_%s, %s in %d segments of %s, made in %.1fs: %s" % (
            SRC_CONTAINER, OBJECT, SRC_ACCOUNT, show_size(args.size), count, show_size(segment),
            time.perf_counter() - started,
            "GETs through the manifest are rate-limited after segment %d (rclone, swift); ours and curl read the segments "
            "directly, which are not" % after if throttled else "no tool is rate-limited"))
        args.segment = segment
        results, noisy = run_rounds(OBJECT, expected, args)
        print("\ncopy of %s (%d x %s segments, %d workers) from AUTH_%s to AUTH_%s%s; %d rounds after a warm-up, tools "
              "rotated; every copy checked (size and MD5); %d of %d runs started on a busy machine; load average %s" % (
                  show_size(args.size), count, show_size(segment), args.workers, SRC_ACCOUNT, DST_ACCOUNT,
                  " across the shaped link" if args.link else "", args.rounds, noisy, args.rounds * len(args.tools),
                  " ".join("%.2f" % load for load in os.getloadavg())))
        print_table(results, args.size, args.link and args.link["allows_mbit"])
    src.empty(SRC_CONTAINER)

    rows = []
    for size in args.sizes:
        name = "%s-%d" % (OBJECT, size)
        expected = (size, src.make_dlo(name, size, args.segment))
        runs = [copy_checked("ours", name, expected, args) for _round in range(args.rounds)]
        rows.append((size, median(run[0] for run in runs), max(run[1] for run in runs)))
        src.empty(SRC_CONTAINER)
    print("\nours by size (%s segments, %d workers, median of %d)" % (show_size(args.segment), args.workers, args.rounds))
    print("%-10s %9s %9s %14s" % ("size", "seconds", "MiB/s", "peak RSS MiB"))
    for size, seconds, rss in rows:
        print("%-10s %9.1f %9.1f %14.1f" % (show_size(size), seconds, size / MIB / seconds, rss / MIB))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("2GiB"), help="the object the three tools copy (2GiB)")
    ap.add_argument("--segment", type=parse_size, default=parse_size("100MiB"), help="segment size, source and targets (100MiB)")
    ap.add_argument("--workers", type=int, default=4, help="parallel segments: ours, and swift upload's --segment-threads (4)")
    ap.add_argument("--sizes", type=lambda text: [parse_size(s) for s in text.split(",")], default=None,
                    help="the sizes to measure our peak RSS at (1GiB,4GiB)")
    ap.add_argument("--swift-workers", type=int, default=2,
                    help="processes per server of the Swift this script starts (2: a service that takes parallel requests)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds, each tool once per round, order rotated (3)")
    ap.add_argument("--layouts", type=lambda text: text.split(","), default=["throttled", "unthrottled"],
                    help="source layouts: throttled (--segment as given), unthrottled (few enough segments that Swift's "
                         "DLO middleware does not rate-limit GETs through the manifest) (both)")
    ap.add_argument("--quiet-cpus", type=float, default=0.25,
                    help="a run starts once fewer CPUs than this are busy for 2 s (0.25)")
    ap.add_argument("--quiet-wait", type=float, default=120, help="the longest wait for a quiet machine, seconds (120)")
    ap.add_argument("--tools", type=lambda text: text.split(","), default=list(TOOLS), help="ours,rclone,swift")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 64MiB, 16MiB segments, sizes 32MiB,128MiB")
    ap.add_argument("--peers", help="peers.json or RUN_DIR of running peers (default: $OPENCLOUD_PEERS, else start a Swift)")
    ap.add_argument("--link", dest="link_mode", choices=("loopback", "shaped"), default="loopback",
                    help="loopback: one Swift, two accounts; shaped: the target account on a second Swift in a network "
                         "namespace behind benchmarks/shaped_link.py (needs root) (loopback)")
    ap.add_argument("--rtt", default="60ms", help="--link shaped: round-trip time (60ms)")
    ap.add_argument("--rate", default="1gbit", help="--link shaped: rate each way (1gbit)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a log file
    if args.child:
        return child(json.loads(args.child))
    unknown = sorted(set(args.tools) - set(TOOLS))
    if unknown:
        ap.error("unknown tools: %s (known: %s)" % (", ".join(unknown), ", ".join(TOOLS)))
    if args.quick:
        args.size, args.segment, args.sizes = parse_size("64MiB"), parse_size("16MiB"), args.sizes or [parse_size("32MiB"), parse_size("128MiB")]
    args.sizes = args.sizes or [parse_size("1GiB"), parse_size("4GiB")]
    for tool, program in (("rclone", "rclone"), ("swift", SWIFT_CLI)):
        if tool in args.tools and not shutil.which(program):
            raise SystemExit("%s not found: run tests/peers/install.sh swift" % program)

    args.work = tempfile.mkdtemp(prefix="object-copy-bench.")
    peers, run_dirs, link_process, args.link = load_peers(args.peers), [], None, None
    if args.link_mode == "shaped" and peers is not None:
        ap.error("--link shaped starts its own two Swifts: leave out --peers and OPENCLOUD_PEERS")
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit("terminated"))  # the cleanup below runs on TERM too
    try:
        args.own_swift = peers is None
        if peers is None:
            run_dirs.append(os.path.join(args.work, "peers"))
            peers = start_swift(run_dirs[-1], args.swift_workers)
        target = peers
        if args.link_mode == "shaped":
            args.link, link_process = start_link(args)
            run_dirs.append(os.path.join(args.work, "peers-far"))
            target = start_swift(run_dirs[-1], args.swift_workers, args.link)
            args.link.update(measure_link(args.link, args))
            print("shaped link (benchmarks/shaped_link.py, TUN MTU %(mtu)d): configured %(rate_text)s, RTT %(rtt_text)s; "
                  "measured: TCP connect %(connect_ms).1f ms, %(streams_text)s; the link allows %(allows_mbit).0f Mbit/s" % dict(
                      args.link, rate_text=args.rate, rtt_text=args.rtt, streams_text=", ".join(
                          "%s stream(s) %.0f Mbit/s" % (key.split("_")[1], value) for key, value in args.link.items()
                          if key.startswith("mbit_"))))
        args.source, args.target = Side(peers["swift"], SRC_ACCOUNT), Side(target["swift"], DST_ACCOUNT)
        benchmark(args, peers.get("run_dir"))
    finally:
        for run_dir in run_dirs:
            subprocess.run(["bash", os.path.join(PEERS_DIR, "stop.sh"), run_dir], stdout=subprocess.DEVNULL, check=False)
        if link_process:
            link_process.terminate()
            link_process.wait()
        shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
