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
* a refusal congests the *lane* of the server's host (its ``hostId``: the platform limits the images in
  progress per host group, so a full host says nothing of the others, whose requests go on as before).
  In a congested lane requests go one at a time, the next one waiting for the outcome of the previous
  one - at once after an acceptance, after the Retry-After (growing by half with each refusal in a row,
  up to ``max_wait``) after a refusal - or until an image this controller made finishes in that lane
  (``freed``), which is when the platform takes the next one there;
* while images of this controller are in progress in the lane, a refusal waits for one of them to finish
  rather than for the growing interval (up to ``PATIENCE`` x ``max_wait`` in case a slot is freed by
  someone else): each finished image is one free slot of its lane, worth one request of that lane, so
  that a queue costs about one refused request per freed slot, not one per interval; and a request that
  takes the last freed slot leaves the next one waiting for another. Slots that other automation
  (another controller, an AWX job slice) frees are still found by that longest wait, which is stretched
  by a random ``JITTER`` so that controllers refused together do not come back in lockstep. The
  Retry-After is always honoured;
* a minute without refusals (after the last refusal's wait) ends the lane's congestion.

A refusal by the account's own rate limit (``account``: Nova's overLimit with ``retryAt``, which other
automation on the account may have caused) congests the *account* the same way, with the growing interval:
while it lasts every lane waits, and one request of the whole controller is out at a time.

A process that dies holding its turn holds it at most ``max_wait`` seconds; its images stop counting as in
progress when it is gone. The file holds times, counters, process ids and hostIds (opaque hashes) only.
``clock`` is wall time (the processes share it); ``clock``, ``sleep`` and ``rand`` are injectable.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import hashlib
import itertools
import os
import random
import time

from ansible_collections.opencloud.images.plugins.module_utils.files import cache_root, locked, read_json, write_private_json

POSTS_PER_MINUTE = 100  # Rackspace's absolute limit: any POST, per account (restore-and-verify.md, limits)
WINDOW = 60.0
CONGESTION_SECONDS = 60.0  # a minute without refusals ends the one-at-a-time mode
GROWTH = 1.5
# The longest sleep between two looks at the shared state's file: a waiting process notices a freed turn this soon.
LOOK_INTERVAL = 1.0
# While this controller's own images are in progress, a refused queue waits for one of them to finish, up to this many
# times ``max_wait`` (5 minutes with image_create's defaults, an eighth of a 40-minute image).
PATIENCE = 5
JITTER = 0.25  # waits after a refusal are stretched by up to this fraction, drawn per controller
# An image in progress for longer than a day is no longer counted (its process id may have been reused meanwhile).
IN_FLIGHT_LIFETIME = 86400.0
_PACERS = itertools.count()


