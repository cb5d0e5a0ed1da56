"""Error bodies in the four styles the emulated services use.

* Rackspace / Nova faults: ``{"<faultName>": {"code": N, "message": ...}}``
* Keystone (and keystonemiddleware in front of Glance): ``{"error": {"code", "title", "message"}}``
* Glance: webob HTTP exceptions, whose body depends on the ``Accept`` header (JSON, HTML or plain text).
* Swift (Cloud Files): swob's short HTML bodies, or plain text where Swift explains more.
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


# Swift (swift.common.swob.RESPONSE_REASONS): the title and explanation of its default bodies.
SWIFT_REASONS = {
    202: ("Accepted", "The request is accepted for processing."),
    400: ("Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."),
    401: ("Unauthorized", "This server could not verify that you are authorized to access the document you requested."),
    404: ("Not Found", "The resource could not be found."),
    405: ("Method Not Allowed", "The method is not allowed for this resource."),
    406: ("Not Acceptable", "The resource is not available in a format acceptable to your browser."),
    409: ("Conflict", "There was a conflict when trying to complete your request."),
    411: ("Length Required", "Content-Length header required."),
    412: ("Precondition Failed", "A precondition for this request was not met."),
    413: ("Request Entity Too Large", "The body of your request was too large for this server."),
    416: ("Requested Range Not Satisfiable", "The Range requested is not available."),
    422: ("Unprocessable Entity", "Unable to process the contained instructions"),
    499: ("Client Disconnect", "The client was disconnected during request."),
}


def swift_response(code, body=None, headers=None, content_type="text/html; charset=UTF-8"):
    """A Swift answer; without ``body``, swob's default: ``<html><h1>Title</h1><p>Explanation</p></html>`` (or nothing)."""
    if body is None:
        title, explanation = SWIFT_REASONS.get(code, ("", ""))
        body = f"<html><h1>{title}</h1><p>{explanation}</p></html>" if explanation else ""
    response = Response(body, status=code, headers=headers)
    response.headers["Content-Type"] = content_type
    return response
