# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One deadline-based poller for every long operation (images saving, tasks, deletes)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.opencloud.images.plugins.module_utils.errors import WaitFailed, WaitTimeout
from ansible_collections.opencloud.images.plugins.module_utils.retries import Backoff, RetryPolicy


class WaitResult:
    def __init__(self, state, waited, polls):
        self.state = state
        self.waited = waited
        self.polls = polls


class _NotYet(Exception):
    """A poll that found the resource neither done nor failed: poll again."""

    def __init__(self, state, waited):
        super(_NotYet, self).__init__()
        self.state = state
        self.waited = waited


def wait_for(poll, done, failed=None, timeout=3600, interval=5, max_interval=60, backoff=1.5,
             describe=repr, on_poll=None, clock=time.monotonic, sleep=time.sleep):
    """Call ``poll()`` until ``done(state)``, a terminal failure, or the deadline.

    ``failed(state)`` returns a reason string for a terminal failure state (ERROR, killed, task
    failure), so that a broken resource fails at once instead of at the deadline. The interval
    starts at ``interval`` and grows by ``backoff`` up to ``max_interval``; the last sleep is cut
    short so that the deadline is kept. On timeout, :class:`WaitTimeout` carries the last state
    seen, so that the caller can report it and a later run can resume.
    """
    started = clock()
    polls = 0

    def look():
        nonlocal polls
        state = poll()
        polls += 1
        if on_poll is not None:
            on_poll(state)
        waited = clock() - started
        if done(state):
            return WaitResult(state, waited, polls)
        reason = failed(state) if failed is not None else None
        if reason:
            raise WaitFailed("%s: %s" % (describe(state), reason), last=state, waited=waited)
        raise _NotYet(state, waited)

    def timed_out(not_yet):
        return WaitTimeout("Timed out after %d s; last seen: %s" % (not_yet.waited, describe(not_yet.state)),
                           last=not_yet.state, waited=not_yet.waited)

    policy = RetryPolicy(timeout=timeout, backoff=Backoff(interval, backoff, max_interval), clock=clock, sleep=sleep)
    return policy.run(look, lambda error: isinstance(error, _NotYet), exhausted=timed_out)
