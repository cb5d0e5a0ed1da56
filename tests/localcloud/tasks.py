"""Glance v2 tasks at ``/regions/<REGION>/image/v2/tasks``: Rackspace Cloud Images' image export and import.

Part of the image service (same log name, authentication and error format as images.py), in its own blueprint. The
wire format is upstream Glance's (glance/api/v2/tasks.py: a bare task from POST and GET, task stubs in the list,
``expires_at`` only once it is set); the task types, their inputs and failure messages are Rackspace's.

A task is ``pending`` for ``task_phase_seconds.pending``, ``processing`` for ``task_phase_seconds.processing`` (each times
the config's ``time_scale``), then does its work and ends ``success`` or ``failure``, stamped with the time each status
began. ``CloudState.settle`` works this out from the state's clock, so nothing runs in the background and tests step
through it with an injected clock. A finished task is gone (404) ``TASK_TTL`` (times ``time_scale``) after it ended, as
Glance's ``task_time_to_live``; what it made stays.

* export: a fixed VHD made up from the image id (``vhd.fixed_disk_chunks``: the same image always gives the same bytes)
  of ``export_image_bytes``, written as a Dynamic Large Object into the caller's container of that region: segments
  ``<uuid>.vhd-00001``, ... of ``export_segment_bytes`` and the zero-byte manifest ``<uuid>.vhd``.
* import: a plain object, DLO or SLO of the caller's Cloud Files in that region whose VHD footer passes Rackspace's
  checks becomes an active private image (size and checksum of the data).
"""

import copy
import hashlib
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional
from urllib.parse import urlencode

from flask import Blueprint, g, request

from . import images, vhd
from .errors import GlanceError, json_response
from .object_store import (ACCOUNT_PREFIX, EMPTY_MD5, Body, StoredObject, SwiftError, containers, content, delete_object, find_object,
                           store_object, write_blob)
from .servers import GIB
from .state import current_state, isotime

SERVICE = images.SERVICE
PATH_RE = re.compile(r"^/regions/[^/]+/image/v2/tasks(/|$)")
blueprint = Blueprint("image_tasks", __name__, url_prefix="/regions/<region>/image/v2/tasks")
blueprint.url_value_preprocessor(images.pull_region)
blueprint.before_request(images.authenticate)
http_error = images.http_error

TYPES = ("import", "export")
STATUSES = ("pending", "processing", "success", "failure")
REQUIRED_INPUT = {"export": ("image_uuid", "receiving_swift_container"), "import": ("import_from", "image_properties")}
TASK_TTL = timedelta(hours=48)
LIMIT_DEFAULT, LIMIT_MAX = 25, 1000
EXPORT_NAMESPACE = uuid.UUID("1b9d5c7e-3f2a-4e6b-8c0d-9a7f5e3b1c24")  # unique ids of exported disks: uuid5 of the image id
# Rackspace's import failures; the code leads the task's message.
IMPORT_FAILURES = {
    111: "The image cannot be imported. There is an unspecified problem with your VHD that caused it to fail our validation checks.",
    396: "The image cannot be imported. The file is not a valid VHD.",
    413: "The image cannot be imported. The virtual size of the disk exceeds the {limit} limit.",
    523: "The image cannot be imported. Only fixed or dynamic disks may be imported.",
    614: "The image cannot be imported. The internal UUID of the VHD is all zeros.",
    721: "The image cannot be imported. Your VHD has a parent disk. You can only import a stand-alone VHD.",
}

# What a task made to fail (``POST /_localcloud/tasks/fail-next``) says by default: Rackspace's words for a failure on its side.
TASK_FAILURES = {
    "export": "Image export failed: an internal error occurred while writing to Cloud Files. Please try again, or contact support.",
    "import": "Image import failed: an internal error occurred while importing the image. Please try again, or contact support.",
}


class TaskFailure(Exception):
    """Ends a task with status ``failure`` and this message."""


