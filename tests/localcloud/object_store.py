"""Cloud Files (Swift) at ``/regions/<REGION>/object-store/v1/MossoCloudFS_<tenant>``, the catalog's public URL, and the
same data at ``/regions/<REGION>/snet-object-store/v1/...``, its internal one.

Status codes, headers and bodies follow upstream Swift's proxy with the middlewares Cloud Files runs (dlo, slo, bulk, copy,
listing_formats). Where this emulator differs:

* SLO segments but the last must be at least ``slo_min_segment_bytes`` (Swift's rule before 2.7, which Cloud Files
  documents); inline ``data`` segments, segment ranges and XML listings are not emulated;
* a GET of a large object one of whose SLO segments has gone or changed answers 409 (Swift cuts the body short
  once past the first segment);
* a token of another tenant gets 401, as from Cloud Files' own auth (upstream Swift's tempauth answers 403); so does a
  server-side copy naming another account (X-Copy-From-Account, Destination-Account): there are no ACLs;
* the object expirer runs at once: an object past its X-Delete-At is deleted at the next request that reads its account
  (upstream's object servers answer 404 at once, but listings keep it until the expirer passes);
* eventual consistency only as the config's ``object_list_lag_seconds``: container listings (GET) leave out objects
  written that recently; everything else (HEAD, GET of the object, large objects, the container's counts) sees them at once.

Object bodies are files in the state's storage directory, written chunk by chunk while the request body streams in and
read the same way, so objects of any size stay out of memory. Accounts exist as soon as they are used.
"""

import hashlib
import json
import math
import mimetypes
import os
import re
import secrets
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import quote, unquote

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import http_date

from .errors import SWIFT_REASONS, swift_response
from .state import current_state

SERVICE = "object-store"
PATH_RE = re.compile(r"^/regions/[^/]+/(snet-)?object-store(/|$)")
blueprint = Blueprint(SERVICE, __name__, url_prefix='/regions/<region>/<any("object-store", "snet-object-store"):network>/v1/<account>')

ACCOUNT_PREFIX = "MossoCloudFS_"
CHUNK = 1 << 16
LISTING_LIMIT = 10000  # Swift's CONTAINER_LISTING_LIMIT and ACCOUNT_LISTING_LIMIT
MAX_CONTAINER_NAME = 256
MAX_OBJECT_NAME = 1024
MAX_MANIFEST_BYTES = 8 << 20  # slo max_manifest_size
MAX_BULK_DELETES = 10000
DLO_FORMAT = "X-Object-Manifest must be in the format container/prefix"
SLO_KEYS = ("path", "etag", "size_bytes")
MAX_NESTING = 10  # SLOs within SLOs
# swift.common.constraints: limits of the metadata of one request (what /info reports as max_meta_*)
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_META_OVERALL_SIZE = 4096
COPY_FROM_FORMAT = "X-Copy-From header must be of the form <container name>/<object name>"
DESTINATION_FORMAT = "Destination header must be of the form <container name>/<object name>"


def _md5(data=b""):
    return hashlib.md5(data, usedforsecurity=False)


EMPTY_MD5 = _md5().hexdigest()


@dataclass
class StoredObject:
    """An object as stored: its bytes are in ``blob`` (None when empty), or, for an SLO, the manifest is ``segments``."""

    name: str
    size: int
    etag: str  # md5 hex of the stored bytes (of the manifest JSON for an SLO)
    content_type: str
    timestamp: float  # seconds since the epoch, from the state's clock
    blob: Optional[str] = None
    metadata: dict = field(default_factory=dict)  # X-Object-Meta-* headers as sent
    manifest: Optional[str] = None  # a DLO's X-Object-Manifest as sent: "<container>/<prefix>", maybe URL-encoded
    segments: Optional[list] = None  # an SLO's manifest in Swift's stored form: name, bytes, hash, content_type, last_modified
    delete_at: Optional[int] = None  # X-Delete-At: from then on the object is gone

    @property
    def kind(self):
        return "slo" if self.segments is not None else "dlo" if self.manifest is not None else "plain"

    @property
    def slo_etag(self):
        return _md5("".join(segment["hash"] for segment in self.segments).encode()).hexdigest()

    @property
    def listed_bytes(self):
        """What listings and container totals count: an SLO counts its segments (Swift's ``swift_bytes``)."""
        return sum(segment["bytes"] for segment in self.segments) if self.segments is not None else self.size

    def manifest_body(self):
        return json.dumps(self.segments).encode()


@dataclass
class Container:
    name: str
    timestamp: float
    objects: dict = field(default_factory=dict)  # name -> StoredObject
    metadata: dict = field(default_factory=dict)  # X-Container-Meta-* headers
    expiring: dict = field(default_factory=dict)  # name -> X-Delete-At, of the objects that have one

    def bytes_used(self):
        return sum(stored.listed_bytes for stored in self.objects.values())

    def track(self, stored):
        """Note (or forget) when an object of the container expires; call after each change to its ``delete_at``."""
        if stored.delete_at is None:
            self.expiring.pop(stored.name, None)
        else:
            self.expiring[stored.name] = stored.delete_at

    def expire(self, now):
        """Delete the objects whose X-Delete-At has come, as Swift's object expirer does (here at once, at the next request)."""
        for name, delete_at in list(self.expiring.items()):
            if delete_at <= now:
                del self.expiring[name]
                discard(self.objects.pop(name).blob)


