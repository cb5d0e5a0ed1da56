"""The Flask app: one blueprint per emulated service, plus fault injection and the request log around them.

A service module provides ``SERVICE`` (its name in the request log), ``PATH_RE`` (the paths it owns),
``blueprint`` and ``http_error(exc)`` (how it reports routing errors such as an unknown path or a wrong method).
Adding a service means adding its module to ``SERVICE_MODULES``; a service may span several modules (image_members and
tasks are part of the image service).

Stream faults (``reset_after_bytes``, ``corrupt``) damage the real exchange at the socket: werkzeug's server hands the
connection over as ``werkzeug.socket``, and shutting it down is what makes the client see a dropped connection.
A fault's ``delay_seconds`` (times the config's ``time_scale``) is a real sleep in the request's thread (the server is
threaded, so other requests go on), and
``expire_token`` expires the caller's token before the service checks it, so the 401 is the service's own.

A request body whose chunked encoding is broken reads as a client that went away (werkzeug's ``ClientDisconnected``, as
for a body shorter than its Content-Length), not as a server error: werkzeug's dechunking raises a bare ``OSError``.
"""

import io
import socket
import time
import uuid

from flask import Flask, Response, g, request
from werkzeug.exceptions import ClientDisconnected, HTTPException

from . import (compute, compute_servers, compute_versions, control, identity, image_members, images, keypairs, object_info, object_store,
               rate_limits, tasks)
from .errors import json_response
from .state import EXTENSION_KEY

# image_members and tasks before images, compute_versions before compute, object_info before object_store: module_for takes
# the first module whose PATH_RE matches.
SERVICE_MODULES = (identity, image_members, tasks, images, compute_versions, compute, object_info, object_store, control)
# The server lifecycle and key pairs are routed on compute's blueprint (its authentication, errors and links).
for _child in (compute_servers, keypairs):
    compute.blueprint.register_blueprint(_child.blueprint)
UPLOAD_METHODS = ("PUT", "POST")
CHUNK = 1 << 16


def module_for(path):
    """The service module owning a path, or None."""
    return next((module for module in SERVICE_MODULES if module.PATH_RE.match(path)), None)


def service_for(path):
    """The service name of a path for the request log; 'unknown' for paths no service owns."""
    module = module_for(path)
    return module.SERVICE if module else "unknown"


def request_id_headers(status):
    """The request-id headers the upstream service's middleware puts on this answer (the same ``req-<uuid>`` in each).

    Keystone: every answer (oslo.middleware request_id), but Rackspace's v2.0 is not Keystone. Glance: set by its context
    middleware, so neither on its version documents nor on keystonemiddleware's 401s (tests/peers/UPSTREAM-NOTES.md).
    Nova (compute_req_id, before authtoken in its pipeline): every answer of the API, 401s too, also as
    ``x-compute-request-id``; not on the version list at the root.
    """
    service = service_for(request.path)
    if service == identity.SERVICE and not request.path.startswith("/identity/v2.0"):
        names = ("x-openstack-request-id",)
    elif service == images.SERVICE and request.endpoint not in images.VERSION_ENDPOINTS and status != 401:
        names = ("x-openstack-request-id",)
    elif service == compute.SERVICE and request.endpoint != "compute_versions.versions":
        names = ("x-openstack-request-id", "x-compute-request-id")
    else:
        names = ()
    request_id = g.get("request_id") or f"req-{uuid.uuid4()}"  # compute names its requests first (os-instance-actions)
    return {name: request_id for name in names}


def _drop(connection):
    """Shut the client's connection down (``None``: no real socket, as in Flask's test client)."""
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)


