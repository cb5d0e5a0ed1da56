# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for every API call: one requests session, explicit timeouts, bounded retries, error mapping."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import itertools
import json
import re
import time

try:
    import requests
    # urllib3 is requests' own dependency: reached through requests, it needs nothing more in an execution environment.
    from requests.packages.urllib3.exceptions import NewConnectionError
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module base class
    requests = None
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    ApiError, OverLimit, ServiceError, TransportError, error_class_for_status,
)
from ansible_collections.opencloud.images.plugins.module_utils.redaction import Redactor
from ansible_collections.opencloud.images.plugins.module_utils.retries import (
    HONOUR, MAX_RETRY_AFTER, Backoff, RetryPolicy, parse_retry_after,
)

USER_AGENT = "opencloud.images/0.1.0"
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
# Rate limits (413 overLimit, 429) and 503 turn a request away before it is processed, so they
# are safe to repeat for every method; other 5xx are repeated only for idempotent methods.
RETRY_ANY_METHOD = frozenset((413, 429, 503))
RETRY_IDEMPOTENT = frozenset((500, 502, 503, 504))
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def account_rate_limited(body):
    """Whether an error body is Nova's refusal by the account's rate limits: ``{"overLimit": {..., "retryAt": ...}}``
    (a limit of one resource, such as a host's images in progress, has no ``retryAt``)."""
    try:
        data = json.loads(body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or ""))
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("overLimit"), dict) and "retryAt" in data["overLimit"]


