"""The fault matrix: the main path of each module under each fault that applies to it, run against the local cloud.

Rows are module main paths, columns the faults (the local cloud's switches, tests/CONVENTIONS.md). A cell starts from a
reset local cloud, arms its fault, runs the module through ansible-playbook, then clears what is left of the fault and
runs the module again where convergence matters (and wherever the first run failed). It records:

* outcome of each run: ``converged`` (rc 0 and the expected end state), ``failed clearly`` (rc != 0, a msg of the
  module's own without "Traceback", no ``exception`` but ansible-core 2.19's placeholder: see ``crashed``) or ``BAD``
  (anything else: a traceback, a hang, rc 0 with a wrong end state);
* requests the cloud received in each run (the local cloud's request log);
* leftovers: images, members, objects and tasks that the expected end state does not allow;
* duplicates: more than one image for one request or source, more than one login for one expired token.

A cell fails on a BAD run, a last run that did not converge, a leftover, a duplicate, or a fault that never hit (a cell
that tested nothing). Cells that show a known bug of the collection are listed in ``KNOWN_FAILURES`` with the reason, and
are reported as such instead of failing.

Run ``python tests/reliability/fault_matrix.py`` with the toolchain's Python (ansible-playbook next to it): it prints
the matrix as a table and a summary line, and exits 1 on any BAD cell, duplicate, leak or traceback (or a known failure
that no longer fails: take it out of ``KNOWN_FAILURES``). ``tests/reliability/test_fault_matrix.py`` runs the same
cells under pytest.
"""

import argparse
import hashlib
import os
import queue
import re
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

