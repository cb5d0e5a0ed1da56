# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy: how often to try, how long in all, how long between tries, what the service asked for.

Every loop that repeats something (an HTTP request, a token refused, a segment, a rate-limited
createImage, a failed image, a listing that has not settled, a poll) is a :class:`RetryPolicy`
with a predicate of its own that says which failures are worth another try. ``clock`` and
``sleep`` are injectable, so that tests of the timing rules run instantly.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import random
import time

# The longest Retry-After honoured inside one request or one segment; a longer one fails it, so that
# a caller with a deadline of its own (or the next run) decides.
MAX_RETRY_AFTER = 120

# How a policy treats the Retry-After an error carries (its ``retry_after``, in seconds).
IGNORE = "ignore"  # wait the backoff's delay
HONOUR = "honour"  # wait what the service asked for (up to ``max_retry_after``), else the backoff's delay
AT_LEAST = "at least"  # wait what the service asked for or the backoff's delay, whichever is longer


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


class Backoff:
    """Delays that start at ``first`` and grow by ``factor`` up to ``cap``.

    ``jitter`` stretches each delay by up to that fraction, drawn with ``rand`` (so that workers
    refused together do not come back together).
    """

    def __init__(self, first=1.0, factor=2.0, cap=None, jitter=0.0, rand=random.random):
        self.first = first
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self.rand = rand

    def __iter__(self):
        delay = self.first
        while True:
            yield delay * (1 + self.jitter * self.rand()) if self.jitter else delay
            delay = delay * self.factor if self.cap is None else min(self.cap, delay * self.factor)


NO_DELAY = Backoff(first=0, factor=1)


class RetryPolicy:
    """At most ``attempts`` tries (None: no limit) within ``timeout`` seconds (None: no deadline), waiting the
    ``backoff``'s delays between them, and the service's Retry-After as ``retry_after`` says."""

    def __init__(self, attempts=None, timeout=None, backoff=NO_DELAY, retry_after=IGNORE, max_retry_after=None,
                 clock=time.monotonic, sleep=time.sleep):
        self.attempts = attempts
        self.timeout = timeout
        self.backoff = backoff
        self.retry_after = retry_after
        self.max_retry_after = max_retry_after
        self.clock = clock
        self.sleep = sleep

    def run(self, attempt, retryable, on_retry=None, exhausted=None):
        """``attempt()``'s result, trying again while ``retryable(error)`` says an error is worth it.

        An error that is not retryable, or that asks for a longer wait than ``max_retry_after``, is
        raised as it is. When the tries or the time run out, the last error is raised, or what
        ``exhausted(error)`` makes of it. ``on_retry(error)`` runs before each new try.
        """
        deadline = None if self.timeout is None else self.clock() + self.timeout
        delays = iter(self.backoff)
        tries = 0
        while True:
            tries += 1
            try:
                return attempt()
            except Exception as error:  # the predicate decides; whatever it does not want is raised unchanged
                if not retryable(error):
                    raise
                wait = self.wait(error, next(delays))
                if wait is None:
                    raise
                remaining = None if deadline is None else deadline - self.clock()
                if (self.attempts is not None and tries >= self.attempts) or (remaining is not None and remaining <= 0):
                    if exhausted is None:
                        raise
                    raise exhausted(error)
                if on_retry is not None:
                    on_retry(error)
                if wait > 0:
                    self.sleep(wait if remaining is None else min(wait, remaining))

    def wait(self, error, delay):
        """Seconds to wait before the next try after ``error`` (``delay`` is the backoff's), None to give up."""
        asked = None if self.retry_after == IGNORE else getattr(error, "retry_after", None)
        if asked is None:
            return delay
        if self.max_retry_after is not None and asked > self.max_retry_after:
            return None
        return max(asked, delay) if self.retry_after == AT_LEAST else asked