def parse_fault(body):
    """(fault name, message) from an error body of any of the shapes the APIs use.

    Rackspace/Nova: ``{"itemNotFound": {"code": 404, "message": "..."}}``;
    Keystone: ``{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}``;
    Glance: ``{"message": "...", "title": "Not Found"}`` or an HTML page; anything else as text
    (markup removed).
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    data = None
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if isinstance(data, dict):
        if isinstance(data.get("error"), dict):
            err = data["error"]
            return err.get("title"), _clean(err.get("message"))
        if "message" in data and not isinstance(data["message"], dict):
            return data.get("title"), _clean(data.get("message"))
        if len(data) == 1:
            name, inner = next(iter(data.items()))
            if isinstance(inner, dict) and ("message" in inner or "code" in inner):
                message = _clean(inner.get("message"))
                if inner.get("details") and inner.get("details") != inner.get("message"):
                    message = "%s (%s)" % (message, _clean(inner["details"]))
                return name, message
    return None, _clean(text)


def _clean(text):
    """One line of text: markup (Glance wraps even JSON messages in ``<br />``) and runs of space removed."""
    return _SPACE.sub(" ", _TAG.sub(" ", str(text or ""))).strip()[:2000]


class HttpClient:
    """A requests session with timeouts, retries and error mapping; knows nothing of any API.

    ``retries`` bounds the repeats of one request. ``max_retry_wait`` bounds how long a single
    Retry-After is honoured inside this client; past it the error is raised with ``retry_after``
    set, so that a caller with its own deadline (a wait of hours) can decide.
    """

    def __init__(self, validate_certs=True, ca_cert=None, connect_timeout=10, read_timeout=60,
                 retries=4, backoff=1.0, max_backoff=30, max_retry_wait=MAX_RETRY_AFTER,
                 redactor=None, sleep=time.sleep, trace=None):
        if requests is None:
            raise TransportError("The Python library 'requests' is required: %s" % REQUESTS_IMPORT_ERROR)
        self.session = requests.Session()
        self.session.verify = ca_cert if (validate_certs and ca_cert) else bool(validate_certs)
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout = (connect_timeout, read_timeout)
        self.retry = RetryPolicy(attempts=retries + 1, backoff=Backoff(backoff, 2, max_backoff), retry_after=HONOUR,
                                 max_retry_after=max_retry_wait, sleep=sleep)
        self.send_once = RetryPolicy(attempts=1)
        self.redact = redactor or Redactor()
        self.trace = trace

    def request(self, method, url, headers=None, params=None, json_body=None, data=None,
                stream=False, ok=None, pace_limits=True, repeat=True):
        """Send one request, repeating it while that is safe; return the response or raise.

        ``ok`` is the set of statuses to return instead of raising (default: any 2xx/3xx).
        ``pace_limits=False`` raises 413/429 at once, for a caller that paces its own repeats.
        ``repeat=False`` never repeats: a streamed body can be sent only once, so its caller
        repeats with a fresh stream.
        """
        method = method.upper()
        numbers = itertools.count(1)

        def send():
            return self._send(method, url, next(numbers), ok, timeout=self.timeout, stream=stream, headers=headers,
                              params=params, json=json_body, data=data)

        def retryable(error):
            return _worth_repeating(error, method, pace_limits)
        return (self.retry if repeat else self.send_once).run(send, retryable)

    def _send(self, method, url, attempt, ok, **kwargs):
        """One try: the response if its status is wanted, else the mapped error raised."""
        started = time.time()
        try:
            # verify is passed on each call: requests would otherwise let REQUESTS_CA_BUNDLE override ca_cert and
            # validate_certs: false.
            response = self.session.request(method, url, allow_redirects=False, verify=self.session.verify, **kwargs)
        except requests.exceptions.RequestException as exc:
            self._log("%s %s -> %s (attempt %d)" % (method, url, type(exc).__name__, attempt))
            raise TransportError(self.redact("%s %s failed: %s" % (method, url, _transport_reason(exc))), cause=exc)
        self._log("%s %s -> %d (%.2fs, attempt %d)" % (method, response.url, response.status_code,
                                                       time.time() - started, attempt))
        if (response.status_code in ok) if ok is not None else response.status_code < 400:
            return response
        error = self.error_from(response, method, url)
        response.close()
        raise error

    def widen_pool(self, size):
        """Keep up to ``size`` connections per host, for that many requests in parallel (requests keeps 10)."""
        if size > 10:
            for prefix in ("http://", "https://"):
                self.session.mount(prefix, requests.adapters.HTTPAdapter(pool_maxsize=size))

    def decode(self, response, method, url):
        """The JSON body of a response (None when empty); a body that is not JSON is a service error."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ServiceError(self.redact("%s %s answered %d with a body that is not JSON: %s" % (
                method, url, response.status_code, _clean(response.text)[:200])),
                status=response.status_code, method=method, url=url)

    def error_from(self, response, method, url):
        """The mapped exception for an error response, with the API's fault name and message."""
        fault, message = parse_fault(response.content)
        status = response.status_code
        cls = error_class_for_status(status)
        text = "%s %s answered %d%s: %s" % (
            method, url, status, " %s" % fault if fault else "", message or response.reason or "no message")
        error = cls(self.redact(text), status=status, fault=fault, method=method, url=self.redact(url),
                    retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if isinstance(error, OverLimit):
            error.account_limit = account_rate_limited(response.content)
        return error

    def _log(self, line):
        if self.trace is not None:
            self.trace(self.redact(line))


def _worth_repeating(error, method, pace_limits):
    """Whether a request that failed so may be sent again (the policy adds the bounds and the waits)."""
    if isinstance(error, TransportError):
        cause = error.cause
        if isinstance(cause, requests.exceptions.SSLError):
            return False
        if isinstance(cause, requests.exceptions.ConnectTimeout) or _never_connected(cause):
            return True  # the request never reached the server: safe to repeat for any method
        return isinstance(cause, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)) \
            and method in IDEMPOTENT_METHODS
    if not isinstance(error, ApiError) or (not pace_limits and isinstance(error, OverLimit)):
        return False
    if error.status == 413 and error.retry_after is None and error.fault != "overLimit":
        return False  # a size limit, not a rate limit: repeating cannot help
    return error.status in RETRY_ANY_METHOD or (error.status in RETRY_IDEMPOTENT and method in IDEMPOTENT_METHODS)


def _never_connected(exc):
    """A refused or unresolvable connection (urllib3's NewConnectionError behind requests' ConnectionError)."""
    if not isinstance(exc, requests.exceptions.ConnectionError) or not exc.args:
        return False
    reason = getattr(exc.args[0], "reason", exc.args[0])
    return isinstance(reason, NewConnectionError)


def _transport_reason(exc):
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS verification failed (%s); set ca_cert to your CA bundle, or validate_certs: false " \
               "only for a test endpoint" % _clean(str(exc))[:300]
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer within the timeout (%s)" % type(exc).__name__
    if _never_connected(exc):
        return "could not connect (%s)" % _clean(str(exc))[-200:]
    return _clean(str(exc))[:300]
