# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for every API call: one requests session, explicit timeouts, bounded retries, error mapping."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import json
import re
import time

try:
    import requests
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module base class
    requests = None
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.opencloud.images.plugins.module_utils.errors import (
    ServiceError, TransportError, error_class_for_status,
)
from ansible_collections.opencloud.images.plugins.module_utils.redaction import Redactor

USER_AGENT = "opencloud.images/0.1.0"
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
# Rate limits (413 overLimit, 429) and 503 turn a request away before it is processed, so they
# are safe to repeat for every method; other 5xx are repeated only for idempotent methods.
RETRY_ANY_METHOD = frozenset((413, 429, 503))
RETRY_IDEMPOTENT = frozenset((500, 502, 503, 504))
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0, int(when.timestamp() - (time.time() if now is None else now)))


def parse_fault(body, content_type=""):
    """(fault name, message) from an error body of any of the shapes the APIs use.

    Rackspace/Nova: ``{"itemNotFound": {"code": 404, "message": "..."}}``;
    Keystone: ``{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}``;
    Glance: ``{"message": "...", "title": "Not Found"}`` or an HTML page; anything else as text.
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
    if "html" in (content_type or "").lower() or text.lstrip().lower().startswith("<"):
        return None, _clean(text)
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
                 retries=4, backoff=1.0, max_backoff=30, max_retry_wait=120,
                 redactor=None, sleep=time.sleep, trace=None):
        if requests is None:
            raise TransportError("The Python library 'requests' is required: %s" % REQUESTS_IMPORT_ERROR)
        self.session = requests.Session()
        self.session.verify = ca_cert if (validate_certs and ca_cert) else bool(validate_certs)
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_wait = max_retry_wait
        self.redact = redactor or Redactor()
        self.sleep = sleep
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
        retries = self.retries if repeat else 0
        attempt = 0
        while True:
            attempt += 1
            started = time.time()
            try:
                # verify is passed on each call: requests would otherwise let REQUESTS_CA_BUNDLE override ca_cert and
                # validate_certs: false.
                response = self.session.request(
                    method, url, headers=headers, params=params, json=json_body, data=data,
                    timeout=self.timeout, stream=stream, allow_redirects=False, verify=self.session.verify)
            except requests.exceptions.RequestException as exc:
                retryable = self._transport_retryable(exc, method)
                self._log("%s %s -> %s (attempt %d)" % (method, url, type(exc).__name__, attempt))
                if retryable and attempt <= retries:
                    self.sleep(self._backoff(attempt))
                    continue
                raise TransportError(self.redact("%s %s failed: %s" % (method, url, _transport_reason(exc))))
            self._log("%s %s -> %d (%.2fs, attempt %d)" % (method, response.url, response.status_code,
                                                           time.time() - started, attempt))
            if ok is not None and response.status_code in ok:
                return response
            if ok is None and response.status_code < 400:
                return response
            delay = None
            if attempt <= retries and (pace_limits or response.status_code not in (413, 429)):
                delay = self._retry_delay(response, method, attempt)
            if delay is None:
                raise self.error_from(response, method, url)
            response.close()
            self.sleep(delay)

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
        fault, message = parse_fault(response.content, response.headers.get("Content-Type", ""))
        status = response.status_code
        cls = error_class_for_status(status)
        text = "%s %s answered %d%s: %s" % (
            method, url, status, " %s" % fault if fault else "", message or response.reason or "no message")
        return cls(self.redact(text), status=status, fault=fault, method=method, url=self.redact(url),
                   retry_after=self._retry_after(response))

    def _retry_delay(self, response, method, attempt):
        """Seconds to wait before repeating this response's request, or None to give up."""
        status = response.status_code
        retry_after = self._retry_after(response)
        if status == 413 and retry_after is None and parse_fault(response.content)[0] != "overLimit":
            return None  # a size limit, not a rate limit: repeating cannot help
        if status in RETRY_ANY_METHOD or (status in RETRY_IDEMPOTENT and method in IDEMPOTENT_METHODS):
            if retry_after is not None:
                if retry_after > self.max_retry_wait:
                    return None
                return retry_after
            return self._backoff(attempt)
        return None

    @staticmethod
    def _retry_after(response):
        return parse_retry_after(response.headers.get("Retry-After"))

    def _backoff(self, attempt):
        return min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))

    @staticmethod
    def _transport_retryable(exc, method):
        # A refused or timed-out connect never reached the server: safe to repeat for any method.
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
            return isinstance(exc, requests.exceptions.ConnectTimeout)
        if isinstance(exc, requests.exceptions.ConnectionError) and _is_connect_failure(exc):
            return True
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            return method in IDEMPOTENT_METHODS
        return False

    def _log(self, line):
        if self.trace is not None:
            self.trace(self.redact(line))


def _is_connect_failure(exc):
    text = str(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "Name or service not known" in text


def _transport_reason(exc):
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS verification failed (%s); set ca_cert to your CA bundle, or validate_certs: false " \
               "only for a test endpoint" % _clean(str(exc))[:300]
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer within the timeout (%s)" % type(exc).__name__
    if isinstance(exc, requests.exceptions.ConnectionError) and _is_connect_failure(exc):
        return "could not connect (%s)" % _clean(str(exc))[-200:]
    return _clean(str(exc))[:300]
