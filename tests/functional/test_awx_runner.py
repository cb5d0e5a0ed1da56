"""The AWX project playbooks (awx/project) run by ansible-runner from an AWX-style private data directory.

The credentials are injected as AWX injects them (awx_support), the job template's extra vars go to env/extravars,
and the job events ansible-runner writes (what AWX stores and shows) are checked: the results are there, and no
secret is in any event, nor anywhere else in the job's artifacts but ansible-runner's own ``command`` file (the
environment, mode 0600, in the private data directory that AWX deletes after the job).

ansible-runner comes from the tools venv of scripts/test.sh (OPENCLOUD_TOOLS_BIN), else from PATH.
"""

import os
import stat
import subprocess
import sys
import uuid

from awx_support import job_events, private_data_dir, tool
from playbook_support import CONSUMER_API_KEY, DEMO_API_KEY, control, isolated_env

SECRETS = (DEMO_API_KEY, CONSUMER_API_KEY)


def credentials(cloud, consumer=False):
    creds = [("rackspace", {"username": "demo", "api_key": DEMO_API_KEY, "region": "DFW",
                            "auth_url": cloud.url + "/identity/v2.0"})]
    if consumer:
        creds.append(("consumer", {"username": "consumer", "api_key": CONSUMER_API_KEY,
                                   "auth_url": cloud.url + "/identity/v2.0"}))
    return creds


def run_job(tmp_path, playbook, creds, extravars):
    """ansible-runner run PDD -p PLAYBOOK, as AWX starts a job; returns (private data dir, artifact dir, status)."""
    runner = tool("ansible-runner")
    isolated = isolated_env(tmp_path)
    pdd = private_data_dir(str(tmp_path / "pdd"), creds, extravars, base_env=dict(isolated, ANSIBLE_NOCOLOR="1"))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("RAX_", "OS_", "OPENCLOUD_CONSUMER_")))
    env.update(isolated)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # this venv's ansible-playbook
    process = subprocess.run([runner, "run", pdd, "-p", playbook, "--ident", "job"], env=env, capture_output=True,
                             text=True, timeout=600, check=False)
    artifacts = os.path.join(pdd, "artifacts", "job")
    with open(os.path.join(artifacts, "status")) as handle:
        status = handle.read().strip()
    return pdd, artifacts, status, process


def assert_no_secret(artifacts):
    """No secret in any event, the stdout or any other artifact; the command file (the environment) is private."""
    command = os.path.join(artifacts, "command")
    assert stat.S_IMODE(os.stat(command).st_mode) == 0o600
    checked = 0
    for top, _dirs, files in os.walk(artifacts):
        for name in files:
            path = os.path.join(top, name)
            if path == command:
                continue
            with open(path, errors="replace") as handle:
                text = handle.read()
            for secret in SECRETS:
                assert secret not in text, "%s holds a secret" % path
            checked += 1
    assert checked > 10


def check_playbook_frame(events):
    """One playbook_on_start before every task event and one playbook_on_stats after them, wherever they are: other
    events (a warning Ansible prints at start-up is a ``verbose`` event) may come before, between or after."""
    kinds = [event["event"] for event in events]
    assert kinds.count("playbook_on_start") == 1 and kinds.count("playbook_on_stats") == 1, kinds
    tasks = [i for i, kind in enumerate(kinds) if kind.startswith(("runner_on_", "playbook_on_task_start"))]
    assert tasks and kinds.index("playbook_on_start") < tasks[0] and tasks[-1] < kinds.index("playbook_on_stats"), kinds


def ok_results(events):
    return dict((event["event_data"]["task"], event["event_data"]["res"]) for event in events if event["event"] == "runner_on_ok")


def new_server(cloud):
    return control(cloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": "job-%s" % uuid.uuid4().hex[:8]})


def test_predeploy_job_events_have_the_results_and_no_secret(localcloud, tmp_path):
    server = new_server(localcloud)
    summary = tmp_path / "summary.json"
    pdd, artifacts, status, process = run_job(tmp_path, "predeploy.yml", credentials(localcloud, consumer=True), {
        "server": server["name"], "retention": 1, "share_targets": ["100002"], "summary_file": str(summary),
        "image_poll_interval": 0.2, "image_max_poll_interval": 0.5})
    assert status == "successful", process.stdout + process.stderr
    events = job_events(artifacts)
    check_playbook_frame(events)
    results = ok_results(events)
    created = results["Create the image (or find the one this request made)"]
    assert created["action"] == "created" and created["image"]["status"] == "active"
    shared = results["Share the image (and accept with the consumer's credentials, when given)"]
    assert shared["members"] == [{"member_id": "100002", "status": "accepted"}]
    assert results["Apply retention to the server's images"]["kept"][0]["id"] == created["image_id"]
    assert summary.exists() and created["image_id"] in summary.read_text()
    assert_no_secret(artifacts)
    with open(os.path.join(pdd, "artifacts", "job", "rc")) as handle:
        assert handle.read().strip() == "0"


def test_failed_job_is_failed_with_its_reason_in_the_events(localcloud, tmp_path):
    pdd, artifacts, status, process = run_job(tmp_path, "predeploy.yml", credentials(localcloud), {
        "server": "bfv01", "summary_file": str(tmp_path / "summary.json")})
    assert status == "failed", process.stdout + process.stderr
    failed = [event["event_data"] for event in job_events(artifacts) if event["event"] == "runner_on_failed"]
    assert [event["task"] for event in failed] == ["Create the image (or find the one this request made)", "Fail the job"]
    assert "boots from a volume" in failed[-1]["res"]["msg"]
    assert_no_secret(artifacts)


def test_long_job_patterns_wait_later_and_async(localcloud, tmp_path, slow_images):
    first, second = new_server(localcloud), new_server(localcloud)
    _pdd, artifacts, status, process = run_job(tmp_path, "long_job.yml", credentials(localcloud), {
        "long_job_server": first["name"], "long_job_background_server": second["name"], "long_job_name": "long",
        "long_job_timeout": 120, "long_job_poll_interval": 0.2})
    assert status == "successful", process.stdout + process.stderr
    results = ok_results(job_events(artifacts))
    asked = results["Ask for the image and do not wait"]
    assert asked["changed"] and asked["image"]["status"] in ("queued", "saving")
    waited = results["Wait for the first image (the same task, with wait)"]
    # "waited" while the image is still being made; "reused" if it was done already (a loaded machine): the same image.
    assert waited["action"] in ("waited", "reused") and not waited["changed"]
    assert waited["image_id"] == asked["image_id"] and waited["image"]["status"] == "active"
    background = results["Image the second server in the background"]
    assert background["started"] == 1 and background["finished"] == 0 and background["ansible_job_id"]
    collected = results["Collect the background image"]
    assert collected["finished"] == 1 and collected["action"] == "created" and collected["image"]["status"] == "active"
    assert collected["server"]["id"] == second["id"]
    assert_no_secret(artifacts)