def _alive(token):
    """Whether the process that holds an in-progress entry (``pid:number``) still runs."""
    try:
        os.kill(int(token.split(":")[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:
        return True  # it exists, under another user
    return True


def pacing_key(*parts):
    """The file name of an account's budget: a hash of its endpoint and account (never of a secret)."""
    return hashlib.sha256("\0".join(str(part or "") for part in parts).encode("utf-8")).hexdigest()


def _hold(queue, now, wait):
    """After a refusal: ``queue`` (a lane, or the account) has its next turn in ``wait`` seconds and stays congested for
    a minute past that."""
    queue["next_turn"] = now + wait
    queue["congested_until"] = now + wait + CONGESTION_SECONDS


class SharedPacer:
    """The pacing of one process's requests; ``lane`` is the hostId of the server they are for (None: one lane)."""

    def __init__(self, key, lane=None, per_minute=POSTS_PER_MINUTE, max_wait=60.0, directory=None, clock=time.time,
                 sleep=time.sleep, rand=random.random):
        self.path = os.path.join(directory or os.path.join(cache_root(), "pacing"), key + ".json")
        self.lane = str(lane or "")
        self.per_minute = per_minute
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self.rand = rand
        self.token = "%d:%d" % (os.getpid(), next(_PACERS))  # this pacer's entries among the images in progress
        self.waited = 0.0  # seconds this process spent waiting for its turns

    def _update(self, change):
        """Apply ``change(state, lane, now)`` to the shared state (the account's ``posts`` times, its ``account``
        congestion and its ``lanes``) and this process's lane, under its lock; return what it returns."""
        with locked(self.path + ".lock"):
            state = read_json(self.path)
            if not isinstance(state, dict):
                state = {}
            now = self.clock()
            posts = [t for t in state.get("posts", []) if isinstance(t, (int, float)) and t > now - WINDOW]
            lanes = state.get("lanes") if isinstance(state.get("lanes"), dict) else {}
            lanes = dict((name, lane) for name, lane in lanes.items() if isinstance(lane, dict) and (
                name == self.lane or lane.get("in_flight") or lane.get("congested_until", 0) > now))  # idle lanes go
            lane = lanes.setdefault(self.lane, {})
            in_flight = lane.get("in_flight")
            lane["in_flight"] = dict((token, since) for token, since in in_flight.items()
                                     if isinstance(since, (int, float)) and since > now - IN_FLIGHT_LIFETIME and _alive(token)) \
                if isinstance(in_flight, dict) else {}
            account = state.get("account") if isinstance(state.get("account"), dict) else {}
            state = {"posts": posts, "account": account, "lanes": lanes}
            before = copy.deepcopy(state)
            result = change(state, lane, now)
            if state != before:
                write_private_json(self.path, state)
        return result

    def acquire(self, timeout=None):
        """Wait for this process's turn to POST, at most ``timeout`` seconds (then go anyway: the caller's deadline
        decides what a refusal means); return the seconds waited."""
        started = self.clock()
        deadline = None if timeout is None else started + timeout
        seen, start_at = None, None
        while True:
            version = self._version()
            if version != seen or start_at is None or start_at <= self.clock():
                seen = version
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

    def _version(self):
        """What tells one version of the shared state from the next (each write replaces the file): a waiting process
        reads the state again only when it changed or its turn has come, not at every look (a hundred forks that wait
        would otherwise take the lock a hundred times a second between them)."""
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def _take_turn(self, state, lane, now):
        """The time this process may POST; when that is now, the turn is taken (recorded in ``state`` and ``lane``)."""
        posts = state["posts"]
        start_at = now
        if len(posts) >= self.per_minute:
            start_at = sorted(posts)[-self.per_minute] + WINDOW
        congested = [queue for queue in (state["account"], lane) if queue.get("congested_until", 0) > now]
        for queue in congested:
            start_at = max(start_at, min(queue.get("next_turn", 0), queue["congested_until"]))
        if start_at <= now:
            posts.append(now)
            for queue in congested:
                # one at a time: the next waits for this one's outcome (or for a dead process's turn to lapse), and the
                # congestion lasts at least as long (else the others would all go while this one is out)
                queue["next_turn"] = now + self.max_wait
                queue["congested_until"] = max(queue["congested_until"], queue["next_turn"])
        return start_at

    def accepted(self, image_started=False):
        """The POST went through: the next one may go at once, and a later refusal waits from the start again.
        ``image_started``: it started an image of this process (in progress until ``freed``), which took a free slot; in
        a congested lane, the next request then waits for another slot to be freed as after a refusal, when images of
        this controller are in progress there and no freed slot is left unasked for."""
        def change(state, lane, now):
            for queue in (state["account"], lane):
                queue["refusals"] = 0
                queue["next_turn"] = now
            if image_started:
                lane["free_slots"] = max(0, lane.get("free_slots", 0) - 1)
                if lane.get("congested_until", 0) > now and not lane["free_slots"] and lane["in_flight"]:
                    lane["next_turn"] = now + self._patient_wait()
                    lane["congested_until"] = max(lane["congested_until"], lane["next_turn"] + CONGESTION_SECONDS)
                lane["in_flight"][self.token] = now
        self._update(change)

    def refused(self, retry_after=None, at_least=1.0, account=False):
        """The POST was refused (413/429): nobody of this lane POSTs for ``at_least`` seconds, half as long again with
        each further refusal in a row up to ``max_wait``, and never before the Retry-After the platform asked for. While
        images of this controller are in progress in the lane, until one of them is ``freed`` instead (at most
        ``PATIENCE`` x ``max_wait``), unless another slot of the lane freed meanwhile is still unasked for: then the next
        request goes after the Retry-After. ``account``: the account's rate limit refused it, not the host: the same
        growing wait holds back every lane, and the lane keeps its place."""
        def change(state, lane, now):
            if account:
                queue = state["account"]
                queue["refusals"] = refusals = queue.get("refusals", 0) + 1
                _hold(queue, now, max(float(retry_after or 0), self._growing_wait(at_least, refusals)))
                lane["next_turn"] = min(lane.get("next_turn", now), now)
                return
            refusals = lane.get("refusals", 0) + 1
            lane["free_slots"] = max(0, lane.get("free_slots", 0) - 1)  # a freed slot's one try, if it was one
            if lane["free_slots"]:
                wait = 0.0  # more slots were freed meanwhile: each is worth one request
            elif lane["in_flight"]:
                wait = self._patient_wait()
            else:
                wait = self._growing_wait(at_least, refusals)
            lane["refusals"] = refusals
            _hold(lane, now, max(float(retry_after or 0), wait))
        self._update(change)

    def _patient_wait(self):
        """The longest wait for an image of this controller to free a slot, stretched by the jitter."""
        return PATIENCE * self.max_wait * (1 + JITTER * self.rand())

    def _growing_wait(self, at_least, refusals):
        """``at_least``, half as long again with each refusal in a row up to ``max_wait``, stretched by the jitter."""
        return min(at_least * GROWTH ** (refusals - 1), self.max_wait) * (1 + JITTER * self.rand())

    def freed(self):
        """Something this controller waited for finished (an image became active, or failed): one slot of the lane is
        free, and the lane's next turn may go now."""
        def change(_state, lane, now):
            lane["in_flight"].pop(self.token, None)
            if lane.get("congested_until", 0) > now:
                lane["next_turn"] = min(lane.get("next_turn", now), now)
                lane["free_slots"] = lane.get("free_slots", 0) + 1
            else:
                lane["free_slots"] = 0
        self._update(change)
