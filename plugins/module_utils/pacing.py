# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One pacing budget for an account's write requests, shared by every process of one controller.

Rackspace counts POST requests per account (100 a minute) and refuses the ones past the limit with 413
for the whole account, other automation sharing it included; createImage is also refused (413 with
Retry-After) while the account's images queue up behind the per-host-group limit. Fifty forks that each
retry on their own send thousands of refused POSTs. Instead, every process of the controller (the forks
of one ansible-playbook, one AWX job) takes its turn from one small locked file in the user's cache:

* at most ``per_minute`` POSTs start in any 60 s;
* after a refusal the account is *congested*: requests go one at a time, the next one waiting for the
  outcome of the previous one - at once after an acceptance, after the Retry-After (growing by half with
  each refusal in a row, up to ``max_wait``) after a refusal - or until an image this controller made
  finishes (``freed``), which is when the platform takes the next one;
* a minute without refusals (after the last refusal's wait) ends the congestion.

A process that dies holding its turn holds it at most ``max_wait`` seconds. The file holds times and
counters only. ``clock`` is wall time (the processes share it); ``clock`` and ``sleep`` are injectable.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import time

from ansible_collections.opencloud.images.plugins.module_utils.files import cache_root, locked, read_json, write_private_json

POSTS_PER_MINUTE = 100  # Rackspace's absolute limit: any POST, per account (restore-and-verify.md, limits)
WINDOW = 60.0
CONGESTION_SECONDS = 60.0  # a minute without refusals ends the one-at-a-time mode
GROWTH = 1.5
# The longest sleep between two looks at the shared state: a waiting process notices a freed turn this soon.
LOOK_INTERVAL = 1.0


def pacing_key(*parts):
    """The file name of an account's budget: a hash of its endpoint and account (never of a secret)."""
    return hashlib.sha256("\0".join(str(part or "") for part in parts).encode("utf-8")).hexdigest()


class SharedPacer:
    def __init__(self, key, per_minute=POSTS_PER_MINUTE, max_wait=60.0, directory=None, clock=time.time, sleep=time.sleep):
        self.path = os.path.join(directory or os.path.join(cache_root(), "pacing"), key + ".json")
        self.per_minute = per_minute
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0  # seconds this process spent waiting for its turns

    def _update(self, change):
        """Apply ``change(state, now)`` to the shared state under its lock; return what it returns."""
        with locked(self.path + ".lock"):
            state = read_json(self.path)
            if not isinstance(state, dict):
                state = {}
            now = self.clock()
            state["posts"] = [t for t in state.get("posts", []) if isinstance(t, (int, float)) and t > now - WINDOW]
            before = dict(state, posts=list(state["posts"]))
            result = change(state, now)
            if state != before:
                write_private_json(self.path, state)
        return result

    def acquire(self, timeout=None):
        """Wait for this process's turn to POST, at most ``timeout`` seconds (then go anyway: the caller's deadline
        decides what a refusal means); return the seconds waited."""
        started = self.clock()
        deadline = None if timeout is None else started + timeout
        while True:
            start_at = self._update(self._take_turn)
            now = self.clock()
            if start_at <= now or (deadline is not None and now >= deadline):
                break
            pause = min(start_at - now, LOOK_INTERVAL)
            if deadline is not None:
                pause = min(pause, max(0.0, deadline - now))
            self.sleep(pause)
        waited = self.clock() - started
        self.waited += waited
        return waited

    def _take_turn(self, state, now):
        """The time this process may POST; when that is now, the turn is taken (recorded in ``state``)."""
        posts = state["posts"]
        start_at = now
        if len(posts) >= self.per_minute:
            start_at = sorted(posts)[-self.per_minute] + WINDOW
        congested = state.get("congested_until", 0) > now
        if congested:
            start_at = max(start_at, state.get("next_turn", 0))
        if start_at <= now:
            posts.append(now)
            if congested:
                # one at a time: the next waits for this one's outcome (or for a dead process's turn to lapse)
                state["next_turn"] = now + self.max_wait
        return start_at

    def accepted(self):
        """The POST went through: the next one may go at once, and a later refusal waits from the start again."""
        def change(state, now):
            state["refusals"] = 0
            state["next_turn"] = now
        self._update(change)

    def refused(self, retry_after=None, at_least=1.0):
        """The POST was refused (413/429): nobody POSTs for ``at_least`` seconds, half as long again with each further
        refusal in a row up to ``max_wait``, and never before the Retry-After the platform asked for."""
        def change(state, now):
            refusals = state.get("refusals", 0) + 1
            wait = max(float(retry_after or 0), min(at_least * GROWTH ** (refusals - 1), self.max_wait))
            state["refusals"] = refusals
            state["next_turn"] = now + wait
            state["congested_until"] = now + wait + CONGESTION_SECONDS
        self._update(change)

    def freed(self):
        """Something this controller waited for finished (an image became active): the next turn may go now."""
        def change(state, now):
            if state.get("congested_until", 0) > now:
                state["next_turn"] = min(state.get("next_turn", now), now)
        self._update(change)