class SwiftError(Exception):
    """An error answer; ``body`` None gives swob's default HTML body for the code."""

    def __init__(self, code, body=None, headers=None, content_type="text/html; charset=UTF-8"):
        super().__init__(body or SWIFT_REASONS.get(code, ("",))[0])
        self.code = code
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


# storage, shared with tasks.py (call with the state's lock held unless said otherwise)

def containers(state, region, account):
    """The containers of an account ({name: Container}), expired objects gone; accounts exist as soon as they are used."""
    boxes = state.objects.setdefault((region, account), {})
    now = state.now().timestamp()
    for box in boxes.values():
        box.expire(now)
    return boxes


def find_object(state, region, account, container, name):
    """The stored object, or None (also when its container does not exist)."""
    box = containers(state, region, account).get(container)
    return box.objects.get(name) if box else None


def write_blob(state, stream, limit=None, length=None):
    """Copy ``stream`` (anything with ``read(n)``) to a new file of the storage directory, 64 KiB at a time, to its end or
    for ``length`` bytes; returns (path, size, md5 hex). Needs no lock.

    SwiftError 413 as soon as more than ``limit`` bytes came, 499 when the client went away; the file is removed then.
    """
    digest = _md5()
    size = 0
    handle, path = tempfile.mkstemp(dir=state.storage_dir())
    try:
        with os.fdopen(handle, "wb") as out:
            while length is None or size < length:
                chunk = stream.read(CHUNK if length is None else min(CHUNK, length - size))
                if not chunk:
                    break
                size += len(chunk)
                if limit is not None and size > limit:
                    raise SwiftError(413)
                digest.update(chunk)
                out.write(chunk)
    except ClientDisconnected:
        discard(path)
        raise SwiftError(499) from None
    except BaseException:
        discard(path)
        raise
    return path, size, digest.hexdigest()


def discard(path):
    """Remove an object body file, if any (readers that opened it keep reading it)."""
    if path:
        with suppress(FileNotFoundError):
            os.unlink(path)


def store_object(state, region, account, container, stored):
    """Put ``stored`` in the container, replacing (and discarding) an object of the same name; 404 if the container is gone."""
    box = containers(state, region, account).get(container)
    if box is None:
        discard(stored.blob)
        raise SwiftError(404)
    old = box.objects.get(stored.name)
    box.objects[stored.name] = stored
    box.track(stored)
    if old is not None:
        discard(old.blob)


def delete_object(state, region, account, container, name):
    """Delete an object; False if there was none."""
    box = containers(state, region, account).get(container)
    stored = box.objects.pop(name, None) if box else None
    if stored is None:
        return False
    box.expiring.pop(name, None)
    discard(stored.blob)
    return True


def _split_path(path):
    """("container", "object") of "/container/object"."""
    container, _slash, name = path.lstrip("/").partition("/")
    return container, name


def _segment_view(stored):
    """(bytes, hash, is an SLO) of an object as an SLO segment: what Swift's HEAD of it says (a DLO counts as its own bytes)."""
    if stored.segments is not None:
        return stored.listed_bytes, stored.slo_etag, True
    return stored.size, stored.etag, False


def stored_bytes(stored):
    """The object's own stored bytes (a manifest's, not its segments'): (parts [(file, length)], ETag, total bytes)."""
    return ([(stored.blob, stored.size)] if stored.size else []), stored.etag, stored.size


def content(state, region, account, stored, depth=0):
    """What a GET of the object serves: (parts [(file, length)], ETag header value, total bytes).

    A DLO is every object of its container whose name starts with its prefix, in name order; its ETag is the quoted md5 of
    their ETags. An SLO is its segments, each checked to be still there unchanged (else 409); its ETag is the quoted md5 of
    their ETags. Anything else is its own bytes, ETag unquoted.
    """
    if stored.manifest is not None:
        container, prefix = unquote(stored.manifest).split("/", 1)
        box = containers(state, region, account).get(container)
        if box is None:
            raise SwiftError(404)
        segments = [box.objects[name] for name in sorted(box.objects) if name.startswith(prefix)]
        parts = [part for segment in segments for part in stored_bytes(segment)[0]]
        etag = _md5("".join(segment.etag for segment in segments).encode()).hexdigest()
        return parts, f'"{etag}"', sum(segment.size for segment in segments)
    if stored.segments is not None:
        if depth > MAX_NESTING:
            raise SwiftError(409)
        parts = []
        for entry in stored.segments:
            segment = find_object(state, region, account, *_split_path(entry["name"]))
            if segment is None or _segment_view(segment)[1] != entry["hash"]:
                raise SwiftError(409)
            nested = segment.segments is not None
            parts += (content(state, region, account, segment, depth + 1) if nested else stored_bytes(segment))[0]
        return parts, f'"{stored.slo_etag}"', stored.listed_bytes
    return stored_bytes(stored)