@dataclass
class Task:
    id: str
    type: str
    owner: str
    region: str
    input: dict
    created: datetime
    phase_seconds: dict  # on the wall clock
    time_to_live: timedelta = TASK_TTL  # on the wall clock
    status: str = "pending"
    result: Optional[dict] = None
    message: str = ""
    updated: Optional[datetime] = None
    expires: Optional[datetime] = None
    fail_message: Optional[str] = None  # set: the task fails with this message instead of doing its work

    def __post_init__(self):
        self.updated = self.updated or self.created

    def settle(self, state, now):
        """Catch up with the clock; the work is done (with the state's lock held) when processing ends."""
        processing = self.created + timedelta(seconds=self.phase_seconds["pending"])
        end = processing + timedelta(seconds=self.phase_seconds["processing"])
        if self.status == "pending" and now >= processing:
            self.status, self.updated = "processing", processing
        if self.status == "processing" and now >= end:
            try:
                if self.fail_message is not None:
                    raise TaskFailure(self.fail_message)
                self.result = WORK[self.type](state, self, end)
                self.status, self.message = "success", "None"
            except TaskFailure as exc:
                self.status, self.message = "failure", str(exc)
            self.updated, self.expires = end, end + self.time_to_live

    def visible(self, tenant, now):
        return self.owner == tenant and (self.expires is None or now < self.expires)

    def stub(self):
        """The task in a list (Glance's task stub: no input, result or message)."""
        view = {"id": self.id, "type": self.type, "status": self.status, "owner": self.owner, "created_at": isotime(self.created),
                "updated_at": isotime(self.updated), "self": f"/v2/tasks/{self.id}", "schema": "/v2/schemas/task"}
        if self.expires is not None:
            view["expires_at"] = isotime(self.expires)
        return view

    def view(self):
        return {**self.stub(), "input": copy.deepcopy(self.input), "result": copy.deepcopy(self.result), "message": self.message}

    def describe(self):
        """For the control API's state dump."""
        return {**self.view(), "region": self.region}


# export

def _exportable_image(state, task):
    image_id = task.input["image_uuid"]
    image = state.image(task.region, image_id)
    if image is None or image["owner"] != task.owner or image["visibility"] in ("public", "community") or image["status"] != "active":
        raise TaskFailure(f"Requested image for export was not found: {image_id}")
    options = image.get("com.rackspace__1__options", "0")
    if options != "0":
        raise TaskFailure(f"The image {image_id} cannot be exported: its com.rackspace__1__options is {options!r}, not '0' "
                          "(Windows and Red Hat images cannot be exported)")
    return image_id


class _ChunkReader:
    """``read(n)`` over an iterator of byte chunks."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, size):
        while len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _export(state, task, when):
    image_id = _exportable_image(state, task)
    container = task.input["receiving_swift_container"]
    account = f"{ACCOUNT_PREFIX}{task.owner}"
    box = containers(state, task.region, account).get(container)
    if box is None:
        raise TaskFailure(f"The receiving Swift container {container} does not exist")
    manifest, prefix = f"{image_id}.vhd", f"{image_id}.vhd-"
    for stale in [name for name in box.objects if name.startswith(prefix)]:  # segments of an earlier export
        delete_object(state, task.region, account, container, stale)
    total, segment_bytes = state.config["export_image_bytes"], state.config["export_segment_bytes"]
    disk = _ChunkReader(vhd.fixed_disk_chunks(image_id, total - vhd.FOOTER_BYTES, uuid.uuid5(EXPORT_NAMESPACE, image_id).bytes))
    for number in range(1, math.ceil(total / segment_bytes) + 1):
        path, size, etag = write_blob(state, disk, length=segment_bytes)
        store_object(state, task.region, account, container, StoredObject(name=f"{prefix}{number:05d}", size=size, etag=etag,
                                                                          content_type="application/octet-stream",
                                                                          timestamp=when.timestamp(), blob=path))
    store_object(state, task.region, account, container, StoredObject(name=manifest, size=0, etag=EMPTY_MD5,
                                                                      content_type="application/octet-stream", timestamp=when.timestamp(),
                                                                      manifest=f"{container}/{prefix}"))
    return {"export_location": f"{container}/{manifest}"}


# import

def _import_failure(code, **values):
    return TaskFailure(f"{code}: {IMPORT_FAILURES[code].format(**values)}")


def _size_text(size):
    return f"{size // GIB}GB" if size % GIB == 0 else f"{size} bytes"


def _scan(parts):
    """(md5 hex, first 512 bytes, last 512 bytes) of the data, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    head = tail = b""
    body = Body(parts)
    try:
        for chunk in body:
            digest.update(chunk)
            head += chunk[:vhd.FOOTER_BYTES - len(head)]
            tail = (tail + chunk)[-vhd.FOOTER_BYTES:]
    finally:
        body.close()
    return digest.hexdigest(), head, tail