TESTS = Path(__file__).resolve().parent.parent
for _path in (TESTS, TESTS / "functional"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from localcloud import vhd  # noqa: E402  pylint: disable=wrong-import-position
from localcloud.server import LocalCloud  # noqa: E402  pylint: disable=wrong-import-position
from playbook_support import CONSUMER, control, play, playbook_runner  # noqa: E402  pylint: disable=wrong-import-position

PHASES = ("image_snapshot", "image_pending_upload", "image_uploading")
# The local cloud of the matrix: images and tasks take 0.6 and 0.4 s, so that a cell takes seconds.
FAST_CLOUD = {"image_phase_seconds": dict.fromkeys(PHASES, 0.2), "task_phase_seconds": {"pending": 0.2, "processing": 0.2}}
POLL = {"poll_interval": 0.2, "max_poll_interval": 0.5}
TASK_POLL = {"task_poll_interval": 0.2}
FILES_ACCOUNT = "MossoCloudFS_100001"
MIB = 1 << 20
SLOW_SECONDS = 2  # a slow answer; the plays of those cells set api_timeout 1
LIST_LAG_SECONDS = 30  # longer than both runs of a cell
OBJECT_LIST_LAG_SECONDS = 3
TASK_TIMEOUT = 120  # Ansible's task timeout: a module still running then hangs
RETRY_AFTER = {"Retry-After": "1"}

CONVERGED, FAILED_CLEARLY, BAD = "converged", "failed clearly", "BAD"
TRACEBACK_PLACEHOLDER = "(traceback unavailable)"
TRACEBACK_NOTE = "a traceback (the module raised)"

# cell id -> what goes wrong and where: the cell runs, and is reported as a known failure while it fails.
KNOWN_FAILURES = {}

# The cells whose first run fails (clearly) by design, and why; every other cell converges at once. A first run that
# ends otherwise is a problem of the cell, so the figures (README.md, "Reliability") are the same on every run, on any
# machine: a failure here that comes and goes is a timing dependence to fix, not a figure to update.
NOT_REPEATED = "the faulted request is a POST or PATCH, which the client does not send again (it may have been done)"
FAILS_FIRST = {
    **dict.fromkeys([f"{row}-{fault}" for row in ("image_create", "image_update", "image_share", "image_transfer", "image_import")
                     for fault in ("5xx_burst", "slow_answer")], NOT_REPEATED),
    "image_transfer-task_fails_export": "the export task failed: nothing to copy until a new run exports again",
    "image_transfer-task_fails_import": "the import task failed: the copy stays for a new run to import",
    "image_import-task_fails_import": "the import task failed: the upload stays for a new run to import",
}


# the faults (columns)

@dataclass
class Arm:
    """How a cell's fault is set up: faults for the control API (``path_regex`` formatted with the row's context), config
    switches, other control calls ``(method, path, json)``; ``play_options`` go into the play's module defaults, and
    ``pause`` lets a slow answer finish before the second run."""

    faults: list = field(default_factory=list)
    config: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    play_options: dict = field(default_factory=dict)
    pause: float = 0

    def apply(self, cloud, context):
        """Arm the cell; the faults as the cloud queued them."""
        if self.config:
            control(cloud, "POST", "config", json=self.config)
        for method, path, body in self.calls:
            control(cloud, method, path.format(**context), json=body)
        return [control(cloud, "POST", "faults", json=dict(fault, path_regex=fault["path_regex"].format(**context))) for fault in self.faults]


def never_hit(cloud_state, queued):
    """What was armed but did not happen: faults still queued with their whole count, tasks and images still to fail.

    When nothing armed happened, the cell tested nothing (a fault on a path the module does not take); a part may be missed
    rightly, as the 429 after a 413 that ended the run."""
    missed = [f"fault {fault['method']} {fault['path_regex']}" for fault in queued if fault in cloud_state["faults"]]
    missed += [f"failure of the next {kind} task" for kind in cloud_state["failing_tasks"]]
    return missed + [f"failure of the next image of {server['name']}" for servers in cloud_state["servers"].values()
                     for server in servers.values() if server["fail_next_image"]]


def _fault(method, path_regex, region=None, **effect):
    return dict(effect, method=method, path_regex=path_regex, **({"region": region} if region else {}))


def burst(method, path_regex, region=None):
    """5xx burst: two 500s (the client repeats GET, PUT and DELETE, not POST or PATCH)."""
    return Arm(faults=[_fault(method, path_regex, region, status=500, count=2)])


def rate_limited(method, path_regex, region=None):
    """A 413 overLimit, then a 429, both with Retry-After: 1."""
    over_limit = {"overLimit": {"code": 413, "message": "Rate limit exceeded: retry after 1 second", "retryAfter": "1"}}
    too_many = {"message": "Too many requests: retry after 1 second", "code": 429, "title": "Too Many Requests"}
    return Arm(faults=[_fault(method, path_regex, region, status=413, headers=RETRY_AFTER, body=over_limit),
                       _fault(method, path_regex, region, status=429, headers=RETRY_AFTER, body=too_many)])


def reset_mid_body(method, path_regex, region=None):
    """The connection drops after 64 KiB of the body (of the answer for GET, of the request for PUT)."""
    return Arm(faults=[_fault(method, path_regex, region, reset_after_bytes=65536)])


def slow(method, path_regex, region=None):
    """The answer comes after SLOW_SECONDS, past the play's api_timeout of 1 s (the work is done all the same)."""
    return Arm(faults=[_fault(method, path_regex, region, delay_seconds=SLOW_SECONDS)], play_options={"api_timeout": 1},
               pause=SLOW_SECONDS)


def token_expiry(method, path_regex, region=None, in_flight=1):
    """The token expires at this request, which gets the service's 401; with ``in_flight`` > 1, at the first of that many
    requests sent at once (each is held 0.3 s, so that all of them are on their way when it expires)."""
    held = {"count": in_flight, "delay_seconds": 0.3} if in_flight > 1 else {}
    return Arm(faults=[_fault(method, path_regex, region, expire_token=True, **held)])


def image_fails_once():
    return Arm(calls=[("POST", "servers/{server_id}/fail-next-image", None)])


def task_fails(task_type):
    return Arm(calls=[("POST", "tasks/fail-next", {"type": task_type})])


def list_lag():
    """New images stay out of image lists for longer than both runs."""
    return Arm(config={"list_lag_seconds": LIST_LAG_SECONDS})


def object_list_lag():
    """New objects stay out of container listings for a while; the second run comes after that."""
    return Arm(config={"object_list_lag_seconds": OBJECT_LIST_LAG_SECONDS}, pause=OBJECT_LIST_LAG_SECONDS)


# what the cloud holds

@dataclass
class Verdict:
    """What a row's check found: whether the expected end state is there, and what should not be."""

    reached: bool
    leftovers: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)