def _drop_upload(limit):
    """Read ``limit`` bytes of the request body, then drop the connection: the client never gets an answer.

    The response returned only reaches the request log (as 499, Swift's client-disconnect status): werkzeug fails to send it.
    """
    remaining = limit
    while remaining > 0:
        chunk = request.stream.read(min(CHUNK, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
    _drop(request.environ.get("werkzeug.socket"))
    return Response(status=499)


def _cut(chunks, limit, connection):
    """The first ``limit`` bytes of the body; then the connection drops, short of the Content-Length already sent.

    Runs after the request context is gone, hence the connection as an argument.
    """
    remaining = limit
    for chunk in chunks:
        if len(chunk) >= remaining:
            if remaining:
                yield chunk[:remaining]
            break
        remaining -= len(chunk)
        yield chunk
    _drop(connection)


def _flip_first_byte(chunks):
    flipped = False
    for chunk in chunks:
        if chunk and not flipped:
            chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
            flipped = True
        yield chunk


def _damage(response, fault):
    """Put a stream fault's damage into the response body (status and headers stay as they are)."""
    original = response.response
    chunks = response.iter_encoded()
    if fault.corrupt:
        response.response = _flip_first_byte(chunks)
    else:
        response.response = _cut(chunks, fault.reset_after_bytes, request.environ.get("werkzeug.socket"))
    response.direct_passthrough = False  # so that werkzeug closes the response, and with it the original body
    if hasattr(original, "close"):
        response.call_on_close(original.close)
    return response


class _Dechunked(io.RawIOBase):
    """werkzeug's dechunked request body, with a malformed chunk raising ``ClientDisconnected`` instead of ``OSError``."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            return self._stream.readinto(buffer)
        except OSError as exc:
            raise ClientDisconnected(f"Malformed chunked request body: {exc}") from exc


def _malformed_chunks_are_client_errors(wsgi_app):
    def checked(environ, start_response):
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            environ["wsgi.input"] = _Dechunked(environ["wsgi.input"])
        return wsgi_app(environ, start_response)
    return checked


def create_app(state):
    app = Flask(__name__)
    app.wsgi_app = _malformed_chunks_are_client_errors(app.wsgi_app)
    app.extensions[EXTENSION_KEY] = state
    for module in SERVICE_MODULES:
        app.register_blueprint(module.blueprint)

    @app.before_request
    def settle():
        """Processes that run on their own (snapshots) are brought up to the current time before anything reads the state."""
        state.settle()

    @app.before_request
    def inject_fault():
        """Apply a queued fault (never to the control API): after its delay, serve its canned answer instead of the real one,
        or expire the caller's token, or mark a stream fault for ``damage_stream``."""
        if module_for(request.path) is control:
            return None
        fault = state.take_fault(request.method, request.path)
        if fault is None:
            return None
        if fault.delay_seconds:
            time.sleep(state.wall_seconds(fault.delay_seconds))
            state.settle()  # the answer is of the time it is given
        if fault.expire_token:
            state.expire_token(request.headers.get("X-Auth-Token", ""))
        if fault.status is None:
            if not fault.is_stream:
                return None
            if fault.reset_after_bytes is not None and request.method in UPLOAD_METHODS:
                return _drop_upload(fault.reset_after_bytes)
            g.stream_fault = fault
            return None
        if fault.body is None or isinstance(fault.body, str):
            response = Response(fault.body or "", fault.status, mimetype="text/plain")
        else:
            response = json_response(fault.body, fault.status)
        response.headers.update(fault.headers)  # after the body, so that a Content-Type given here wins
        return response

    @app.before_request
    def rate_limit():
        """The account's rate limits (config ``rate_limits``), in front of every service but identity and the control API."""
        module = module_for(request.path)
        token = state.token(request.headers.get("X-Auth-Token", ""))
        if module in (None, identity, control) or token is None:
            return None
        refusal = rate_limits.over_limit(state, token.tenant_id, module.SERVICE, request.method, request.path)
        if refusal is not None:
            g.rate_limited = True  # the request log tells the account's rate limit from the other 413s
        return refusal

    @app.after_request
    def stamp_request_id(response):
        response.headers.update(request_id_headers(response.status_code))
        return response

    @app.after_request
    def damage_stream(response):
        fault = g.pop("stream_fault", None)
        return response if fault is None else _damage(response, fault)

    @app.after_request
    def log_request(response):
        """Record the call without anything that may carry a secret: no headers, no bodies, only query parameter names. Its
        ``time`` is when it was answered, in seconds since the epoch on the cloud's clock (the one rate limit windows use);
        ``rate_limited`` is there (true) when the account's rate limits refused it."""
        entry = {"method": request.method, "path": request.path, "status": response.status_code, "service": service_for(request.path),
                 "query": sorted(set(request.args)), "time": round(state.now().timestamp(), 6)}
        if g.get("rate_limited"):
            entry["rate_limited"] = True
        state.log_request(entry)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc):
        module = module_for(request.path)
        return module.http_error(exc) if module else exc

    return app