def _footer(head, tail):
    """The footer at the end of the data, else the copy a dynamic (or differencing) disk keeps at its start; None if neither."""
    for data, disk_types in ((tail, None), (head, (vhd.DYNAMIC, vhd.DIFFERENCING))):
        if len(data) == vhd.FOOTER_BYTES:
            footer = vhd.parse_footer(data)
            if footer.cookie == vhd.COOKIE and (disk_types is None or footer.disk_type in disk_types):
                return footer
    return None


def _check_vhd(footer, max_virtual):
    """Rackspace's import checks, in order; raises the first failure."""
    if footer is None:
        raise _import_failure(396)
    if not footer.checksum_ok:
        raise _import_failure(111)
    if footer.disk_type == vhd.DIFFERENCING:
        raise _import_failure(721)
    if footer.disk_type not in (vhd.FIXED, vhd.DYNAMIC):
        raise _import_failure(523)
    if footer.current_size > max_virtual:
        raise _import_failure(413, limit=_size_text(max_virtual))
    if footer.unique_id == bytes(16):
        raise _import_failure(614)


def _import(state, task, when):
    properties = task.input["image_properties"]
    extra = sorted(set(properties) - {"name"})
    if extra:
        raise TaskFailure(f"Image property {extra[0]!r} cannot be set on import: name is the only image property allowed")
    source_format = task.input.get("import_from_format", "vhd")
    if source_format != "vhd":
        raise TaskFailure(f"Unsupported import_from_format {source_format!r}: only vhd images can be imported")
    source = task.input["import_from"]
    account = f"{ACCOUNT_PREFIX}{task.owner}"
    container, _slash, name = source.partition("/")
    stored = find_object(state, task.region, account, container, name)
    try:
        if stored is None:
            raise SwiftError(404)
        parts, _etag, size = content(state, task.region, account, stored)
    except SwiftError:
        raise TaskFailure(f"Image to import was not found in Cloud Files: {source}") from None
    checksum, head, tail = _scan(parts)
    footer = _footer(head, tail)
    _check_vhd(footer, state.config["import_max_virtual_bytes"])
    image = state.add_image(task.region, task.owner, name=properties["name"], status="active", size=size, checksum=checksum,
                            disk_format="vhd", container_format="ovf", visibility="private", image_type="import",
                            virtual_size=footer.current_size, created_at=isotime(when))
    state.hide_from_lists(image["id"], when)
    return {"image_id": image["id"]}


WORK = {"export": _export, "import": _import}


# the HTTP API

