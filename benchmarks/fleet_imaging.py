"""Benchmark: image a fleet of servers through Ansible, within the platform's per-host-group and rate limits.

The local cloud enforces Rackspace's rate limits per account (GET 1000 and POST 100 a minute, server creates 1000 a day:
localcloud.rate_limits.RACKSPACE_RATE_LIMITS) and at most ``--limit`` images at a time per host group. Prints the wall
time against the lower bound set by both (the host-group waves x the image time, and the POSTs the rate limit lets
through), the API requests per image, the share of them refused, the peak POSTs and GETs per rate window, the identity
requests, and what Ansible's own fan-out costs.

    python benchmarks/fleet_imaging.py [--servers 50] [--host-groups 1] [--limit 10] [--forks 50]
    python benchmarks/fleet_imaging.py --servers 1000 --host-groups 10 --forks 100 --time-scale 0.005 [--slices 4]

Without ``--time-scale`` the images take 3 x ``--phase`` seconds and the modules poll every 0.5-2 s (the figures of
README.md since the first fleet benchmark). With it, every duration is the platform's (the ``realistic`` profile: an
image of 40 minutes, unless ``--phase`` gives the phases in the cloud's seconds), scaled by that factor, and the rate
windows with them (a minute lasts 60 x S seconds); the modules run with their default waits on a clock that runs 1/S
times faster (libfaketime, as tests/functional/test_realistic_timing.py; all of them share one start time so that their
shared pacing file holds comparable times). ``--slices K`` runs K concurrent ansible-runner jobs over 1/K of the hosts
each, as AWX job slicing does, with private data directories and caches of their own (sharing nothing but the cloud),
and checks from the cloud's state that every server has exactly one image.

Needs the toolchain of scripts/test.sh (ansible-core, Flask) in the running Python, the collection on
ANSIBLE_COLLECTIONS_PATH, and for ``--slices`` ansible-runner (OPENCLOUD_TOOLS_BIN or PATH): `bash scripts/benchmark.sh`
sets them up and runs it.
"""

import argparse
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(HERE), "tests")
sys.path.insert(0, TESTS)
from localcloud.rate_limits import RACKSPACE_RATE_LIMITS  # noqa: E402  pylint: disable=wrong-import-position
from localcloud.servers import IMAGE_TASK_STATES, RATE_UNITS, TIMING_PROFILES  # noqa: E402  pylint: disable=wrong-import-position

API_KEY = "demo-api-key-SECRET-1a2b3c"
OWNER = "100001"
MARKER_SERVER = "opencloud.images.server"

PLAYBOOK = """
- hosts: fleet
  gather_facts: false
  module_defaults:
    group/opencloud.images.opencloud:
      auth_url: "{url}/identity/v2.0"
      username: demo
      region: DFW
{api_timeout}  tasks:
{task}
"""
IMAGE_TASK = """
    - name: Image each server
      opencloud.images.image_create:
        server: "{{{{ inventory_hostname }}}}"
        name: "{{{{ inventory_hostname }}}}-bench"
        timeout: {timeout}
{polls}"""
# The same fan-out with a one-request module: what Ansible itself costs with these forks.
BASELINE_TASK = """
    - name: Look the server up
      opencloud.images.image_info:
        limit: 1
"""


def rule_limit(method):
    """(requests, window in the cloud's seconds) of Rackspace's per-minute rule for any request of ``method``."""
    rule = next(rule for rule in RACKSPACE_RATE_LIMITS if rule["method"] == method and rule["uri"] == "*")
    return rule["value"], RATE_UNITS[rule["unit"]]


def image_phases(args):
    """The emulated seconds of each image phase."""
    if args.phase is not None:
        return [args.phase] * len(IMAGE_TASK_STATES)
    return [TIMING_PROFILES["realistic"]["image_phase_seconds"][phase] for phase in IMAGE_TASK_STATES]


def start_cloud(workdir, args):
    port_file = os.path.join(workdir, "cloud.json")
    command = [sys.executable, "-m", "localcloud", "--port-file", port_file, "--quiet", "--time-scale", str(args.time_scale),
               "--image-phase-seconds", ",".join(str(seconds) for seconds in image_phases(args)),
               "--images-per-host-group", str(args.limit)]
    if args.scaled:
        # The modules' faster clock would find a token of the scaled lifetime expired at once: one that outlives the run.
        command += ["--timing", "realistic", "--token-ttl", str(10 ** 9)]
    if args.retry_after is not None:
        command += ["--overlimit-retry-after", str(args.retry_after)]
    process = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=TESTS))
    for _attempt in range(100):
        if os.path.exists(port_file) and os.path.getsize(port_file):
            with open(port_file) as handle:
                url = json.load(handle)["url"]
            if args.rate_limits:
                requests.post(url + "/_localcloud/config", json={"rate_limits": RACKSPACE_RATE_LIMITS}, timeout=10).raise_for_status()
            return process, url
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the local cloud did not start")