class Body:
    """The bytes ``start`` to ``stop`` of the files of a list of parts, read 64 KiB at a time. The files are opened at once
    (with the lock held, so that a later delete or overwrite does not affect the reader) and closed by ``close()``, even if
    never iterated."""

    def __init__(self, parts, start=0, stop=None):
        self._files = [open(path, "rb") for path, _length in parts]  # pylint: disable=consider-using-with
        self._lengths = [length for _path, length in parts]
        self._start = start
        self._stop = sum(self._lengths) if stop is None else stop
        self._chunks = None  # the iteration ``read`` takes its bytes from
        self._pending = b""

    def read(self, size):
        """At most ``size`` bytes, b"" at the end: a Body is a stream for ``write_blob`` too (server-side copies)."""
        if self._chunks is None:
            self._chunks = iter(self)
        while len(self._pending) < size and (chunk := next(self._chunks, b"")):
            self._pending += chunk
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def __iter__(self):
        position = 0
        for handle, length in zip(self._files, self._lengths):
            begin, end = max(self._start - position, 0), min(self._stop - position, length)
            position += length
            if begin >= end:
                continue
            handle.seek(begin)
            remaining = end - begin
            while remaining:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk

    def close(self):
        for handle in self._files:
            handle.close()


# the HTTP API

def http_error(exc):
    """Routing errors (unknown path, wrong method) as Swift reports them."""
    headers = {"Allow": ", ".join(sorted(exc.valid_methods))} if exc.code == 405 else None
    return _error_response(SwiftError(exc.code, headers=headers))


def _error_response(exc):
    body = "" if request.method == "HEAD" else exc.body
    return swift_response(exc.code, body, exc.headers, exc.content_type)


blueprint.errorhandler(SwiftError)(_error_response)


@blueprint.url_value_preprocessor
def _pull_location(_endpoint, values):
    g.region = values.pop("region").upper()
    g.account = values.pop("account")
    values.pop("network")


@blueprint.before_request
def _authenticate():
    """Unknown region: 404. Then the token must be valid and belong to the account's tenant: 401 otherwise."""
    state = current_state()
    if g.region not in state.regions:
        raise SwiftError(404)
    token = state.token(request.headers.get("X-Auth-Token", ""))
    if token is None or g.account != f"{ACCOUNT_PREFIX}{token.tenant_id}":
        raise SwiftError(401, headers={"WWW-Authenticate": f'Swift realm="{quote(g.account)}"'})


@blueprint.after_request
def _transaction_id(response):
    """Swift stamps every answer with a transaction id."""
    trans_id = f"tx{secrets.token_hex(11)[:21]}-{int(current_state().now().timestamp()):010x}"
    response.headers["X-Trans-Id"] = response.headers["X-Openstack-Request-Id"] = trans_id
    return response


def _now():
    return current_state().now().timestamp()


def _time_headers(timestamp):
    """Last-Modified (whole seconds, rounded up as Swift does) and X-Timestamp."""
    return {"Last-Modified": http_date(math.ceil(timestamp)), "X-Timestamp": f"{timestamp:016.5f}"}


def _iso(timestamp):
    """A listing's ``last_modified``: ``2026-11-26T12:00:00.000000``."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _chunked():
    return request.headers.get("Transfer-Encoding", "").lower() == "chunked"


def _need_length():
    if request.content_length is None and not _chunked():
        raise SwiftError(411)


def _account_containers():
    return containers(current_state(), g.region, g.account)


def _container(name):
    box = _account_containers().get(name)
    if box is None:
        raise SwiftError(404)
    return box


def _bad_request(message):
    return SwiftError(400, message, content_type="text/plain")


def _checked_metadata(kind):
    """The request's ``X-<kind>-Meta-*`` headers, checked as Swift's check_metadata does (400 with its message otherwise)."""
    prefix = f"x-{kind}-meta-"
    found, size = {}, 0
    for header, value in request.headers.items():
        if not header.lower().startswith(prefix):
            continue
        name = header[len(prefix):]
        if not name:
            raise _bad_request("Metadata name cannot be empty")
        size += len(name) + len(value)
        if len(name) > MAX_META_NAME_LENGTH:
            raise _bad_request(f"Metadata name too long: {prefix}{name}")
        if len(value) > MAX_META_VALUE_LENGTH:
            raise _bad_request(f"Metadata value longer than {MAX_META_VALUE_LENGTH}: {prefix}{name}")
        if len(found) >= MAX_META_COUNT:
            raise _bad_request(f"Too many metadata items; max {MAX_META_COUNT}")
        if size > MAX_META_OVERALL_SIZE:
            raise _bad_request(f"Total metadata too large; max {MAX_META_OVERALL_SIZE}")
        found[header] = value
    return found


def _updated_metadata(current, kind):
    """Account or container metadata after a PUT or POST: ``X-<kind>-Meta-N: value`` sets N, an empty value or an
    ``X-Remove-<kind>-Meta-N`` header removes it; the rest stays."""
    updated = dict(current)
    for header, value in _checked_metadata(kind).items():
        if value:
            updated[header] = value
        else:
            updated.pop(header, None)
    remove = f"x-remove-{kind}-meta-"
    for header in request.headers.keys():
        if header.lower().startswith(remove) and header[len(remove):]:
            updated.pop(f"X-{kind.title()}-Meta-{header[len(remove):]}", None)
    return updated


def _delete_at(default=None):
    """The X-Delete-At an object PUT or POST asks for (X-Delete-After counted from now wins), ``default`` without either;
    400 as Swift's check_delete_headers for a value that is not an integer or not in the future."""
    now = _now()
    after = request.headers.get("X-Delete-After")
    if after is not None:
        try:
            delete_at = int(now + int(after))
        except ValueError:
            raise _bad_request("Non-integer X-Delete-After") from None
        if delete_at <= now:
            raise _bad_request("X-Delete-After in past")
        return delete_at
    at = request.headers.get("X-Delete-At")
    if at is None:
        return default
    try:
        delete_at = int(at)
    except ValueError:
        raise _bad_request("Non-integer X-Delete-At") from None
    if delete_at <= now:
        raise _bad_request("X-Delete-At in past")
    return delete_at