def state(cloud):
    return control(cloud, "GET", "state")


def images_where(cloud_state, region, **wanted):
    return [image for image in cloud_state["images"][region].values() if all(image.get(key) == value for key, value in wanted.items())]


def objects(cloud, region="DFW"):
    """``{"container/object": md5}`` of demo's Cloud Files in a region."""
    listing = control(cloud, "GET", "objects", params={"region": region, "account": FILES_ACCOUNT})
    return {f"{box['name']}/{stored['name']}": stored["md5"] for box in listing["containers"] for stored in box["objects"]}


def running_tasks(cloud_state):
    return [f"{task['type']} task {task['id']} ({task['status']})" for task in cloud_state["tasks"] if task["status"] in ("pending", "processing")]


def one_image(found, what):
    """Verdict on images that should be exactly one active image: killed ones are leftovers, more live ones duplicates."""
    live = [image for image in found if image["status"] != "killed"]
    leftovers = [f"killed image {image['id']}" for image in found if image["status"] == "killed"]
    duplicates = [f"{len(live)} images for {what}: {', '.join(image['id'] for image in live)}"] if len(live) > 1 else []
    return Verdict(len(live) == 1 and live[0]["status"] == "active", leftovers, duplicates)


def no_objects(cloud, *regions):
    return [f"object {region}:{name}" for region in regions for name in objects(cloud, region)]


def needless_logins(cloud_state):
    """Tokens are made too: an account should log in once, and once more for each of its tokens that expired."""
    found = []
    for username in sorted({token["username"] for token in cloud_state["tokens"]}):
        tokens = [token for token in cloud_state["tokens"] if token["username"] == username]
        expired = sum(1 for token in tokens if token["expired"])
        if len(tokens) > expired + 1:
            found.append(f"{len(tokens)} tokens for {username}, {expired} of them expired: {len(tokens) - expired - 1} needless logins")
    return found


def new_images(cloud_state, context):
    """Images that were not there when the row was prepared."""
    return [f"new image {image_id}" for region, images in cloud_state["images"].items() for image_id in images
            if image_id not in context["image_ids"]]


def image_ids(cloud):
    return {image_id for images in state(cloud)["images"].values() for image_id in images}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def own_image(cloud, **fields):
    body = dict({"region": "DFW", "owner": "100001", "com.rackspace__1__options": "0", "os_type": "linux"}, **fields)
    return control(cloud, "POST", "images", json=body)


# the module main paths (rows)

@dataclass
class Row:
    """One module's main path: ``prepare(cloud, workdir)`` makes what it needs and returns its context (``image_ids``: the
    images there were, for checks), ``options(context)`` the module's options, ``check(cloud, context, result)`` the verdict;
    ``columns`` the faults that apply, by name. ``rerun``: a second run even after a converged first one, for the modules whose
    re-runs must find what the first made (a second run follows any failed one)."""

    key: str
    module: str
    title: str
    prepare: Callable
    options: Callable
    check: Callable
    columns: dict
    rerun: bool = True


def prepare_create(cloud, _workdir):
    web01 = next(server for server in state(cloud)["servers"]["DFW"].values() if server["name"] == "web01")
    return {"server_id": web01["id"], "name": unique("matrix")}


def check_create(cloud, context, _result):
    current = state(cloud)
    verdict = one_image(images_where(current, "DFW", name=context["name"]), f"the request {context['name']}")
    server = current["servers"]["DFW"][context["server_id"]]
    if server["task_state"] is not None:
        verdict.leftovers.append(f"server web01 still in {server['task_state']}")
    return verdict


