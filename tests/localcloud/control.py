"""Control API for tests, at ``/_localcloud/`` (no authentication): inspect and steer the emulator.

Nothing here returns a secret: the state dump has no passwords, API keys or token ids, and the request log has no
headers, bodies or query values.
"""

import json
import re

from flask import Blueprint, request

from .errors import json_response
from .object_store import describe_account
from .seed import default_server_image
from .server_jobs import BOOT_BEHAVIOURS
from .state import Fault, current_state
from .tasks import TASK_FAILURES

SERVICE = "control"
PATH_RE = re.compile(r"^/_localcloud(/|$)")
MAX_DELAY_SECONDS = 600
blueprint = Blueprint(SERVICE, __name__, url_prefix="/_localcloud")


class ControlError(Exception):
    """A bad control request: 400 with ``{"error": message}``."""


@blueprint.errorhandler(ControlError)
def _control_error(exc):
    return json_response({"error": str(exc)}, 400)


def http_error(exc):
    return json_response({"error": exc.description}, exc.code)


def _body():
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError as exc:
        raise ControlError(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


@blueprint.get("/state")
def get_state():
    return json_response(current_state().snapshot())


@blueprint.post("/reset")
def reset():
    """Back to the seed, and to the config the local cloud started with."""
    current_state().reset()
    return "", 204


@blueprint.post("/images")
def create_image():
    """Body: ``{"region", "owner", "members": {tenant: status}, ...image fields}``; status defaults to active."""
    body = _body()
    for key in ("region", "owner"):
        if not isinstance(body.get(key), str):
            raise ControlError(f"'{key}' (a string) is required")
    if not isinstance(body.get("members", {}), dict):
        raise ControlError("'members' must be an object {tenant: status}")
    body["region"] = body["region"].upper()
    state = current_state()
    with state.lock:
        try:
            image = state.add_image(**body)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        return json_response(image, 201)


@blueprint.post("/images/<image_id>/boot")
def set_image_boot(image_id):
    """Body: ``{"boot": "ok"|"fail"|"no-ssh"}``: how servers built or rebuilt from this image boot (its property ``localcloud_boot``):
    ACTIVE with a listening sshd, ERROR with a fault, or ACTIVE with nothing listening."""
    body = _body()
    if set(body) != {"boot"} or body["boot"] not in BOOT_BEHAVIOURS:
        raise ControlError(f"body must be {{\"boot\": one of {', '.join(BOOT_BEHAVIOURS)}}}")
    state = current_state()
    with state.lock:
        image = next((images[image_id] for images in state.images.values() if image_id in images), None)
        if image is None:
            return json_response({"error": f"no image {image_id}"}, 404)
        image["localcloud_boot"] = body["boot"]
        return json_response(image)


# servers and the compute config

SERVER_FIELDS = {"region": str, "owner": str, "name": str, "id": str, "host_group": str, "image_id": str, "boot_from_volume": bool,
                 "status": str, "task_state": str, "metadata": dict, "flavor": str, "disk_config": str}


@blueprint.post("/servers")
def create_server():
    """Body: ``{"region", "owner", "name", "host_group"?, "image_id"? (the region's Ubuntu image), "boot_from_volume"? (false),
    "status"? (ACTIVE), "task_state"?, "metadata"?, "flavor"?, "disk_config"?, "id"?}``; answers 201 with the server, hidden fields included.
    """
    body = _body()
    unknown = set(body) - set(SERVER_FIELDS)
    if unknown:
        raise ControlError(f"unknown fields: {', '.join(sorted(unknown))}")
    for key in ("region", "owner", "name"):
        if key not in body:
            raise ControlError(f"'{key}' (a string) is required")
    for key, kind in SERVER_FIELDS.items():
        if key in body and not isinstance(body[key], kind):
            raise ControlError(f"'{key}' must be a {kind.__name__}")
    body["region"] = body["region"].upper()
    body["server_id"] = body.pop("id", None)
    if not body.get("boot_from_volume"):
        body.setdefault("image_id", default_server_image(body["region"]))
    state = current_state()
    with state.lock:
        try:
            server = state.add_server(**body)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        return json_response(server.describe(), 201)


@blueprint.post("/servers/<server_id>/fail-next-image")
def fail_next_image(server_id):
    """The server's next createImage fails once, as on a full disk: the image ends ``killed`` after its upload phase."""
    state = current_state()
    with state.lock:
        server = state.find_server(server_id)
        if server is None:
            return json_response({"error": f"no server {server_id}"}, 404)
        server.fail_next_image = True
        return json_response(server.describe())


@blueprint.get("/config")
def get_config():
    state = current_state()
    with state.lock:
        return json_response(state.config)


@blueprint.post("/config")
def set_config():
    """Body: any of ``{"image_phase_seconds": {"image_snapshot", "image_pending_upload", "image_uploading"}, "images_per_host_group",
    "overlimit_retry_after", "members_need_shared_visibility": bool or {REGION: bool}, "object_max_bytes", "slo_max_segments",
    "slo_min_segment_bytes", "task_phase_seconds": {"pending", "processing"}, "export_image_bytes", "export_segment_bytes",
    "import_max_virtual_bytes", "fault_seed", "list_lag_seconds", "object_list_lag_seconds"}`` (see ``servers.DEFAULT_CONFIG``);
    answers with the whole config. New phase lengths and ``list_lag_seconds`` apply to snapshots, tasks and images made from then
    on, ``object_list_lag_seconds`` to every listing from then on.
    """
    body = _body()
    try:
        return json_response(current_state().configure(body))
    except ValueError as exc:
        raise ControlError(str(exc)) from None


@blueprint.post("/tasks/fail-next")
def fail_next_task():
    """Body: ``{"type": "export"|"import", "message"?}``: the next task of that type ends ``failure`` with that message (a
    Rackspace-style one by default) when its processing is over, having made nothing."""
    body = _body()
    if body.get("type") not in TASK_FAILURES or not isinstance(body.get("message", ""), str) or set(body) - {"type", "message"}:
        raise ControlError(f"body must be {{\"type\": one of {', '.join(TASK_FAILURES)}, \"message\"?: a string}}")
    state = current_state()
    with state.lock:
        state.failing_tasks[body["type"]] = body.get("message") or TASK_FAILURES[body["type"]]
        return json_response({"failing_tasks": dict(state.failing_tasks)})


@blueprint.get("/objects")
def get_objects():
    """``?region=R&account=MossoCloudFS_T``: the account's containers and objects (name, bytes, md5, kind, manifest target)."""
    region, account = request.args.get("region"), request.args.get("account")
    if not region or not account:
        raise ControlError("'region' and 'account' query parameters are required")
    state = current_state()
    if region.upper() not in state.regions:
        raise ControlError(f"unknown region {region!r}")
    return json_response(describe_account(state, region.upper(), account))


@blueprint.get("/requests")
def get_requests():
    state = current_state()
    with state.lock:
        return json_response({"requests": list(state.request_log)})


def _clear(attribute):
    state = current_state()
    with state.lock:
        getattr(state, attribute).clear()
    return "", 204


@blueprint.delete("/requests")
def clear_requests():
    return _clear("request_log")


@blueprint.post("/tokens/expire")
def expire_tokens():
    return json_response({"expired": current_state().expire_tokens()})


CANNED_FIELDS = ("status", "headers", "body")
STREAM_FIELDS = ("reset_after_bytes", "corrupt")
MATCH_FIELDS = ("path_regex", "method", "region", "count", "probability", "seed")
FAULT_TYPES = {"path_regex": str, "status": int, "method": str, "region": str, "count": int, "headers": dict, "reset_after_bytes": int,
               "corrupt": bool, "expire_token": bool, "delay_seconds": float, "probability": float, "seed": int}
TYPE_NAMES = {str: "a string", int: "an integer", dict: "an object", bool: "a boolean", float: "a number"}


def _typed(value, kind):
    """JSON types: a bool is no number, and an integer is a number too."""
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, (int, float)) if kind is float else isinstance(value, kind)


