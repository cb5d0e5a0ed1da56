"""The Flask app: one blueprint per emulated service, plus fault injection and the request log around them.

A service module provides ``SERVICE`` (its name in the request log), ``PATH_RE`` (the paths it owns),
``blueprint`` and ``http_error(exc)`` (how it reports routing errors such as an unknown path or a wrong method).
Adding a service means adding its module to ``SERVICE_MODULES``; a service may span several modules (image_members is part
of the image service).
"""

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import compute, control, identity, image_members, images
from .errors import json_response
from .state import EXTENSION_KEY

# image_members before images: module_for takes the first module whose PATH_RE matches.
SERVICE_MODULES = (identity, image_members, images, compute, control)


def module_for(path):
    """The service module owning a path, or None."""
    return next((module for module in SERVICE_MODULES if module.PATH_RE.match(path)), None)


def service_for(path):
    """The service name of a path for the request log; 'unknown' for paths no service owns."""
    module = module_for(path)
    return module.SERVICE if module else "unknown"


def create_app(state):
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = state
    for module in SERVICE_MODULES:
        app.register_blueprint(module.blueprint)

    @app.before_request
    def settle():
        """Processes that run on their own (snapshots) are brought up to the current time before anything reads the state."""
        state.settle()

    @app.before_request
    def inject_fault():
        """Serve a queued fault instead of the real answer (never for the control API)."""
        if module_for(request.path) is control:
            return None
        fault = state.take_fault(request.method, request.path)
        if fault is None:
            return None
        if fault.body is None or isinstance(fault.body, str):
            response = Response(fault.body or "", fault.status, mimetype="text/plain")
        else:
            response = json_response(fault.body, fault.status)
        response.headers.update(fault.headers)  # after the body, so that a Content-Type given here wins
        return response

    @app.after_request
    def log_request(response):
        """Record the call without anything that may carry a secret: no headers, no bodies, only query parameter names."""
        state.log_request({"method": request.method, "path": request.path, "status": response.status_code,
                           "service": service_for(request.path), "query": sorted(set(request.args))})
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc):
        module = module_for(request.path)
        return module.http_error(exc) if module else exc

    return app