IMAGE_CREATE = Row(
    "image_create", "image_create", "image_create by name, with wait", prepare_create,
    lambda context: dict(POLL, server="web01", name=context["name"], timeout=60),
    check_create,
    {"5xx burst": burst("POST", r"/compute/v2/[^/]+/servers/[^/]+/action$"),
     "413/429 Retry-After": rate_limited("POST", r"/compute/v2/[^/]+/servers/[^/]+/action$"),
     "slow answer": slow("POST", r"/compute/v2/[^/]+/servers/[^/]+/action$"),
     "token expiry": token_expiry("GET", r"/compute/v2/[^/]+/images/[^/]+$"),
     "image fails once": image_fails_once(),
     "list lag": list_lag()})


def prepare_own_image(cloud, _workdir):
    image = own_image(cloud, name=unique("matrix"))
    return {"image_id": image["id"], "name": image["name"], "image_ids": image_ids(cloud)}


def check_update(cloud, context, _result):
    current = state(cloud)
    found = images_where(current, "DFW", name=context["name"])
    reached = len(found) == 1 and found[0].get("com.example.tier") == "gold" and found[0]["tags"] == ["release"]
    return Verdict(reached, new_images(current, context))


IMAGE_PATH = r"/image/v2/images/{image_id}$"
IMAGE_UPDATE = Row(
    "image_update", "image", "image update (properties, tags)", prepare_own_image,
    lambda context: {"image": context["name"], "properties": {"com.example.tier": "gold"}, "tags": ["release"]},
    check_update,
    {"5xx burst": burst("PATCH", IMAGE_PATH), "413/429 Retry-After": rate_limited("PATCH", IMAGE_PATH), "slow answer": slow("PATCH", IMAGE_PATH),
     "token expiry": token_expiry("PATCH", IMAGE_PATH)},
    rerun=False)


def check_delete(cloud, context, _result):
    current = state(cloud)
    still = [f"image {context['image_id']} not deleted"] if images_where(current, "DFW", id=context["image_id"]) else []
    return Verdict(not still, still + new_images(current, context))


IMAGE_DELETE = Row(
    "image_delete", "image", "image delete, with wait", prepare_own_image,
    lambda context: {"image": context["image_id"], "state": "absent"},
    check_delete,
    {"5xx burst": burst("DELETE", IMAGE_PATH), "413/429 Retry-After": rate_limited("DELETE", IMAGE_PATH),
     "slow answer": slow("DELETE", IMAGE_PATH), "token expiry": token_expiry("DELETE", IMAGE_PATH)},
    rerun=False)


def prepare_prune(cloud, _workdir):
    server = control(cloud, "POST", "servers", json={"region": "DFW", "owner": "100001", "name": unique("prune")})
    markers = {"opencloud.images.created_by": "opencloud.images", "opencloud.images.server": server["id"], "instance_uuid": server["id"],
               "image_type": "snapshot"}
    made = [own_image(cloud, name=f"{server['name']}-{day}", created_at=f"2026-11-{day:02d}T03:00:00Z", **markers)["id"] for day in (1, 2, 3)]
    return {"server": server["name"], "server_id": server["id"], "keep": made[-1], "prune": made[:-1], "image_ids": image_ids(cloud)}


def check_prune(cloud, context, _result):
    current = state(cloud)
    left = {image["id"] for image in images_where(current, "DFW", instance_uuid=context["server_id"])}
    leftovers = [f"image {image_id} not pruned" for image_id in context["prune"] if image_id in left]
    return Verdict(left == {context["keep"]}, leftovers + new_images(current, context))


IMAGE_PRUNE = Row(
    "image_prune", "image_prune", "image_prune keep 1 of a server's 3", prepare_prune,
    lambda context: {"server": context["server"], "keep": 1},
    check_prune,
    {"5xx burst": burst("DELETE", r"/image/v2/images/[^/]+$"), "413/429 Retry-After": rate_limited("DELETE", r"/image/v2/images/[^/]+$"),
     "slow answer": slow("DELETE", r"/image/v2/images/[^/]+$"), "token expiry": token_expiry("GET", r"/image/v2/images$")},
    rerun=False)