def _check_fault(body):
    """ControlError for a fault body that is not one effect (canned, stream or expire_token, maybe delayed) with sane values."""
    unknown = set(body) - {*MATCH_FIELDS, *CANNED_FIELDS, *STREAM_FIELDS, "expire_token", "delay_seconds"}
    if unknown:
        raise ControlError(f"unknown fields: {', '.join(sorted(unknown))}")
    for key, kind in FAULT_TYPES.items():
        if (key in body or key == "path_regex") and not _typed(body.get(key), kind):
            raise ControlError(f"'{key}' must be {TYPE_NAMES[kind]}")
    if any(key in body for key in CANNED_FIELDS) and "status" not in body:
        raise ControlError("a canned response needs its 'status'")
    effects = [key for key in ("status", *STREAM_FIELDS, "expire_token") if key in body]
    if len(effects) > 1:
        raise ControlError("a fault has one effect: a canned response ('status', 'headers'?, 'body'?), 'reset_after_bytes', 'corrupt' "
                           f"or 'expire_token'; got {', '.join(effects)}")
    if not effects and "delay_seconds" not in body:
        raise ControlError("a fault needs an effect ('status', 'reset_after_bytes', 'corrupt' or 'expire_token') or a 'delay_seconds'")
    if ("status" in body and not 100 <= body["status"] <= 599) or body.get("count", 1) < 1:
        raise ControlError("'status' must be an HTTP status and 'count' at least 1")
    if body.get("reset_after_bytes", 0) < 0 or False in (body.get("corrupt"), body.get("expire_token")):
        raise ControlError("'reset_after_bytes' must be 0 or more, and 'corrupt' and 'expire_token' true")
    if not 0 <= body.get("delay_seconds", 0) <= MAX_DELAY_SECONDS or not 0 < body.get("probability", 1) <= 1:
        raise ControlError(f"'delay_seconds' must be 0 to {MAX_DELAY_SECONDS} and 'probability' more than 0, at most 1")
    if not all(isinstance(value, (str, int)) for value in body.get("headers", {}).values()):
        raise ControlError("header values must be strings or numbers")


@blueprint.post("/faults")
def add_fault():
    """Body: ``{"path_regex", "method"?, "region"?, "count"? (1), "probability"? (1), "seed"?, "delay_seconds"? (0)}`` and
    at most one effect: a canned response ``"status", "headers"? {}, "body"? (JSON value, or text)``, a stream fault
    ``"reset_after_bytes": N`` or ``"corrupt": true``, or ``"expire_token": true`` (see ``state.Fault``); a delay alone
    delays the real answer.
    """
    body = _body()
    _check_fault(body)
    try:
        fault = Fault(**body)
    except re.error as exc:
        raise ControlError(f"bad path_regex: {exc}") from None
    current_state().add_fault(fault)
    return json_response(fault.describe(), 201)


@blueprint.delete("/faults")
def clear_faults():
    return _clear("faults")
