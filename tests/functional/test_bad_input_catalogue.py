"""The bad-input catalogue (bad_inputs.py) through ansible-playbook: each case refused clearly, the cloud left as it was.

The cases of one module or role run in one play against a fresh local cloud (a known bug runs alone). Each case is a
block: its task, a rescue that keeps ``ansible_failed_result``, and an ``always`` that records a digest of the cloud,
read from the control API by a url lookup on the controller: images, members, Glance tasks, servers (their task
states) and snapshots in progress, plus the Cloud Files objects of both accounts in DFW, ORD and IAD for the modules
that write objects (each url costs about 50 ms). A case changed the cloud when its digest differs from the one recorded
before it. Around the play the whole of it, objects included, is compared for every group.

Each group's play runs once per test session, whichever xdist worker needs it first (a lock file in the temporary
directory the workers share); the outcome is kept there as JSON for the other worker.

ansible-core 2.19 puts ``exception: "(traceback unavailable)"`` in every failed result, fail_json included (the plays
run with ANSIBLE_DISPLAY_TRACEBACK=never, its default, whatever the caller's environment says), so a crash is told by
its message instead: ansible-core rewrites the message of a task that broke rather than failed to "Task failed: Module
failed: <exception>" (a module that raised), "Task failed: <templating error>" and the like, and a module that died
gives "MODULE FAILURE".
"""

import fcntl
import json
import os
import sys
from string import Template

import pytest
import yaml

from bad_inputs import CASES, KINDS, MODULES, ROLES, write_files
from localcloud.server import LocalCloud
from playbook_support import control, play, playbook_runner

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGIONS = ("DFW", "ORD", "IAD")
FILES_ACCOUNTS = ("MossoCloudFS_100001", "MossoCloudFS_100002")
# What a bad input must leave as it was (the rest of the state, tokens and the request count, moves with any request).
STATE_KEYS = ("images", "members", "tasks", "servers", "snapshots")
DIGEST = ("{{ query('ansible.builtin.url', *cloud_urls, split_lines=false) | map('from_json') | map('dict2items')"
          " | map('selectattr', 'key', 'in', cloud_keys) | map('list') | list | to_json(sort_keys=true) | hash('sha1') }}")
NO_TRACEBACK = "(traceback unavailable)"
OBJECT_WRITERS = ("image_import", "image_transfer", "object_upload")


def fill(value, context):
    """``value`` with the ``${name}`` placeholders of bad_inputs.py replaced, in keys, values and list items."""
    if isinstance(value, str):
        return Template(value).safe_substitute(context)
    if isinstance(value, dict):
        return dict((fill(k, context), fill(v, context)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [fill(item, context) for item in value]
    return value


def cloud_state(cloud):
    state = control(cloud, "GET", "state")
    found = dict((key, state[key]) for key in STATE_KEYS)
    for region in REGIONS:
        for account in FILES_ACCOUNTS:
            found["objects %s %s" % (region, account)] = control(cloud, "GET", "objects",
                                                                 params={"region": region, "account": account})
    return found


def prepare(cloud, directory):
    """The files and the ids the cases name (see bad_inputs.py)."""
    files = directory / "files"
    write_files(str(files))
    shared = control(cloud, "POST", "images", json={"region": "DFW", "owner": "100002", "name": "consumer-shared-2026-11-24",
                                                    "members": {"100001": "accepted"}})
    queued = control(cloud, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "catalogue-queued", "status": "queued"})
    large = control(cloud, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "catalogue-large", "min_disk": 100})
    state = control(cloud, "GET", "state")
    images = dict((image["name"], image["id"]) for image in state["images"]["DFW"].values())
    servers = dict((server["name"], server["id"]) for server in state["servers"]["DFW"].values())
    return {"files": str(files), "shared_image": shared["id"], "own_image": images["web01-2026-11-20"],
            "consumer_image": images["consumer-private-2026-11-23"], "web01": servers["web01"],
            "queued_image": queued["id"], "large_image": large["id"]}


def case_block(case, context):
    args = fill(case.args, context)
    if case.is_role:
        task = {"ansible.builtin.include_role": {"name": "opencloud.images." + case.target}, "vars": args}
    else:
        task = {"opencloud.images." + case.target: args}
    return {"name": case.id, "block": [dict(task, name=case.id + " | run")],
            "rescue": [{"name": case.id + " | refused", "ansible.builtin.set_fact": {"refused": "{{ ansible_failed_result }}"}}],
            "always": [{"name": case.id + " | cloud", "ansible.builtin.set_fact": {"cloud": DIGEST}}]}