def _request_body():
    """The JSON body of a POST, checked as Glance's task deserializer does, with Rackspace's inputs: (type, input)."""
    if not request.get_data():
        raise GlanceError(400, "Body expected in request.")
    body = images.json_body()
    for key in ("type", "input"):
        if not isinstance(body, dict) or key not in body:
            raise GlanceError(400, f"Task '{key}' is required")
    task_type, task_input = body["type"], body["input"]
    if task_type not in TYPES:
        raise GlanceError(400, f"Provided object does not match schema 'task': {task_type!r} is not one of {list(TYPES)!r}")
    if task_input is not None and not isinstance(task_input, dict):
        raise GlanceError(400, f"Provided object does not match schema 'task': {task_input!r} is not of type 'null', 'object'")
    task_input = task_input or {}
    for key in REQUIRED_INPUT[task_type]:
        if key not in task_input:
            raise GlanceError(400, f"Input does not contain '{key}' field")
        wanted = dict if key == "image_properties" else str
        if not isinstance(task_input[key], wanted):
            raise GlanceError(400, f"Input field '{key}' must be {'an object' if wanted is dict else 'a string'}")
    if task_type == "import" and "name" not in task_input["image_properties"]:
        raise GlanceError(400, "Input does not contain 'image_properties.name' field")
    if task_type == "export" and re.search(r"[/?.]", task_input["receiving_swift_container"]):
        raise GlanceError(400, "Invalid receiving_swift_container: a container name must not contain '/', '?' or '.'")
    return task_type, task_input


@blueprint.post("")
def create_task():
    """201 with the bare task, pending, and its ``Location``."""
    task_type, task_input = _request_body()
    state = current_state()
    with state.lock:
        task = Task(id=str(uuid.uuid4()), type=task_type, owner=g.tenant, region=g.region, input=copy.deepcopy(task_input),
                    created=state.now(), phase_seconds={status: state.wall_seconds(seconds)
                                                        for status, seconds in state.config["task_phase_seconds"].items()},
                    time_to_live=timedelta(seconds=state.wall_seconds(TASK_TTL.total_seconds())),
                    fail_message=state.failing_tasks.pop(task_type, None))
        state.tasks[task.id] = task
        task.settle(state, state.now())  # phases of 0 seconds end at once
        return json_response(task.view(), 201, {"Location": f"{request.host_url}regions/{g.region}/image/v2/tasks/{task.id}"})


def _integer(text, message):
    try:
        return int(text)
    except ValueError:
        raise GlanceError(400, message) from None


@blueprint.get("")
def list_tasks():
    """The caller's tasks of the region, newest first: ``type`` and ``status`` filters, ``limit`` and ``marker`` paging."""
    params = request.args
    if params.get("status") and params["status"] not in STATUSES:
        raise GlanceError(400, f"Invalid status value: {params['status']}")
    if params.get("type") and params["type"] not in TYPES:
        raise GlanceError(400, f"Invalid type value: {params['type']}")
    limit = min(LIMIT_MAX, _integer(params.get("limit", LIMIT_DEFAULT), "limit param must be an integer"))
    if limit < 0:
        raise GlanceError(400, "limit param must be positive")
    state = current_state()
    with state.lock:
        now = state.now()
        tasks = sorted((task for task in state.tasks.values() if task.region == g.region and task.visible(g.tenant, now)
                        and params.get("type") in (None, "", task.type) and params.get("status") in (None, "", task.status)),
                       key=lambda task: (task.created, task.id), reverse=True)
        marker = params.get("marker")
        if marker is not None:
            position = next((index for index, task in enumerate(tasks) if task.id == marker), None)
            if position is None:
                raise GlanceError(400, f"Task with the given id {marker} was not found")
            tasks = tasks[position + 1:]
        page = tasks[:limit]
        query = [(key, value) for key, value in params.items(multi=True) if key != "marker"]
        body = {"tasks": [task.stub() for task in page], "first": "/v2/tasks" + (f"?{urlencode(query)}" if query else ""),
                "schema": "/v2/schemas/tasks"}
        if page and len(page) == limit:
            body["next"] = f"/v2/tasks?{urlencode(query + [('marker', page[-1].id)])}"
        return json_response(body)


@blueprint.get("/<task_id>")
def show_task(task_id):
    state = current_state()
    with state.lock:
        task = state.tasks.get(task_id)
        if task is None or task.region != g.region or not task.visible(g.tenant, state.now()):
            raise GlanceError(404, f"Task with the given id {task_id} was not found")
        return json_response(task.view())