class ScaledClock:
    """A Python for the modules whose clocks and sleeps run ``speed`` times faster (libfaketime), every process of it on
    one clock: an anchor process holds libfaketime's shared start time (FAKETIME_SHARED), which the wrapper passes on."""

    def __init__(self, workdir, speed):
        libraries = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
        if not libraries:
            raise SystemExit("--time-scale needs libfaketime (apt-get install libfaketime)")
        faked = dict(os.environ, LD_PRELOAD=libraries[0], FAKETIME="+0 x%s" % speed)
        self.anchor = subprocess.Popen([sys.executable, "-c", "import os, sys; print(os.environ['FAKETIME_SHARED'], flush=True); "
                                        "sys.stdin.read()"], env=faked, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        shared = self.anchor.stdout.readline().strip()
        self.python = os.path.join(workdir, "python-x%s" % speed)
        with open(self.python, "w") as handle:
            handle.write('#!/bin/sh\nLD_PRELOAD=%s FAKETIME="+0 x%s" FAKETIME_SHARED="%s" exec %s "$@"\n'
                         % (libraries[0], speed, shared, sys.executable))
        os.chmod(self.python, 0o755)

    def close(self):
        self.anchor.stdin.close()
        self.anchor.wait(10)


def playbook_text(url, task, args):
    """The playbook; on a faster clock one API call may still take a minute of real time (the machine may be busy)."""
    api_timeout = "      api_timeout: %d\n" % round(60 / args.time_scale) if args.scaled else ""
    return PLAYBOOK.format(url=url, task=task, api_timeout=api_timeout)


def base_env(workdir, python, forks, name):
    """The environment of one controller: its own cache (token, pacing, journal) and Ansible home."""
    home = os.path.join(workdir, name)
    os.makedirs(home)
    return dict(os.environ, RAX_API_KEY=API_KEY, ANSIBLE_FORKS=str(forks), XDG_CACHE_HOME=os.path.join(home, "cache"),
                HOME=home, ANSIBLE_HOME=os.path.join(home, ".ansible"), ANSIBLE_LOCAL_TEMP=os.path.join(home, "tmp"),
                ANSIBLE_PYTHON_INTERPRETER=python, ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_NOCOLOR="1")


def inventory_text(names):
    return "[fleet]\n" + "".join("%s ansible_connection=local\n" % name for name in names)


def run_playbook(workdir, names, url, task, args, python):
    """Wall seconds of one ansible-playbook run over the fleet; exits on failure."""
    run_dir = tempfile.mkdtemp(dir=workdir)
    playbook, inventory = os.path.join(run_dir, "fleet.yml"), os.path.join(run_dir, "inventory.ini")
    with open(playbook, "w") as handle:
        handle.write(playbook_text(url, task, args))
    with open(inventory, "w") as handle:
        handle.write(inventory_text(names))
    started = time.time()
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, playbook],
                         env=base_env(run_dir, python, args.forks, "controller"), capture_output=True, text=True, check=False)
    wall = time.time() - started
    if run.returncode != 0:
        fatal = [line for line in run.stdout.splitlines() if line.startswith("fatal")]
        print("%d host(s) failed, the first: %s" % (len(fatal), "\n".join(fatal[:3])), run.stderr[-3000:])
        raise SystemExit("the playbook failed (rc %d)" % run.returncode)
    return wall


def runner_binary():
    tools = os.environ.get("OPENCLOUD_TOOLS_BIN")
    found = os.path.join(tools, "ansible-runner") if tools else shutil.which("ansible-runner")
    if not found or not os.path.exists(found):
        raise SystemExit("--slices needs ansible-runner (bash scripts/benchmark.sh installs it)")
    return found