# listings

def _wants_json():
    """JSON for ``?format=json`` or an Accept header preferring it; plain text otherwise (Swift's listing_formats)."""
    wanted = request.args.get("format")
    if wanted:
        return wanted.lower() == "json"
    return request.accept_mimetypes.best_match(["text/plain", "application/json"]) == "application/json"


def _listing_limit():
    """Swift's constrain_req_limit: a number over the maximum is 412, anything that is not digits is ignored."""
    given = request.args.get("limit", "")
    if not given.isdigit():
        return LISTING_LIMIT
    if int(given) > LISTING_LIMIT:
        raise SwiftError(412, f"Maximum limit is {LISTING_LIMIT}", content_type="text/plain; charset=utf-8")
    return int(given)


def _listing(entries):
    """Swift's listing over ``entries`` ({name: listing entry}): names after ``marker``, before ``end_marker`` and starting with
    ``prefix``, in name order, at most ``limit``; with a ``delimiter``, names having it after the prefix fold into one
    ``{"subdir": ...}`` each."""
    prefix, delimiter = request.args.get("prefix", ""), request.args.get("delimiter", "")
    marker, end_marker = request.args.get("marker", ""), request.args.get("end_marker", "")
    limit = _listing_limit()
    listed = []
    for name in sorted(entries):
        if len(listed) >= limit or (end_marker and name >= end_marker):
            break
        if name <= marker or not name.startswith(prefix):
            continue
        cut = name.find(delimiter, len(prefix)) if delimiter else -1
        if cut < 0:
            listed.append(entries[name])
            continue
        subdir = name[:cut + len(delimiter)]
        if subdir > marker and (not listed or listed[-1].get("subdir") != subdir):
            listed.append({"subdir": subdir})
    return listed


def _listing_response(entries, headers):
    """JSON (200, ``[]`` when empty) or one name per line (204 when empty); HEAD answers 204 with the headers only."""
    if request.method == "HEAD":
        return Response(status=204, headers=headers, content_type="text/plain; charset=utf-8")
    listed = _listing(entries)
    if _wants_json():
        return Response(json.dumps(listed), 200, headers, content_type="application/json; charset=utf-8")
    lines = "".join(f"{entry.get('name', entry.get('subdir'))}\n" for entry in listed)
    return Response(lines, 200 if lines else 204, headers, content_type="text/plain; charset=utf-8")


# the account

@blueprint.route("/", strict_slashes=False, methods=["GET", "HEAD"])
def list_account():
    with current_state().lock:
        boxes = _account_containers()
        entries = {name: {"name": name, "count": len(box.objects), "bytes": box.bytes_used(), "last_modified": _iso(box.timestamp)}
                   for name, box in boxes.items()}
        headers = {"X-Account-Container-Count": str(len(boxes)),
                   "X-Account-Object-Count": str(sum(entry["count"] for entry in entries.values())),
                   "X-Account-Bytes-Used": str(sum(entry["bytes"] for entry in entries.values())),
                   "X-Timestamp": f"{min((box.timestamp for box in boxes.values()), default=_now()):016.5f}",
                   **current_state().account_metadata.get((g.region, g.account), {})}
    return _listing_response(entries, headers)


@blueprint.route("/", strict_slashes=False, methods=["POST", "DELETE"])
def update_account():
    """A bulk delete (``?bulk-delete``), else a POST of account metadata (204); Cloud Files accounts cannot be deleted."""
    if "bulk-delete" in request.args:
        return bulk_delete()
    if request.method == "DELETE":
        raise SwiftError(405, headers={"Allow": "GET, HEAD, POST"})
    state = current_state()
    with state.lock:
        key = (g.region, g.account)
        state.account_metadata[key] = _updated_metadata(state.account_metadata.get(key, {}), "account")
    return swift_response(204)


def bulk_delete():
    """``POST /?bulk-delete`` or ``DELETE /?bulk-delete``: a text/plain body of URL-encoded ``container/object`` (or
    ``container``) lines. Always 200; the outcome is in the body (Swift's bulk middleware)."""
    result = _BulkResult()
    try:
        if request.content_type and not request.content_type.startswith("text/plain"):
            raise SwiftError(406)
        _need_length()
        names = [unquote(line.strip()) for line in request.get_data(as_text=True).split("\n") if line.strip()]
        if len(names) > MAX_BULK_DELETES:
            raise SwiftError(413, f"Maximum Bulk Deletes: {MAX_BULK_DELETES} per request")
        with current_state().lock:
            for name in sorted(names, key=lambda name: "/" not in name.strip("/")):  # objects first, then containers, as Swift
                result.delete(name)
        if not result.errors and not result.deleted and not result.not_found:
            result.fail(400, "Invalid bulk delete.")
    except SwiftError as exc:
        result.fail(exc.code, swift_response(exc.code, exc.body).get_data(as_text=True))
    return result.response()


