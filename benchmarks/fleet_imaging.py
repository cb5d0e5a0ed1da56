"""Benchmark: image a fleet of servers through ansible-playbook, under the platform's per-host-group limit.

Prints the wall time against the lower bound ceil(servers / limit) x image time, the API requests
per image (how hard the polling and the back-off hit the API) and the identity requests per run.

    python benchmarks/fleet_imaging.py [--servers 50] [--limit 10] [--phase 10] [--forks 50]

Needs the toolchain of scripts/test.sh (ansible-core, Flask) in the running Python and the
collection on ANSIBLE_COLLECTIONS_PATH: `bash scripts/benchmark.sh` sets both up and runs it.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(HERE), "tests")
API_KEY = "demo-api-key-SECRET-1a2b3c"

PLAYBOOK = """
- hosts: fleet
  gather_facts: false
  module_defaults:
    group/opencloud.images.opencloud:
      auth_url: "{url}/identity/v2.0"
      username: demo
      region: DFW
  tasks:
{task}
"""
IMAGE_TASK = """
    - name: Image each server
      opencloud.images.image_create:
        server: "{{{{ inventory_hostname }}}}"
        name: "{{{{ inventory_hostname }}}}-bench"
        poll_interval: {poll}
        max_poll_interval: {max_poll}
        timeout: 3600
"""
# The same fan-out with a one-request module: what Ansible itself costs with these forks.
BASELINE_TASK = """
    - name: Look the server up
      opencloud.images.image_info:
        limit: 1
"""


def start_cloud(workdir, args):
    port_file = os.path.join(workdir, "cloud.json")
    phases = ",".join([str(args.phase)] * 3)
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--port-file", port_file, "--quiet", "--image-phase-seconds", phases,
         "--images-per-host-group", str(args.limit), "--overlimit-retry-after", str(args.retry_after)],
        env=dict(os.environ, PYTHONPATH=TESTS))
    for _attempt in range(100):
        if os.path.exists(port_file) and os.path.getsize(port_file):
            with open(port_file) as handle:
                return process, json.load(handle)["url"]
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the local cloud did not start")


def run_playbook(workdir, inventory, url, task, args):
    """(wall seconds, request log) of one ansible-playbook run over the fleet; exits on failure."""
    playbook = os.path.join(workdir, "fleet.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK.format(url=url, task=task))
    env = dict(os.environ, RAX_API_KEY=API_KEY, ANSIBLE_FORKS=str(args.forks), XDG_CACHE_HOME=tempfile.mkdtemp(dir=workdir),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_HOST_KEY_CHECKING="0")
    started = time.time()
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, playbook],
                         env=env, capture_output=True, text=True, check=False)
    wall = time.time() - started
    if run.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-3000:])
        raise SystemExit("the playbook failed (rc %d)" % run.returncode)
    return wall, requests.get(url + "/_localcloud/requests", timeout=10).json()["requests"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--limit", type=int, default=10, help="concurrent images per host group")
    parser.add_argument("--phase", type=float, default=10.0, help="seconds per imaging phase (three phases)")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After of the 413 overLimit answers")
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument("--poll", type=float, default=0.5, help="first poll interval of image_create")
    parser.add_argument("--max-poll", type=float, default=2.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        cloud, url = start_cloud(workdir, args)
        try:
            names = ["bench%03d" % n for n in range(args.servers)]
            for name in names:
                requests.post(url + "/_localcloud/servers", json={"region": "DFW", "owner": "100001", "name": name,
                                                                  "host_group": "bench"}, timeout=10).raise_for_status()
            requests.delete(url + "/_localcloud/requests", timeout=10)
            inventory = os.path.join(workdir, "inventory.ini")
            with open(inventory, "w") as handle:
                handle.write("[fleet]\n" + "".join("%s ansible_connection=local\n" % n for n in names))
            baseline = run_playbook(workdir, inventory, url, BASELINE_TASK, args)[0]
            requests.delete(url + "/_localcloud/requests", timeout=10)
            wall, log = run_playbook(workdir, inventory, url, IMAGE_TASK.format(poll=args.poll, max_poll=args.max_poll), args)
        finally:
            cloud.terminate()
            cloud.wait(10)
    image_time = 3 * args.phase
    bound = math.ceil(args.servers / args.limit) * image_time
    api = [r for r in log if r["service"] in ("compute", "image")]
    refused = [r for r in api if r["status"] == 413]
    identity = [r for r in log if r["service"] == "identity" and r["method"] == "POST"]
    print("servers %d, limit %d per host group, image time %.1f s, forks %d" % (args.servers, args.limit, image_time, args.forks))
    print("wall time            %7.1f s" % wall)
    print("lower bound          %7.1f s   (ceil(%d/%d) x %.1f s)" % (bound, args.servers, args.limit, image_time))
    print("over the bound       %7.1f %%" % (100.0 * (wall - bound) / bound))
    print("ansible-playbook     %7.1f s   (the same fan-out running image_info once per host)" % baseline)
    print("over, net of that    %7.1f %%" % (100.0 * (wall - baseline - bound) / bound))
    print("API requests/image   %7.1f     (%d compute+image requests, %d of them refused with 413)"
          % (len(api) / float(args.servers), len(api), len(refused)))
    print("identity requests    %7d     per run" % len(identity))


if __name__ == "__main__":
    main()