def run_group(cases, directory):
    """Run the cases in one play against a fresh local cloud; what the checks need, as JSON-able data."""
    directory.mkdir(exist_ok=True)
    with LocalCloud() as cloud:
        context = prepare(cloud, directory)
        plays = yaml.safe_load(play(cloud, {"name": "before the cases", "ansible.builtin.set_fact": {"cloud": DIGEST}},
                                    *[case_block(case, context) for case in cases]))
        objects = ["%s/_localcloud/objects?region=%s&account=%s" % (cloud.url, region, account)
                   for region in REGIONS for account in FILES_ACCOUNTS]
        plays[0]["vars"] = {"cloud_keys": list(STATE_KEYS) + ["containers"], "cloud_urls": [cloud.url + "/_localcloud/state"] + (
            objects if any(case.target in OBJECT_WRITERS for case in cases) else [])}
        before = cloud_state(cloud)
        run = playbook_runner(directory)(yaml.safe_dump(plays, sort_keys=False), env={"ANSIBLE_DISPLAY_TRACEBACK": "never"})
        after = cloud_state(cloud)
    results = run.results() if os.path.exists(run.result_file) else {}
    return {"rc": run.rc, "output": run.output, "results": results, "context": context,
            "changed": sorted(key for key in before if before[key] != after[key])}


@pytest.fixture(scope="session")
def group_outcome(tmp_path_factory):
    """A function giving a group's outcome, running its play if no worker of this session has run it yet."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "bad-input-catalogue"
    shared.mkdir(exist_ok=True)
    known = {}

    def outcome(group):
        if group not in known:
            done = shared / (group + ".json")
            with open(shared / (group + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not done.exists():
                    partial = shared / (group + ".part")
                    partial.write_text(json.dumps(run_group([c for c in CASES if c.group == group], shared / group)))
                    os.replace(partial, done)
            known[group] = json.loads(done.read_text())
        return known[group]
    return outcome


def output_of(case, output):
    """The lines ansible-playbook printed for the case: its task (a role's tasks included) and the rescue."""
    start = output.find("TASK [%s | run]" % case.id)
    return output[start:output.find("TASK [%s | cloud]" % case.id, start)] if start >= 0 else ""


def problems(case, outcome):
    """What is wrong with how the case was refused (nothing when it was refused clearly and changed nothing)."""
    results = outcome["results"]
    if case.id + " | cloud" not in results:
        return ["the case did not run (ansible-playbook rc %s):\n%s" % (outcome["rc"], outcome["output"][-3000:])]
    refused = results.get(case.id + " | refused", {}).get("ansible_facts", {}).get("refused")
    if refused is None:
        done = results.get(case.id + " | run", {})
        return ["not refused: the task succeeded (changed: %s)" % done.get("changed")]
    found = []
    msg = str(refused.get("msg", ""))
    if not refused.get("failed"):
        found.append("the result does not say failed")
    if msg.startswith("Task failed:") or "MODULE FAILURE" in msg or "module_stderr" in refused or \
            refused.get("exception", NO_TRACEBACK) != NO_TRACEBACK:
        found.append("the task crashed instead of refusing the input")
    option = refused.get("option")
    if option is not None and option != case.option:
        found.append("the result names option %r, not %r" % (option, case.option))
    if option is None and case.option not in msg:
        found.append("the message does not name %s" % case.option)
    found.extend("the message lacks %r" % word for word in fill(case.words, outcome["context"]) if word not in msg)
    printed = output_of(case, outcome["output"])
    if "Traceback" in printed:
        found.append("a traceback was printed")
    if "SECRET" in printed:
        found.append("a secret was printed")
    digests = [results[name]["ansible_facts"]["cloud"] for name in
               ["before the cases"] + [c.id + " | cloud" for c in CASES if c.group == case.group]]
    index = [c.id for c in CASES if c.group == case.group].index(case.id)
    if digests[index] != digests[index + 1]:
        found.append("the cloud changed (in this group's play: %s)" % ", ".join(outcome["changed"]))
    elif outcome["changed"] and len(set(digests)) == 1:
        found.append("the cloud changed in this group's play (%s), unseen by the digests" % ", ".join(outcome["changed"]))
    if found:
        found.append("msg: %s" % msg[:600])
    return found


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [])
                                  for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(case, group_outcome):
    found = problems(case, group_outcome(case.group))
    assert not found, "%s (%s %s):\n  %s" % (case.id, "role" if case.is_role else "module", case.target, "\n  ".join(found))


def test_catalogue_covers_every_module_and_role_and_is_counted(group_outcome, capsys):
    """The catalogue's shape, and its count on stderr (visible in the output of pytest -q, with or without xdist)."""
    ids = [c.id for c in CASES]
    assert len(CASES) >= 40 and len(set(ids)) == len(ids)
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(COLLECTION, "plugins", "modules"))
                     if name.endswith(".py") and name != "__init__.py")
    assert sorted(MODULES) == modules and sorted(ROLES) == sorted(os.listdir(os.path.join(COLLECTION, "roles")))
    assert sorted(set(c.target for c in CASES)) == sorted(MODULES + ROLES), "every module and role has bad-input cases"
    assert sorted(set(c.kind for c in CASES)) == sorted(KINDS)
    # The other worker walks the groups from the start (the per-case tests): start from the end to share the work.
    groups = list(dict.fromkeys(c.group for c in reversed(CASES)))
    outcomes = dict((group, group_outcome(group)) for group in groups)
    clear = sum(1 for c in CASES if not problems(c, outcomes[c.group]))
    with capsys.disabled():
        sys.stderr.write("\nbad-input catalogue: %d cases, %d refused clearly, %d known bugs (expected failures)\n"
                         % (len(CASES), clear, sum(1 for c in CASES if c.bug)))