def prepare_share(cloud, workdir):
    return dict(prepare_own_image(cloud, workdir), auth_url=cloud.url + "/identity/v2.0")


def check_share(cloud, context, _result):
    current = state(cloud)
    members = current["members"].get(context["image_id"], {})
    leftovers = [f"member {tenant} ({status})" for tenant, status in members.items() if tenant != "100002"]
    return Verdict(members.get("100002") == "accepted", leftovers + new_images(current, context))


MEMBERS_PATH = r"/image/v2/images/{image_id}/members$"
IMAGE_SHARE = Row(
    "image_share", "image_share", "image_share, the consumer accepts", prepare_share,
    lambda context: {"image": context["image_id"], "members": ["100002"], "consumer": dict(CONSUMER, auth_url=context["auth_url"])},
    check_share,
    {"5xx burst": burst("POST", MEMBERS_PATH), "413/429 Retry-After": rate_limited("POST", MEMBERS_PATH),
     "slow answer": slow("POST", MEMBERS_PATH), "token expiry": token_expiry("PUT", r"/image/v2/images/{image_id}/members/100002$")})


def prepare_info(cloud, _workdir):
    batch = uuid.uuid4().hex
    for number in range(3):
        own_image(cloud, name=f"info-{number}", **{"com.example.batch": batch})
    return {"batch": batch, "image_ids": image_ids(cloud)}


def check_info(cloud, context, result):
    return Verdict(result.get("count") == 3, new_images(state(cloud), context))


IMAGE_INFO = Row(
    "image_info", "image_info", "image_info listing by property", prepare_info,
    lambda context: {"properties": {"com.example.batch": context["batch"]}},
    check_info,
    {"5xx burst": burst("GET", r"/image/v2/images$"), "413/429 Retry-After": rate_limited("GET", r"/image/v2/images$"),
     "slow answer": slow("GET", r"/image/v2/images$"), "token expiry": token_expiry("GET", r"/image/v2/images$")},
    rerun=False)


def prepare_transfer(cloud, _workdir):
    image = own_image(cloud, name=unique("xfer"), tags=["web"])
    return {"image_id": image["id"]}


def check_transfer(cloud, context, _result):
    current = state(cloud)
    verdict = one_image(images_where(current, "ORD", **{"opencloud.images.source_image": context["image_id"]}),
                        f"image {context['image_id']} in ORD")
    verdict.leftovers += no_objects(cloud, "DFW", "ORD") + running_tasks(current)
    return verdict


TASKS_PATH = r"/image/v2/tasks$"
TASK_PATH = r"/image/v2/tasks/[^/]+$"
SEGMENT_PUT = r"_segments/.+/00002$"
IMAGE_TRANSFER = Row(
    "image_transfer", "image_transfer", "image_transfer DFW -> ORD (export, copy, import)", prepare_transfer,
    lambda context: dict(TASK_POLL, image=context["image_id"], target_region="ORD"),
    check_transfer,
    {"5xx burst": burst("POST", TASKS_PATH, "DFW"), "413/429 Retry-After": rate_limited("POST", TASKS_PATH, "DFW"),
     "reset GET body": reset_mid_body("GET", r"/image-transfer/.+\.vhd-00002$", "DFW"),
     "reset PUT body": reset_mid_body("PUT", SEGMENT_PUT, "ORD"),
     "slow answer": slow("POST", TASKS_PATH, "DFW"), "token expiry": token_expiry("GET", TASK_PATH, "DFW"),
     "task fails (export)": task_fails("export"), "task fails (import)": task_fails("import"), "list lag": list_lag(),
     "object list lag": object_list_lag()})


def prepare_import(_cloud, workdir):
    path = Path(workdir) / "appliance.vhd"
    with open(path, "wb") as handle:
        for chunk in vhd.fixed_disk_chunks(path.name, 2 * MIB):
            handle.write(chunk)
    return {"path": str(path), "name": unique("imported")}


