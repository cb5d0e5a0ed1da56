# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small set of exceptions the client raises.

Every message is already redacted: callers may show it as it is.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class OpenCloudError(Exception):
    """Base class: a failure with a message that is safe to show to the operator.

    ``details()`` are the fields besides the message that an operator (or a later task) can act on;
    each class names its own in ``DETAILS``, and the module puts them in its failed result.
    """

    DETAILS = ()

    def __init__(self, message):
        super(OpenCloudError, self).__init__(message)
        self.message = message

    def details(self):
        return dict((name, getattr(self, name)) for name in self.DETAILS)


class ConfigError(OpenCloudError):
    """Bad or contradictory input, found before anything was sent to the cloud; ``option`` is the one to fix."""

    DETAILS = ("option",)

    def __init__(self, message, option=None):
        super(ConfigError, self).__init__(message)
        self.option = option


class TransportError(OpenCloudError):
    """The request never got an HTTP answer (connection refused, reset, timeout, TLS); ``cause`` is the library's error."""

    def __init__(self, message, cause=None):
        super(TransportError, self).__init__(message)
        self.cause = cause


class ApiError(OpenCloudError):
    """The API answered with an error status.

    ``fault`` is the API's own name for the error (``itemNotFound``, ``overLimit``,
    ``Not Found`` ...) and ``retry_after`` the delay it asked for, in seconds.
    """

    DETAILS = ("status", "fault")

    def __init__(self, message, status=None, fault=None, method=None, url=None, retry_after=None):
        super(ApiError, self).__init__(message)
        self.status = status
        self.fault = fault
        self.method = method
        self.url = url
        self.retry_after = retry_after


class BadRequest(ApiError):
    """400 and 422: the API refused the request as malformed."""


class AuthenticationError(ApiError):
    """401: missing, wrong or expired credentials or token."""


class PermissionDenied(ApiError):
    """403: the caller may not do this (not the owner, protected image, read-only attribute)."""


class NotFound(ApiError):
    """404: no such resource, or not visible to the caller."""


class Conflict(ApiError):
    """409: the resource is busy or already in that state (task_state image_*, duplicate member)."""


class OverLimit(ApiError):
    """413 or 429: a rate or absolute limit was hit; ``retry_after`` says when to come back. ``account_limit``: the
    account's rate limit said so (Nova's ``overLimit`` body with ``retryAt``), not a limit of one resource."""

    account_limit = False


class UnsupportedMediaType(ApiError):
    """415: wrong Content-Type (for example a JSON-patch without the images-v2.1 type)."""


class ServiceError(ApiError):
    """5xx: the service failed or is unavailable."""


class WaitError(OpenCloudError):
    """A wait ended without reaching the desired state; ``last`` is the last state seen."""

    DETAILS = ("last", "waited")

    def __init__(self, message, last=None, waited=None):
        super(WaitError, self).__init__(message)
        self.last = last
        self.waited = waited


class WaitTimeout(WaitError):
    """The deadline passed first."""


class WaitFailed(WaitError):
    """The resource reached a terminal failure state (ERROR, killed, task failure)."""


class TransferError(OpenCloudError):
    """A copy or upload that could not be completed.

    ``report`` (a dict) says what was done; ``cause`` is the error that stopped it, whose details it carries too.
    """

    def __init__(self, message, report=None, cause=None):
        super(TransferError, self).__init__(message)
        self.report = report
        self.cause = cause

    def details(self):
        details = self.cause.details() if self.cause is not None else {}
        if self.report is not None:
            details["report"] = self.report
        return details


_BY_STATUS = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: OverLimit,
    415: UnsupportedMediaType,
    422: BadRequest,
    429: OverLimit,
}


def error_class_for_status(status):
    """The exception class for an HTTP error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServiceError
    return ApiError