class _BulkResult:
    """The body of a bulk delete (also of an SLO delete): counts, per-name errors, and an overall status inside the body."""

    def __init__(self):
        self.deleted = self.not_found = 0
        self.errors = []
        self.status, self.body = "200 OK", ""

    def delete(self, name):
        """Delete ``container/object`` or ``container`` of the caller's account, counting the outcome."""
        state = current_state()
        container, obj = _split_path(name)
        if obj:
            found = delete_object(state, g.region, g.account, container, obj)
        else:
            boxes = _account_containers()
            found = container in boxes
            if found and boxes[container].objects:
                self.errors.append([quote(name), "409 Conflict"])
                return
            boxes.pop(container, None)
        if found:
            self.deleted += 1
        else:
            self.not_found += 1

    def fail(self, code, body):
        self.status, self.body = f"{code} {SWIFT_REASONS[code][0]}", body

    def response(self):
        if self.errors and self.status.startswith("200"):
            self.status = "400 Bad Request"
        fields = {"Number Deleted": self.deleted, "Number Not Found": self.not_found, "Response Body": self.body,
                  "Response Status": self.status}
        if _wants_json_result():
            return Response(json.dumps({**fields, "Errors": self.errors}), 200, content_type="application/json")
        text = "".join(f"{key}: {value}\n" for key, value in sorted(fields.items())) + "Errors:\n"
        text += "".join(f"{name}, {status}\n" for name, status in self.errors)
        return Response(text, 200, content_type="text/plain")


def _wants_json_result():
    return request.accept_mimetypes.best_match(["text/plain", "application/json"]) == "application/json"


# containers

@blueprint.route("/<container>", strict_slashes=False, methods=["GET", "HEAD"])
def list_container(container):
    state = current_state()
    with state.lock:
        box = _container(container)
        entries = {}
        lag = state.wall_seconds(state.config["object_list_lag_seconds"])
        written_before = _now() - lag
        for name, stored in box.objects.items():
            if lag and stored.timestamp > written_before:
                continue
            entry = {"name": name, "bytes": stored.listed_bytes, "content_type": stored.content_type, "hash": stored.etag,
                     "last_modified": _iso(stored.timestamp)}
            if stored.segments is not None:
                entry["slo_etag"] = f'"{stored.slo_etag}"'
            entries[name] = entry
        headers = {"X-Container-Object-Count": str(len(box.objects)), "X-Container-Bytes-Used": str(box.bytes_used()),
                   "X-Timestamp": f"{box.timestamp:016.5f}", **box.metadata}
    return _listing_response(entries, headers)


@blueprint.put("/<container>", strict_slashes=False)
def create_container(container):
    """201 for a new container, 202 when it exists (its metadata updated as by a POST)."""
    size = len(container.encode())
    if size > MAX_CONTAINER_NAME:
        raise SwiftError(400, f"Container name length of {size} longer than {MAX_CONTAINER_NAME}")
    with current_state().lock:
        boxes = _account_containers()
        existing = boxes.get(container)
        if existing is not None:
            existing.metadata = _updated_metadata(existing.metadata, "container")
            return swift_response(202)
        boxes[container] = Container(container, _now(), metadata=_updated_metadata({}, "container"))
    return swift_response(201)


@blueprint.post("/<container>", strict_slashes=False)
def update_container(container):
    """Set or remove container metadata: 204."""
    with current_state().lock:
        box = _container(container)
        box.metadata = _updated_metadata(box.metadata, "container")
    return swift_response(204)


@blueprint.delete("/<container>", strict_slashes=False)
def delete_container(container):
    with current_state().lock:
        if _container(container).objects:
            raise SwiftError(409)
        del _account_containers()[container]
    return swift_response(204)


# objects

def _object(container, name):
    box = _container(container)
    stored = box.objects.get(name)
    if stored is None:
        raise SwiftError(404)
    return stored


def _object_headers(stored):
    headers = {"Content-Type": stored.content_type, "Accept-Ranges": "bytes", **_time_headers(stored.timestamp), **stored.metadata}
    if stored.manifest is not None:
        headers["X-Object-Manifest"] = stored.manifest
    if stored.segments is not None:
        headers.update({"X-Static-Large-Object": "True", "X-Manifest-Etag": stored.etag})
    if stored.delete_at is not None:
        headers["X-Delete-At"] = str(stored.delete_at)
    return headers