def check_import(cloud, context, _result):
    current = state(cloud)
    verdict = one_image(images_where(current, "DFW", name=context["name"]), f"the file imported as {context['name']}")
    verdict.leftovers += no_objects(cloud, "DFW") + running_tasks(current)
    return verdict


IMAGE_IMPORT = Row(
    "image_import", "image_import", "image_import of a 2 MiB fixed VHD (3 segments)", prepare_import,
    lambda context: dict(TASK_POLL, path=context["path"], name=context["name"], segment_size=1),
    check_import,
    {"5xx burst": burst("POST", TASKS_PATH), "413/429 Retry-After": rate_limited("POST", TASKS_PATH),
     "reset PUT body": reset_mid_body("PUT", SEGMENT_PUT), "slow answer": slow("POST", TASKS_PATH),
     "token expiry": token_expiry("GET", TASK_PATH), "task fails (import)": task_fails("import")})


def prepare_upload(_cloud, workdir):
    path = Path(workdir) / "dump.sql.gz"
    data = os.urandom(5 * MIB // 2)
    path.write_bytes(data)
    parts = [hashlib.md5(data[start:start + MIB], usedforsecurity=False).hexdigest() for start in range(0, len(data), MIB)]
    etag = hashlib.md5("".join(parts).encode(), usedforsecurity=False).hexdigest()
    segments = {f"matrix-uploads_segments/{path.name}/{etag}/{number:05d}": md5 for number, md5 in enumerate(parts, 1)}
    return {"path": str(path), "object": f"matrix-uploads/{path.name}", "segments": segments}


def check_upload(cloud, context, _result):
    stored = objects(cloud)
    expected = {context["object"], *context["segments"]}
    segments_ok = all(stored.get(name) == md5 for name, md5 in context["segments"].items())
    return Verdict(context["object"] in stored and segments_ok, [f"object {name}" for name in sorted(set(stored) - expected)])


OBJECT_UPLOAD = Row(
    "object_upload", "object_upload", "object_upload of a 2.5 MiB file (3 segments)", prepare_upload,
    lambda context: {"paths": [context["path"]], "container": "matrix-uploads", "segment_size": 1},
    check_upload,
    {"5xx burst": burst("PUT", SEGMENT_PUT), "413/429 Retry-After": rate_limited("PUT", SEGMENT_PUT),
     "reset PUT body": reset_mid_body("PUT", SEGMENT_PUT), "slow answer": slow("PUT", SEGMENT_PUT),
     "token expiry": token_expiry("PUT", r"_segments/.+/0000[1-3]$", in_flight=3)},
    rerun=False)


ROWS = (IMAGE_CREATE, IMAGE_UPDATE, IMAGE_DELETE, IMAGE_PRUNE, IMAGE_SHARE, IMAGE_INFO, IMAGE_TRANSFER, IMAGE_IMPORT, OBJECT_UPLOAD)


@dataclass
class Cell:
    """One module main path under one fault (a column of its row)."""

    row: Row
    fault: str

    @property
    def id(self):
        """``<row key>-<fault>``, e.g. ``image_transfer-task_fails_export``."""
        return f"{self.row.key}-{'_'.join(re.findall('[a-z0-9]+', self.fault.lower()))}"

    @property
    def known_failure(self):
        return KNOWN_FAILURES.get(self.id)

    @property
    def first_outcome(self):
        """What the first run must give: failed clearly for the cells of FAILS_FIRST, converged for the others."""
        return FAILED_CLEARLY if self.id in FAILS_FIRST else CONVERGED


CELLS = [Cell(row, fault) for row in ROWS for fault in row.columns]


# running a cell

@dataclass
class Run:
    outcome: str
    requests: int
    note: str = ""


@dataclass
class CellResult:
    cell: Cell
    runs: list
    verdict: Verdict
    never_hit: list  # what was armed, when none of it happened in the first run
    seconds: float

    @property
    def problems(self):
        """Why the cell fails: BAD runs, a first run other than the cell's (FAILS_FIRST), no convergence after the fault passed,
        leftovers, duplicates, a fault that never hit."""
        found = [f"run {number}: BAD, {run.note}" for number, run in enumerate(self.runs, 1) if run.outcome == BAD]
        if self.runs[-1].outcome != CONVERGED and not found:
            found.append(f"no convergence after the fault passed: {self.runs[-1].note}")
        if self.runs[0].outcome not in (BAD, self.cell.first_outcome):
            found.append(f"run 1: {self.runs[0].outcome}, where this cell's first run is {self.cell.first_outcome} (FAILS_FIRST)")
        return (found + [f"leftover: {item}" for item in self.verdict.leftovers] + [f"duplicate: {item}" for item in self.verdict.duplicates]
                + [f"armed but never hit: {item}" for item in self.never_hit])

    @property
    def status(self):
        """ok, FAIL, known (a known failure that fails) or FIXED (a known failure that no longer fails)."""
        if self.cell.known_failure:
            return "known" if self.problems else "FIXED"
        return "FAIL" if self.problems else "ok"


def logged_requests(cloud):
    return sum(1 for entry in control(cloud, "GET", "requests")["requests"] if entry["service"] != "control")


def crashed(output, result):
    """Whether the module died of an exception instead of failing with a message of its own.

    ansible-core 2.19 puts ``"exception": "(traceback unavailable)"`` in every failed result, a clean ``fail_json`` included,
    and reports a module that raised with that placeholder and a message of the controller's, ``Task failed: Module failed:
    <the exception's text>``; a traceback shows only where tracebacks are asked for, or from older cores (``MODULE FAILURE``).
    """
    return ("Traceback" in output or result.get("exception", TRACEBACK_PLACEHOLDER) != TRACEBACK_PLACEHOLDER
            or str(result.get("msg", "")).startswith(("Task failed:", "MODULE FAILURE")))


def judge(run, result, verdict):
    """(outcome, note) of one ansible-playbook run of the module task."""
    if "timedout" in result:
        return BAD, f"hung: still running after {TASK_TIMEOUT} s"
    if crashed(run.output, result):
        return BAD, TRACEBACK_NOTE
    if not result:
        return BAD, f"no result for the task (rc {run.rc}): {run.output[-300:]}"
    if run.rc == 0:
        return (CONVERGED, "") if verdict.reached else (BAD, "rc 0 but the end state is not the expected one")
    if result.get("failed") and result.get("msg"):
        return FAILED_CLEARLY, " ".join(str(result["msg"]).split())[:300]
    return BAD, f"failed without a message (rc {run.rc})"


def run_cell(cloud, cell, workdir):
    """Run one cell on a local cloud of FAST_CLOUD (it is reset first) with a work directory of its own."""
    started = time.monotonic()
    row, arm = cell.row, cell.row.columns[cell.fault]
    control(cloud, "POST", "reset")
    context = row.prepare(cloud, workdir)
    queued = arm.apply(cloud, context)
    task = {"name": "run", f"opencloud.images.{row.module}": row.options(context), "timeout": TASK_TIMEOUT}
    playbook = playbook_runner(Path(workdir))
    runs, verdict, counted, missed = [], None, 0, None
    while True:
        run = playbook(play(cloud, task, account=arm.play_options))
        result = {}
        if os.path.exists(run.result_file):
            result = run.results().get("run", {})
            os.unlink(run.result_file)  # so that a run that writes none is not judged by this one's
        verdict = row.check(cloud, context, result)
        outcome, note = judge(run, result, verdict)
        total = logged_requests(cloud)
        runs.append(Run(outcome, total - counted, note))
        counted = total
        if missed is None:
            missed = never_hit(state(cloud), queued)
            missed = missed if len(missed) == len(queued) + len(arm.calls) else []
        if len(runs) == 2 or outcome == BAD or (outcome == CONVERGED and not row.rerun):
            break
        control(cloud, "DELETE", "faults")
        time.sleep(arm.pause)
    verdict.duplicates += needless_logins(state(cloud))
    return CellResult(cell, runs, verdict, missed, time.monotonic() - started)


# the table

COLUMNS = ("module", "fault", "outcome", "re-run", "requests", "leftovers", "duplicates", "seconds", "status")


def table_row(result):
    runs = result.runs
    return (result.cell.row.key, result.cell.fault, runs[0].outcome, runs[1].outcome if len(runs) > 1 else "-",
            "+".join(str(run.requests) for run in runs), str(len(result.verdict.leftovers)), str(len(result.verdict.duplicates)),
            f"{result.seconds:.1f}", result.status)


def render(results):
    """The matrix as a text table, then the details of every cell that is not plainly ok, then the summary line."""
    lines = [tuple(COLUMNS)] + [table_row(result) for result in results]
    widths = [max(len(line[index]) for line in lines) for index in range(len(COLUMNS))]
    text = ["  ".join(value.ljust(width) for value, width in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    for result in results:
        notes = [f"run {number}: {run.outcome}: {run.note}" for number, run in enumerate(result.runs, 1) if run.note and run.outcome != BAD]
        if result.status != "ok" or notes:
            text.append(f"\n{result.cell.id} ({result.cell.row.title}; {result.cell.fault}): {result.status}")
            if result.cell.known_failure:
                text.append(f"  known failure: {result.cell.known_failure}")
            text += [f"  {line}" for line in notes + result.problems]
    text.append("\n" + summary(results))
    return "\n".join(text)


def summary(results):
    count = {status: sum(1 for result in results if result.status == status) for status in ("ok", "FAIL", "known", "FIXED")}
    first = {outcome: sum(1 for result in results if result.runs[0].outcome == outcome) for outcome in (CONVERGED, FAILED_CLEARLY, BAD)}
    return (f"{len(results)} cells: {first[CONVERGED]} converged at once, {first[FAILED_CLEARLY]} failed clearly first, {first[BAD]} BAD "
            f"first runs; {count['ok']} ok, {count['FAIL']} failing, {count['known']} known failures, {count['FIXED']} known failures "
            f"fixed; {sum(len(r.verdict.leftovers) for r in results)} leftovers, {sum(len(r.verdict.duplicates) for r in results)} "
            f"duplicates, {sum(1 for r in results for run in r.runs if run.note == TRACEBACK_NOTE)} tracebacks")


def collections_path(workdir):
    """ANSIBLE_COLLECTIONS_PATH for the plays: as set, else a directory where this checkout is opencloud.images."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    namespace = Path(workdir) / "collections" / "ansible_collections" / "opencloud"
    namespace.mkdir(parents=True)
    (namespace / "images").symlink_to(TESTS.parent)
    return str(namespace.parent.parent)


def run_matrix(selected, jobs, workdir):
    """Run the cells on ``jobs`` local clouds at once; the results in matrix order."""
    clouds = queue.Queue()
    started = [LocalCloud(config=FAST_CLOUD).start() for _job in range(jobs)]
    for cloud in started:
        clouds.put(cloud)

    def run(cell):
        cloud = clouds.get()
        try:
            return run_cell(cloud, cell, tempfile.mkdtemp(dir=workdir))
        finally:
            clouds.put(cloud)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(run, selected))
    finally:
        for cloud in started:
            cloud.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run each module's main path under each fault against the local cloud; print the matrix.")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="cells run at once, each on its own local cloud (default 2)")
    parser.add_argument("-k", "--only", metavar="TEXT", help="only the cells whose id contains TEXT (ids: see --list)")
    parser.add_argument("--list", action="store_true", help="list the cell ids and exit")
    args = parser.parse_args(argv)
    selected = [cell for cell in CELLS if not args.only or args.only in cell.id]
    if args.list or not selected:
        print("\n".join(cell.id for cell in CELLS))
        return 0 if args.list else 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as workdir:
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = collections_path(workdir)
        results = run_matrix(selected, max(1, args.jobs), workdir)
    print(render(results))
    print(f"({time.monotonic() - started:.0f} s with {args.jobs} at once)")
    return 1 if any(result.status in ("FAIL", "FIXED") for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