def run_slices(workdir, names, url, task, args, python):
    """Wall seconds of ``args.slices`` concurrent ansible-runner jobs, each over every K-th host (AWX's job slicing) with a
    private data directory and cache of its own; exits when one fails."""
    runner, forks = runner_binary(), max(1, args.forks // args.slices)
    jobs = []
    started = time.time()
    for number in range(args.slices):
        pdd = os.path.join(workdir, "slice%d" % number)
        env = base_env(pdd, python, forks, "home")
        for sub in ("project", "inventory", "env"):
            os.makedirs(os.path.join(pdd, sub))
        for path, text in (("project/fleet.yml", playbook_text(url, task, args)), ("inventory/hosts", inventory_text(names[number::args.slices])),
                           ("env/envvars", json.dumps({"RAX_API_KEY": API_KEY, "ANSIBLE_FORKS": str(forks), "XDG_CACHE_HOME": env["XDG_CACHE_HOME"],
                                                       "ANSIBLE_PYTHON_INTERPRETER": python})),
                           ("env/settings", json.dumps({"job_timeout": 0}))):
            with open(os.path.join(pdd, path), "w") as handle:
                handle.write(text)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        jobs.append((pdd, subprocess.Popen([runner, "run", pdd, "-p", "fleet.yml", "--ident", "job"], env=env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
    failed = []
    for pdd, job in jobs:
        _out, err = job.communicate()
        with open(os.path.join(pdd, "artifacts", "job", "status")) as handle:
            status = handle.read().strip()
        if job.returncode != 0 or status != "successful":
            failed.append((pdd, status, err[-2000:]))
    wall = time.time() - started
    for pdd, status, err in failed:
        with open(os.path.join(pdd, "artifacts", "job", "stdout")) as handle:
            print(handle.read()[-3000:], err)
        raise SystemExit("slice %s ended %s" % (pdd, status))
    return wall


def check_one_image_each(url, servers):
    """Problems with the fleet's images as the cloud holds them: a server with none, or with more than one."""
    images = requests.get(url + "/_localcloud/state", timeout=60).json()["images"]["DFW"].values()
    made = {}
    for image in images:
        if image.get(MARKER_SERVER):
            made.setdefault(image[MARKER_SERVER], []).append(image)
    problems = []
    for name, server_id in servers.items():
        mine = made.get(server_id, [])
        if len(mine) != 1 or mine[0]["status"] != "active" or mine[0]["name"] != name + "-bench":
            problems.append("%s: %s" % (name, [(image["name"], image["status"]) for image in mine] or "no image"))
    return problems


def over_limit(times, limit, window):
    """(peak requests in any window, seconds during which the last window held more than ``limit``) of request times."""
    events = sorted([(moment, 1) for moment in times] + [(moment + window, -1) for moment in times])
    count = peak = 0
    over = 0.0
    since = None
    for moment, step in events:
        if count > limit:
            over += moment - since
        count += step
        peak = max(peak, count)
        since = moment
    return peak, over


def create_servers(url, args):
    """{name: server id} of the fleet, spread over the host groups one by one (an inventory in that order keeps every
    group busy)."""
    servers = {}
    for number in range(args.servers):
        server = requests.post(url + "/_localcloud/servers", json={"region": "DFW", "owner": OWNER, "name": "bench%04d" % number,
                                                                   "host_group": "group%02d" % (number % args.host_groups)}, timeout=10)
        server.raise_for_status()
        servers["bench%04d" % number] = server.json()["id"]
    return servers


def image_task(args):
    if args.scaled:
        polls = ""  # the modules' defaults, on their faster clock
    else:
        polls = "        poll_interval: %s\n        max_poll_interval: %s\n" % (args.poll, args.max_poll)
    return IMAGE_TASK.format(timeout=args.timeout, polls=polls)


def idle_slots(args, servers, log, image_time):
    """(slot-seconds no host of the group had started yet, slot-seconds while one waited) between the first image accepted
    and each later one: whose the wait for a free slot was, Ansible's (starting the next host) or the pacing's. A
    server's start is the first request that names it; its group the one create_servers gave it."""
    group_of = dict((server_id, number % args.host_groups) for number, server_id in enumerate(servers.values()))
    started, accepted = {}, {}
    for entry in log:
        parts = entry["path"].split("/servers/", 1)
        server_id = parts[1].split("/", 1)[0] if len(parts) == 2 else None
        if server_id in group_of:
            started.setdefault(server_id, entry["time"])
            if entry["method"] == "POST" and entry["status"] == 202 and entry["path"].endswith("/action"):
                accepted[server_id] = entry["time"]
    if not accepted:
        return 0.0, 0.0
    first = min(accepted.values())
    not_started = waiting = 0.0
    for group in range(args.host_groups):
        order = sorted((moment, server_id) for server_id, moment in accepted.items() if group_of[server_id] == group)
        ends = []
        for index, (moment, _server_id) in enumerate(order):
            free_at = first if index < args.limit else sorted(ends)[index - args.limit]
            ends.append(moment + image_time)
            gap = moment - free_at
            if gap > 0:
                ready = min(started[server_id] for _moment, server_id in order[index:])
                not_started += min(gap, max(0.0, ready - free_at))
                waiting += gap - min(gap, max(0.0, ready - free_at))
    return not_started, waiting


def report(args, wall, baseline, log, problems, idle):
    scale = args.time_scale
    image_time = sum(image_phases(args)) * scale
    post_limit, post_unit = rule_limit("POST")
    get_limit, get_unit = rule_limit("GET")
    post_window, get_window = post_unit * scale, get_unit * scale
    per_group = math.ceil(args.servers / args.host_groups)
    waves = math.ceil(per_group / args.limit)
    bounds = {"host-group waves": (waves * image_time, "ceil(%d/%d) x %.1f s" % (per_group, args.limit, image_time)),
              "POST rate": ((math.ceil(args.servers / post_limit) - 1) * post_window + image_time,
                            "(ceil(%d/%d) - 1) x %.2f s + %.1f s" % (args.servers, post_limit, post_window, image_time))}
    if args.forks < args.host_groups * args.limit:
        bounds["forks"] = (math.ceil(args.servers / args.forks) * image_time, "ceil(%d/%d) x %.1f s" % (args.servers, args.forks, image_time))
    binding = max(bounds, key=lambda name: bounds[name][0])
    bound = bounds[binding][0]
    api = [r for r in log if r["service"] in ("compute", "image")]
    refused = [r for r in api if r["status"] in (413, 429)]
    rate_refused = [r for r in refused if r.get("rate_limited")]
    compute_posts = [r["time"] for r in api if r["service"] == "compute" and r["method"] == "POST"]
    compute_gets = [r["time"] for r in api if r["service"] == "compute" and r["method"] == "GET"]
    post_peak, post_over = over_limit(compute_posts, post_limit, post_window)
    get_peak, get_over = over_limit(compute_gets, get_limit, get_window)
    identity = [r for r in log if r["service"] == "identity" and r["method"] == "POST"]
    accepted = sorted(r["time"] for r in api if r["method"] == "POST" and r["status"] == 202)
    span = accepted[-1] + image_time - accepted[0] if accepted else 0.0
    load = os.getloadavg()
    print("servers %d in %d host group(s), %d images at a time per group, image %.1f s, time scale %s (a minute: %.2f s), "
          "forks %d%s, rate limits %s; load average %.1f %.1f %.1f"
          % (args.servers, args.host_groups, args.limit, image_time, scale, 60 * scale, args.forks,
             ", %d ansible-runner slices" % args.slices if args.slices else "", "on" if args.rate_limits else "off", *load))
    print("wall time            %7.1f s" % wall)
    for name, (seconds, formula) in bounds.items():
        print("bound, %-16s%7.1f s   (%s)%s" % (name, seconds, formula, "  <- binds" if name == binding else ""))
    print("wall / bound         %7.2f     (%.2f of the larger of the bound and Ansible's own fan-out below)"
          % (wall / bound, wall / max(bound, baseline)))
    print("images span          %7.1f s   (first accepted to last done, the slots busy %.0f %% of it; the rest of the wall "
          "is Ansible starting and ending)" % (span, 100.0 * len(accepted) * image_time / max(span, 1e-9) / min(
              args.host_groups * args.limit, args.servers)))
    print("slots idle           %7.1f s   (slot-seconds after the first image: %.1f before a host of the group had started, "
          "%.1f while one waited for its turn)" % (sum(idle), idle[0], idle[1]))
    print("ansible fan-out      %7.1f s   (the same fan-out running image_info once per host)" % baseline)
    print("API requests/image   %7.1f     (%d compute+image requests, %d refused with 413/429)"
          % (len(api) / float(args.servers), len(api), len(refused)))
    print("refused share        %7.1f %%" % (100.0 * len(refused) / max(1, len(api))))
    if accepted:
        first_done = accepted[0] + image_time
        queued = [r for r in refused if not r.get("rate_limited")]
        early = sum(r["time"] < first_done for r in queued)
        print("refused by           %7d by the account's rate limits (overLimit with retryAt), %d createImage by a full host "
              "group: %d before any image could finish, %d after" % (len(rate_refused), len(queued), early, len(queued) - early))
    print("peak POSTs/window    %7d     (limit %d per %.2f s; over it for %.2f windows)" % (post_peak, post_limit, post_window, post_over / post_window))
    print("peak GETs/window     %7d     (limit %d per %.2f s; over it for %.2f windows)" % (get_peak, get_limit, get_window, get_over / get_window))
    print("identity requests    %7d     per run" % len(identity))
    print("images               %s" % ("one per server, none lost, no duplicate" if not problems else
                                       "%d server(s) wrong: %s" % (len(problems), "; ".join(problems[:5]))))
    print("| servers | controllers | host groups x images | forks | image | wall | bound (binds) | wall / bound | wall / max(bound, fan-out) "
          "| images span / bound | slots idle: no host started / one waiting "
          "| API requests / image | refused | peak POSTs / minute | identity | Ansible fan-out | load |")
    print("| %d | %s | %d x %d | %d | %.0f s | %.1f s | %.1f s (%s) | %.2f | %.2f | %.2f | %.0f / %.0f s | %.1f | %.1f %% | %d / %d | %d "
          "| %.1f s | %.1f |"
          % (args.servers, "%d runner jobs" % args.slices if args.slices else "1 playbook", args.host_groups, args.limit, args.forks,
             image_time, wall, bound, binding, wall / bound, wall / max(bound, baseline), span / bound, idle[0], idle[1],
             len(api) / float(args.servers),
             100.0 * len(refused) / max(1, len(api)), post_peak, post_limit, len(identity), baseline, load[0]))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--host-groups", type=int, default=1, help="host groups the servers are spread over")
    parser.add_argument("--limit", type=int, default=10, help="concurrent images per host group")
    parser.add_argument("--time-scale", type=float, help="wall seconds per emulated second; the platform's durations and "
                        "the modules' default waits, both scaled (default: 1, with images of 3 x --phase and polls of 0.5-2 s)")
    parser.add_argument("--phase", type=float, help="seconds per imaging phase, in the cloud's seconds (three phases; default "
                        "10 without --time-scale, else the realistic profile's 300, 300 and 1800)")
    parser.add_argument("--retry-after", type=int, help="Retry-After of the 413 of a full host group, in the cloud's seconds "
                        "(default 1 without --time-scale, else the realistic 60)")
    parser.add_argument("--forks", type=int, default=50, help="forks in all (split among the slices)")
    parser.add_argument("--slices", type=int, default=0, help="run K concurrent ansible-runner jobs (AWX job slicing)")
    parser.add_argument("--no-rate-limits", dest="rate_limits", action="store_false", help="the cloud without Rackspace's rate limits")
    parser.add_argument("--poll", type=float, default=0.5, help="first poll interval of image_create (without --time-scale)")
    parser.add_argument("--max-poll", type=float, default=2.0)
    parser.add_argument("--timeout", type=int, default=86400, help="timeout of image_create, in the modules' seconds")
    parser.add_argument("--requests-log", help="write the cloud's request log of the imaging run and the servers' ids to this "
                        "JSON file (to look into where the time went)")
    args = parser.parse_args()
    args.scaled = args.time_scale is not None
    if not args.scaled:
        args.time_scale = 1
        args.phase = 10.0 if args.phase is None else args.phase
        args.retry_after = 1 if args.retry_after is None else args.retry_after

    with tempfile.TemporaryDirectory() as workdir:
        cloud, url = start_cloud(workdir, args)
        clock = ScaledClock(workdir, round(1 / args.time_scale, 6)) if args.scaled else None
        python = clock.python if clock else sys.executable
        try:
            servers = create_servers(url, args)
            names = list(servers)
            baseline = run_playbook(workdir, names, url, BASELINE_TASK, args, sys.executable)
            requests.delete(url + "/_localcloud/requests", timeout=10)
            if args.slices:
                wall = run_slices(workdir, names, url, image_task(args), args, python)
            else:
                wall = run_playbook(workdir, names, url, image_task(args), args, python)
            log = requests.get(url + "/_localcloud/requests", timeout=60).json()["requests"]
            problems = check_one_image_each(url, servers)
            idle = idle_slots(args, servers, log, sum(image_phases(args)) * args.time_scale)
            if args.requests_log:
                with open(args.requests_log, "w") as handle:
                    json.dump({"servers": servers, "requests": log}, handle)
        finally:
            if clock:
                clock.close()
            cloud.terminate()
            cloud.wait(10)
    return report(args, wall, baseline, log, problems, idle)


if __name__ == "__main__":
    sys.exit(main())
