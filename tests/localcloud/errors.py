"""Error bodies in the three styles the emulated services use.

* Rackspace / Nova faults: ``{"<faultName>": {"code": N, "message": ...}}``
* Keystone (and keystonemiddleware in front of Glance): ``{"error": {"code", "title", "message"}}``
* Glance: webob HTTP exceptions, whose body depends on the ``Accept`` header (JSON, HTML or plain text).
"""

import html
import json
import re
from http import HTTPStatus
from string import Template

from flask import Response, request

# nova.api.openstack.wsgi.Fault._fault_names, which Rackspace's services share
FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 405: "badMethod",
               409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 429: "overLimit", 500: "computeFault",
               501: "notImplemented", 503: "serviceUnavailable"}

KEYSTONE_UNAUTHORIZED = "The request you have made requires authentication."


def json_response(body, status=200, headers=None):
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def rax_fault(code, message, headers=None):
    name = FAULT_NAMES.get(code, "computeFault")
    return json_response({name: {"code": code, "message": message}}, code, headers)


def rax_over_limit(message, retry_after):
    """Nova's 413: the wait in seconds goes in ``Retry-After`` and, as text, in ``retryAfter`` (nova.api.openstack.wsgi.Fault)."""
    retry = str(retry_after)
    return json_response({"overLimit": {"code": 413, "message": message, "retryAfter": retry}}, 413, {"Retry-After": retry})


def keystone_error(code, message, extra=None, headers=None):
    """Keystone's error body; 401s carry ``WWW-Authenticate`` pointing at the identity service, as upstream."""
    error = {"code": code, "title": HTTPStatus(code).phrase, "message": message, **(extra or {})}
    headers = dict(headers or {})
    if code == 401:
        headers["WWW-Authenticate"] = f'Keystone uri="{request.host_url}identity"'
    return json_response({"error": error}, code, headers)


# webob.exc default explanations and body templates (webob 1.8)
_EXPLANATIONS = {
    400: "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
    413: "The body of your request was too large for this server.",
}
_BODY_TEMPLATES = {
    405: Template("The method ${REQUEST_METHOD} is not allowed for this resource. <br /><br />\n${detail}"),
    415: Template("The request media type ${CONTENT_TYPE} is not supported by this server.\n<br /><br />\n${detail}"),
}
_DEFAULT_TEMPLATE = Template("${explanation}<br /><br />\n${detail}\n${html_comment}\n")
_HTML_TEMPLATE = Template("<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${body}\n </body>\n</html>")


def _strip_tags(value):
    """webob.exc.strip_tags: the plain-text body keeps line breaks only where the HTML had ``<br>``."""
    value = value.replace("\n", " ").replace("\r", "")
    return re.sub(r"<.*?>", "", re.sub(r"<br.*?>", "\n", value, flags=re.I | re.S), flags=re.S)


class GlanceError(Exception):
    """A webob HTTP exception as Glance raises it.

    ``explanation`` replaces webob's default text (Glance's ``HTTPNotFound(explanation=msg)``); ``detail`` is appended
    below it (Glance's ``HTTPConflict(msg)``, a positional argument).
    """

    def __init__(self, code, explanation=None, detail=None, headers=None):
        super().__init__(explanation or detail)
        self.code = code
        self.explanation = explanation if explanation is not None else _EXPLANATIONS.get(code, "")
        self.detail = detail or ""
        self.headers = headers or {}

    def response(self):
        """Negotiate the body like webob: JSON or HTML when acceptable (HTML wins ties), plain text otherwise."""
        status = f"{self.code} {HTTPStatus(self.code).phrase}"
        escape = html.escape
        match = request.accept_mimetypes.best_match(["text/html", "application/json"])
        if match != "text/html":
            escape = str
        values = {key: escape(request.environ[key]) for key in ("REQUEST_METHOD", "CONTENT_TYPE") if key in request.environ}
        values.update(explanation=escape(self.explanation), detail=escape(self.detail), html_comment="")
        body = _BODY_TEMPLATES.get(self.code, _DEFAULT_TEMPLATE).safe_substitute(values)
        if match == "application/json":
            return json_response({"message": body, "code": status, "title": HTTPStatus(self.code).phrase}, self.code, self.headers)
        if match == "text/html":
            return Response(_HTML_TEMPLATE.substitute(status=status, body=body), self.code, self.headers, mimetype="text/html")
        return Response(f"{status}\n\n{_strip_tags(body)}", self.code, self.headers, mimetype="text/plain")