def _byte_range(total):
    """(start, stop) of a single ``Range: bytes=a-b``, ``a-`` or ``-n``; None for no (or an unusable) Range; 416 if it misses."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", request.headers.get("Range", "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:
        start, stop = max(total - int(last), 0), total
        satisfiable = int(last) > 0
    else:
        start, stop = int(first), total if not last else min(int(last) + 1, total)
        if last and int(last) < start:
            return None
        satisfiable = start < total
    if not satisfiable:
        raise SwiftError(416, headers={"Content-Range": f"bytes */{total}"})
    return start, stop


@blueprint.route("/<container>/<path:obj>", methods=["GET", "HEAD"])
def get_object(container, obj):
    """The object, a DLO or SLO as the concatenation of its segments (``?multipart-manifest=get``: the manifest itself,
    ``&format=raw`` an SLO's in the form of a manifest PUT); a single byte range gives 206."""
    with current_state().lock:
        stored = _object(container, obj)
        headers = _object_headers(stored)
        if request.args.get("multipart-manifest") != "get":
            parts, etag, total = content(current_state(), g.region, g.account, stored)
        elif stored.segments is not None:
            body = stored.manifest_body()
            if request.args.get("format") == "raw":  # the form a manifest PUT takes
                body = json.dumps([{"path": entry["name"], "etag": entry["hash"], "size_bytes": entry["bytes"]}
                                   for entry in stored.segments]).encode()
            headers.update({"Content-Type": "application/json; charset=utf-8", "Etag": _md5(body).hexdigest()})
            del headers["X-Manifest-Etag"]
            return Response(b"" if request.method == "HEAD" else body, 200, headers)
        else:
            parts, etag, total = stored_bytes(stored)
        headers["Etag"] = etag
        window = _byte_range(total) if request.method == "GET" else None
        status, (start, stop) = 200, (0, total)
        if window is not None:
            status, (start, stop) = 206, window
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{total}"
        body = Body(parts, start, stop) if request.method == "GET" else b""
    response = Response(body, status, headers, direct_passthrough=True)
    response.headers["Content-Length"] = str(stop - start)
    return response


def _dlo_manifest():
    """The X-Object-Manifest of the request (checked as Swift's dlo middleware does), or None."""
    value = request.headers.get("X-Object-Manifest")
    if value is None:
        return None
    container, _slash, prefix = value.partition("/")
    if not container or not prefix or "?" in value or "&" in value or prefix.startswith("/"):
        raise SwiftError(400, DLO_FORMAT)
    return value


def _content_type(name):
    return request.headers.get("Content-Type") or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _created(etag, timestamp, headers=None):
    """201 with Etag and Last-Modified (Swift's PUT answer has no X-Timestamp)."""
    return swift_response(201, headers={"Etag": etag, "Last-Modified": _time_headers(timestamp)["Last-Modified"], **(headers or {})})


def _check_etag(expected, actual):
    if expected and expected.strip('"').lower() != actual:
        raise SwiftError(422)


def _check_object_name(obj):
    size = len(obj.encode())
    if size > MAX_OBJECT_NAME:
        raise SwiftError(400, f"Object name length of {size} longer than {MAX_OBJECT_NAME}")


@blueprint.put("/<container>/<path:obj>")
def put_object(container, obj):
    """Store the body as it streams in (an SLO manifest with ``?multipart-manifest=put``; a DLO with X-Object-Manifest; a
    server-side copy with X-Copy-From)."""
    _check_object_name(obj)
    state = current_state()
    with state.lock:
        _container(container)
    if request.headers.get("X-Copy-From"):
        return _copy(_path_header("X-Copy-From", COPY_FROM_FORMAT, request.headers.get("X-Copy-From-Account")), (container, obj))
    _need_length()
    delete_at, metadata = _delete_at(), _checked_metadata("object")
    if request.args.get("multipart-manifest") == "put":
        entries = _manifest_entries(_read_manifest(), (container, obj))
        with state.lock:
            stored = _store_slo(container, obj, entries, _content_type(obj), metadata, delete_at)
        return _created(f'"{stored.slo_etag}"', stored.timestamp)
    manifest = _dlo_manifest()
    limit = state.config["object_max_bytes"]
    if (request.content_length or 0) > limit:
        raise SwiftError(413)
    path, size, etag = write_blob(state, request.stream, limit)
    try:
        _check_etag(request.headers.get("ETag"), etag)
    except SwiftError:
        discard(path)
        raise
    stored = _store_written(container, obj, (path, size, etag), content_type=_content_type(obj), metadata=metadata, manifest=manifest,
                            delete_at=delete_at)
    return _created(etag, stored.timestamp)


def _store_written(container, name, written, **fields):
    """Store as object ``name`` the file ``write_blob`` wrote ((path, size, md5); an empty one is not kept); the object."""
    path, size, etag = written
    stored = StoredObject(name=name, size=size, etag=etag, timestamp=_now(), blob=path if size else None, **fields)
    if not size:
        discard(path)
    state = current_state()
    with state.lock:
        store_object(state, g.region, g.account, container, stored)
    return stored


@blueprint.post("/<container>/<path:obj>")
def update_object(container, obj):
    """Swift's POST of an object: its user metadata becomes the request's (all of it: what is not sent goes), as do its
    X-Delete-At and, but for an SLO, its X-Object-Manifest (a DLO POSTed without it is a plain object from then on); a
    Content-Type replaces the old one. The bytes stay; the timestamp is the POST's. 202."""
    with current_state().lock:
        box = _container(container)
        delete_at, metadata, manifest = _delete_at(), _checked_metadata("object"), _dlo_manifest()
        stored = _object(container, obj)
        stored.metadata, stored.delete_at, stored.timestamp = metadata, delete_at, _now()
        stored.content_type = request.headers.get("Content-Type") or stored.content_type
        if stored.segments is None:
            stored.manifest = manifest
        box.track(stored)
    return swift_response(202)


# server-side copy (Swift's copy middleware)

def _path_header(header, problem, account=None):
    """(container, object) of a Destination or X-Copy-From header ("[/]container/object", URL-encoded): 412 if it is not of
    that form. An account header naming another account gets the 401 of a token that does not own it."""
    if account is not None and unquote(account) != g.account:
        raise SwiftError(401, headers={"WWW-Authenticate": f'Swift realm="{quote(unquote(account))}"'})
    container, _slash, name = unquote(request.headers[header]).lstrip("/").partition("/")
    if not container or not name:
        raise SwiftError(412, problem)
    return container, name


@blueprint.route("/<container>/<path:obj>", methods=["COPY"])
def copy_object(container, obj):
    """``COPY`` with ``Destination: container/object``: a PUT of the destination with X-Copy-From, the body ignored."""
    if not request.headers.get("Destination"):
        raise SwiftError(412, "Destination header required")
    destination = _path_header("Destination", DESTINATION_FORMAT, request.headers.get("Destination-Account"))
    _check_object_name(destination[1])
    return _copy((container, obj), destination)


def _copy(source, destination):
    """Copy ``source`` (container, object) to ``destination``, as Swift's copy middleware: a large object is copied as the
    plain object of its content, unless ``?multipart-manifest=get`` asks for the manifest (a DLO's header, an SLO's segment
    list, checked again as a manifest PUT). Metadata is the source's updated by the request's (only the request's with
    ``X-Fresh-Metadata: true``); X-Delete-At likewise. 201 with X-Copied-From and the new object's metadata."""
    if request.content_length:
        raise _bad_request("Copy requests require a zero byte body")
    state = current_state()
    fresh = request.headers.get("X-Fresh-Metadata", "").lower() in ("true", "1", "yes", "on", "t", "y")
    manifest_only = request.args.get("multipart-manifest") == "get"
    with state.lock:
        original = _object(*source)
        metadata = {**({} if fresh else original.metadata), **_checked_metadata("object")}
        delete_at = _delete_at(None if fresh else original.delete_at)
        content_type = request.headers.get("Content-Type") or original.content_type
        copied_from = {"X-Copied-From-Account": quote(g.account), "X-Copied-From": quote(f"{source[0]}/{source[1]}"),
                       "X-Copied-From-Last-Modified": _time_headers(original.timestamp)["Last-Modified"]}
        response_headers = {**copied_from, **metadata, **({"X-Delete-At": str(delete_at)} if delete_at is not None else {})}
        if manifest_only and original.segments is not None:
            entries = [{"path": entry["name"], "etag": entry["hash"], "size_bytes": entry["bytes"]} for entry in original.segments]
            stored = _store_slo(*destination, entries, content_type, metadata, delete_at)
            return _created(f'"{stored.slo_etag}"', stored.timestamp, response_headers)
        if manifest_only:
            parts, _etag, total = stored_bytes(original)
        else:
            parts, _etag, total = content(state, g.region, g.account, original)
        if total > state.config["object_max_bytes"]:
            raise SwiftError(413)
        _container(destination[0])
        body = Body(parts)
    try:
        written = write_blob(state, body)
    finally:
        body.close()
    stored = _store_written(*destination, written, content_type=content_type, metadata=metadata, delete_at=delete_at,
                            manifest=original.manifest if manifest_only else None)
    return _created(stored.etag, stored.timestamp, response_headers)


def _manifest_entries(body, own_path):
    """The segments of an SLO manifest body: [{"path", "etag", "size_bytes"}]; 400 (text) listing every problem otherwise."""
    try:
        entries = json.loads(body)
    except ValueError:
        raise SwiftError(400, "Manifest must be valid JSON.\n", content_type="text/plain") from None
    if not isinstance(entries, list):
        raise SwiftError(400, "Manifest must be a list.\n", content_type="text/plain")
    minimum = current_state().config["slo_min_segment_bytes"]
    errors = []
    for index, entry in enumerate(entries):
        last = index == len(entries) - 1
        if not isinstance(entry, dict):
            errors.append(f"Index {index}: not a JSON object")
        elif "path" not in entry:
            errors.append(f"Index {index}: expected keys to include one of 'path' or 'data'")
        elif set(entry) - set(SLO_KEYS):
            errors.append(f"Index {index}: extraneous keys {', '.join(json.dumps(key) for key in sorted(set(entry) - set(SLO_KEYS)))}")
        elif not isinstance(entry["path"], str):
            errors.append(f'Index {index}: "path" must be a string')
        elif entry.get("etag") is not None and not isinstance(entry["etag"], str):
            errors.append(f'Index {index}: "etag" must be a string or null (if provided)')
        elif "/" not in entry["path"].strip("/"):
            errors.append(f"Index {index}: path does not refer to an object. Path must be of the form /container/object.")
        elif entry.get("size_bytes") is not None and not _is_size(entry["size_bytes"]):
            errors.append(f"Index {index}: invalid size_bytes")
        elif entry.get("size_bytes") is not None and int(entry["size_bytes"]) < minimum and not last:
            errors.append(f"Index {index}: too small; each segment, except the last, must be at least {minimum} bytes.")
        elif _split_path(entry["path"]) == own_path:
            errors.append(f"Index {index}: manifest must not include itself as a segment")
    if errors:
        raise SwiftError(400, "".join(f"{error}\n" for error in errors), content_type="text/plain")
    return entries


def _is_size(value):
    return not isinstance(value, bool) and (isinstance(value, int) or (isinstance(value, str) and value.isdigit()))


def _read_manifest():
    """The body of a manifest PUT, at most ``MAX_MANIFEST_BYTES`` (413 beyond)."""
    body = bytearray()
    try:
        while chunk := request.stream.read(CHUNK):
            body += chunk
            if len(body) > MAX_MANIFEST_BYTES:
                raise SwiftError(413, f"Manifest File > {MAX_MANIFEST_BYTES} bytes")
    except ClientDisconnected:
        raise SwiftError(499) from None
    return body


def _store_slo(container, obj, entries, content_type, metadata, delete_at):
    """Store the SLO of manifest ``entries`` (call with the lock held): every segment must exist and match its etag and
    size_bytes (null: not checked), and the request's ETag, if any, the SLO's; the 400 of ``_slo_problems`` otherwise."""
    state = current_state()
    if len(entries) > state.config["slo_max_segments"]:
        raise SwiftError(413, f"Number of object-backed segments must be <= {state.config['slo_max_segments']}")
    minimum = state.config["slo_min_segment_bytes"]
    problems, segments = [], []
    for index, entry in enumerate(entries):
        name = "/" + entry["path"].lstrip("/")
        segment = find_object(state, g.region, g.account, *_split_path(name))
        if segment is None:
            problems.append([quote(name), "404 Not Found"])
            continue
        size, etag, nested = _segment_view(segment)
        if size < minimum and index < len(entries) - 1:
            problems.append([quote(name), f"Too small; each segment, except the last, must be at least {minimum} bytes."])
        if entry.get("size_bytes") is not None and int(entry["size_bytes"]) != size:
            problems.append([quote(name), "Size Mismatch"])
        if entry.get("etag") is not None and entry["etag"].strip('"') != etag:
            problems.append([quote(name), "Etag Mismatch"])
        segments.append({"name": name, "bytes": size, "hash": etag, "content_type": segment.content_type,
                         "last_modified": _iso(segment.timestamp), **({"sub_slo": True} if nested else {})})
    if problems:
        raise _slo_problems(problems)
    stored = StoredObject(name=obj, size=0, etag="", content_type=content_type, timestamp=_now(), metadata=metadata,
                          segments=segments, delete_at=delete_at)
    _check_etag(request.headers.get("ETag"), stored.slo_etag)
    manifest = stored.manifest_body()
    stored.size, stored.etag = len(manifest), _md5(manifest).hexdigest()
    store_object(state, g.region, g.account, container, stored)
    return stored


def _slo_problems(problems):
    """Swift's 400 for segments that do not check out: ``Errors:`` then ``<path>, <problem>`` lines (JSON if asked for)."""
    if _wants_json_result():
        return SwiftError(400, json.dumps({"Errors": problems}), content_type="application/json")
    return SwiftError(400, "Errors:\n" + "".join(f"{name}, {problem}\n" for name, problem in problems), content_type="text/plain")


@blueprint.delete("/<container>/<path:obj>")
def delete_object_view(container, obj):
    """204 (only the manifest of a large object); ``?multipart-manifest=delete`` deletes an SLO's segments too."""
    state = current_state()
    if request.args.get("multipart-manifest") == "delete":
        return _delete_slo(container, obj)
    with state.lock:
        _container(container)
        if not delete_object(state, g.region, g.account, container, obj):
            raise SwiftError(404)
    return swift_response(204)


def _delete_slo(container, obj):
    """Swift answers this as a bulk delete of the segments, then the manifest: 200, the outcome in the body."""
    result = _BulkResult()
    state = current_state()
    with state.lock:
        stored = find_object(state, g.region, g.account, container, obj)
        if stored is None:
            result.not_found += 1
        elif stored.segments is None:
            result.errors.append([quote(f"/{container}/{obj}"), "Not an SLO manifest"])
        else:
            for segment in stored.segments:
                result.delete(segment["name"])
            result.delete(f"/{container}/{obj}")
    return result.response()


# for the control API

def describe_account(state, region, account):
    """Every container of the account and its objects (name, bytes stored, md5, kind and what a manifest points at)."""
    with state.lock:
        described = []
        now = state.now().timestamp()
        for name, box in sorted(state.objects.get((region, account), {}).items()):
            box.expire(now)
            objects = []
            for stored in sorted(box.objects.values(), key=lambda item: item.name):
                entry = {"name": stored.name, "bytes": stored.size, "md5": stored.etag, "kind": stored.kind,
                         "content_type": stored.content_type}
                if stored.manifest is not None:
                    entry["manifest"] = stored.manifest
                if stored.segments is not None:
                    entry["segments"] = [segment["name"] for segment in stored.segments]
                objects.append(entry)
            described.append({"name": name, "objects": objects})
        return {"region": region, "account": account, "containers": described}
