# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared pacing budget: real files in a temporary directory, several pacers standing for several processes of
one controller, one simulated clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import multiprocessing
import os
import stat

import pytest

from ansible_collections.opencloud.images.plugins.module_utils import pacing
from ansible_collections.opencloud.images.plugins.module_utils.pacing import (
    CONGESTION_SECONDS, IN_FLIGHT_LIFETIME, JITTER, PATIENCE, WINDOW, SharedPacer,
)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.now += seconds


def pacers(tmp_path, clock, count=2, rand=lambda: 0.0, **kwargs):
    """``count`` pacers of one account, as ``count`` forks of one controller see it (no jitter unless ``rand`` says)."""
    return [SharedPacer("account", directory=str(tmp_path / "pacing"), clock=clock, sleep=clock.sleep, rand=rand, **kwargs)
            for _index in range(count)]


def test_posts_go_at_once_within_the_budget_and_wait_for_the_window_past_it(tmp_path):
    clock = Clock()
    first, second = pacers(tmp_path, clock, per_minute=3)
    waits = [first.acquire(), second.acquire(), first.acquire()]
    assert waits == [0, 0, 0]
    clock.now += 10
    assert second.acquire() == WINDOW - 10, "the fourth POST waits until the first is a minute old"


def test_a_refusal_holds_back_every_process_for_its_retry_after(tmp_path):
    clock = Clock()
    first, second = pacers(tmp_path, clock)
    first.acquire()
    first.refused(retry_after=30)
    assert second.acquire() == 30


def test_while_congested_requests_go_one_at_a_time_each_waiting_for_the_previous_outcome(tmp_path):
    clock = Clock()
    first, second, third = pacers(tmp_path, clock, count=3, max_wait=20)
    first.acquire()
    first.refused(retry_after=5)
    assert second.acquire() == 5
    clock.now += 2  # second's request is on its way
    second.accepted()
    assert third.acquire() == 0, "an accepted request lets the next one go at once"
    assert first.acquire() == 20, "with no outcome from third, its turn lapses after max_wait"


def test_refusals_in_a_row_wait_longer_up_to_max_wait_but_never_less_than_retry_after(tmp_path):
    clock = Clock()
    (pacer,) = pacers(tmp_path, clock, count=1, max_wait=5)
    pacer.acquire()
    waits = []
    for retry_after in (1, 1, 1, 1, 1, 9):
        pacer.refused(retry_after=retry_after, at_least=2)
        waits.append(pacer.acquire())
    assert waits == [2, 3, 4.5, 5, 5, 9]
    pacer.accepted()
    pacer.acquire()
    pacer.refused(retry_after=1, at_least=2)
    assert pacer.acquire() == 2, "an acceptance starts the growth again"


def test_an_image_that_finishes_frees_the_next_turn_before_the_retry_after(tmp_path):
    clock = Clock()
    first, second = pacers(tmp_path, clock)
    first.acquire()
    first.refused(retry_after=300)
    clock.now += 40
    first.freed()
    assert second.acquire() == 0


def test_the_congestion_ends_a_minute_after_the_last_refusals_wait(tmp_path):
    clock = Clock()
    first, second, third = pacers(tmp_path, clock, count=3)
    first.acquire()
    first.refused(retry_after=10)
    clock.now += 10 + CONGESTION_SECONDS
    assert [second.acquire(), third.acquire()] == [0, 0], "no longer one at a time"


def test_while_own_images_are_in_progress_a_refused_queue_waits_for_one_of_them_not_for_the_interval(tmp_path):
    clock = Clock()
    imaging, queued, other = pacers(tmp_path, clock, count=3, max_wait=60)
    imaging.acquire()
    imaging.accepted(image_started=True)
    queued.acquire()
    queued.refused(retry_after=1, at_least=10)
    assert other.acquire() == PATIENCE * 60, "no image finished: only the longest wait sends the next request"
    other.refused(retry_after=1, at_least=10)
    clock.now += 100
    imaging.freed()
    assert queued.acquire() == 0, "the finished image's slot is asked for at once"


def test_each_freed_slot_is_worth_one_request(tmp_path):
    clock = Clock()
    images = pacers(tmp_path, clock, count=3)
    first, second, third = pacers(tmp_path, clock, count=3)
    for pacer in images:
        pacer.acquire()
        pacer.accepted(image_started=True)
    first.acquire()
    first.refused(retry_after=1)
    clock.now += 30
    images[0].freed()
    images[1].freed()
    assert first.acquire() == 0
    first.refused(retry_after=1)  # another controller took the slot first
    assert second.acquire() == 1, "the second freed slot's request, after the Retry-After"
    second.refused(retry_after=1)
    assert third.acquire() == PATIENCE * 60, "no freed slot left unasked for: wait for the third image"


def test_a_refusal_holds_back_the_requests_for_the_same_host_only(tmp_path):
    clock = Clock()
    (full,) = pacers(tmp_path, clock, count=1, lane="host-a")
    same, other = pacers(tmp_path, clock, count=1, lane="host-a") + pacers(tmp_path, clock, count=1, lane="host-b")
    full.acquire()
    full.refused(retry_after=30)
    assert other.acquire() == 0, "another host's images are not limited by this one's"
    other.accepted(image_started=True)
    assert same.acquire() == 30


def test_a_freed_slot_goes_to_a_request_for_its_own_host(tmp_path):
    clock = Clock()
    imaging_a, queued_a = pacers(tmp_path, clock, lane="host-a")
    imaging_b, queued_b = pacers(tmp_path, clock, lane="host-b")
    for imaging, queued in ((imaging_a, queued_a), (imaging_b, queued_b)):
        imaging.acquire()
        imaging.accepted(image_started=True)
        queued.acquire()
        queued.refused(retry_after=1)
    clock.now += 30
    imaging_a.freed()
    assert queued_a.acquire() == 0, "host a's finished image: host a's request goes at once"
    queued_a.accepted(image_started=True)
    assert queued_b.acquire() == PATIENCE * 60 - 30, "host b is still full: its request still waits for one of its images"


def test_the_state_keeps_only_the_lanes_in_use(tmp_path):
    clock = Clock()
    (old,) = pacers(tmp_path, clock, count=1, lane="host-a")
    (new,) = pacers(tmp_path, clock, count=1, lane="host-b")
    old.acquire()
    old.refused(retry_after=5)
    new.acquire()
    with open(new.path) as handle:
        assert set(json.load(handle)["lanes"]) == {"host-a", "host-b"}
    clock.now += 5 + CONGESTION_SECONDS
    new.accepted()
    with open(new.path) as handle:
        assert set(json.load(handle)["lanes"]) == {"host-b"}, "a lane with nothing in progress and no congestion is dropped"


def test_the_congestion_lasts_while_a_turn_is_out(tmp_path):
    clock = Clock()
    first, second, third = pacers(tmp_path, clock, count=3)
    first.acquire()
    first.refused(retry_after=10)
    clock.now = 1000 + 10 + CONGESTION_SECONDS - 0.5
    assert second.acquire() == 0
    clock.now += 1
    assert third.acquire() == 60 - 1, "second's request is still out: one at a time, not everyone at once"


def test_in_a_full_lane_a_request_taken_leaves_the_next_one_waiting_for_another_freed_slot(tmp_path):
    clock = Clock()
    imaging = pacers(tmp_path, clock, count=2)
    queued, after = pacers(tmp_path, clock)
    for pacer in imaging:
        pacer.acquire()
        pacer.accepted(image_started=True)
    queued.acquire()
    queued.refused(retry_after=1)  # congested until 1000 + 300 + 60
    clock.now = 1100
    imaging[0].freed()
    assert queued.acquire() == 0
    queued.accepted(image_started=True)
    clock.now = 1370
    assert after.acquire() == 30, "the freed slot is taken: the next request would be refused, so it waits (and the " \
                                  "lane stays congested past the refusal's minute, else every queued request would go)"
    imaging[1].freed()
    assert after.acquire() == 0


def test_a_refusal_by_the_accounts_rate_limit_holds_back_every_lane_one_request_at_a_time(tmp_path):
    clock = Clock()
    refused, = pacers(tmp_path, clock, count=1, lane="host-a")
    other, third = pacers(tmp_path, clock, lane="host-b")
    refused.acquire()
    refused.refused(retry_after=20, at_least=10, account=True)
    assert other.acquire() == 20, "another host's request waits for the account too"
    assert third.acquire(timeout=5) == 5, "one at a time: the next waits for that one's outcome"
    other.accepted()
    assert refused.acquire() == 0, "an accepted request ends the wait (host a's lane was not held back on its own)"


def wait_after_a_refusal(pacer):
    """The wait of ``pacer``'s next request after its first one was refused (Retry-After 1 s, first interval 10 s)."""
    pacer.acquire()
    pacer.refused(retry_after=1, at_least=10)
    return pacer.acquire()


def test_images_of_a_process_that_is_gone_no_longer_count_as_in_progress(tmp_path):
    def image_and_exit():
        (pacer,) = pacers(tmp_path, Clock(), count=1)
        pacer.acquire()
        pacer.accepted(image_started=True)

    gone = multiprocessing.get_context("fork").Process(target=image_and_exit)
    gone.start()
    gone.join(10)
    assert gone.exitcode == 0
    (queued,) = pacers(tmp_path, Clock(), count=1)
    assert wait_after_a_refusal(queued) == 10, "nothing of this controller will finish: the growing interval, not the longest wait"


def test_an_image_in_progress_for_over_a_day_no_longer_counts(tmp_path):
    clock = Clock()
    imaging, queued = pacers(tmp_path, clock)
    imaging.acquire()
    imaging.accepted(image_started=True)
    clock.now += IN_FLIGHT_LIFETIME + 1
    assert wait_after_a_refusal(queued) == 10


def test_waits_after_a_refusal_are_stretched_by_jitter_but_never_below_the_retry_after(tmp_path):
    clock = Clock()
    (late,) = pacers(tmp_path / "one", clock, count=1, rand=lambda: 1.0)
    (early,) = pacers(tmp_path / "two", clock, count=1, rand=lambda: 0.2)
    waits = []
    for pacer in (late, early):
        pacer.acquire()
        pacer.refused(retry_after=1, at_least=4)
        waits.append(pacer.acquire())
    assert waits == pytest.approx([4 * (1 + JITTER), 4 * (1 + 0.2 * JITTER)]), "two controllers refused together come back apart"
    late.refused(retry_after=30, at_least=4)
    assert late.acquire() == 30


def test_a_waiting_process_reads_the_state_again_only_when_it_changed_or_its_turn_came(tmp_path, monkeypatch):
    clock = Clock()
    first, second = pacers(tmp_path, clock)
    first.acquire()
    first.refused(retry_after=30)
    reads = []
    real_read = pacing.read_json
    monkeypatch.setattr(pacing, "read_json", lambda path: reads.append(clock.now) or real_read(path))
    assert second.acquire() == 30
    assert reads == [1000.0, 1030.0], "one read to learn its turn, one when it came; not one per second of looking"

    first.refused(retry_after=30)
    del reads[:]
    looks = []

    def sleep_and_free(seconds):
        looks.append(clock.now)
        if len(looks) == 5:
            first.freed()  # another process writes the state meanwhile: the next look sees it at once
        clock.sleep(seconds)
    second.sleep = sleep_and_free
    assert second.acquire() == 5
    assert reads == [1030.0, 1034.0, 1035.0], "freed() reads and writes at 1034; the waiting process reads again at its next look"


def test_acquire_gives_up_waiting_at_its_timeout(tmp_path):
    clock = Clock()
    first, second = pacers(tmp_path, clock)
    first.acquire()
    first.refused(retry_after=600)
    assert second.acquire(timeout=45) == 45


def test_the_state_file_is_private_and_holds_times_and_counters_only(tmp_path):
    clock = Clock()
    (pacer,) = pacers(tmp_path, clock, count=1)
    pacer.acquire()
    pacer.refused(retry_after=3)
    assert stat.S_IMODE(os.stat(pacer.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(pacer.path)).st_mode) == 0o700
    with open(pacer.path) as handle:
        state = json.load(handle)
    assert set(state) == {"posts", "account", "lanes"}
    assert set(state["lanes"][""]) == {"refusals", "next_turn", "congested_until", "in_flight", "free_slots"}
    lane = state["lanes"][""]
    assert all(isinstance(value, (int, float)) for value in state["posts"] + [lane["next_turn"], lane["congested_until"]])


def _take_turns(directory, turns, queue):
    pacer = SharedPacer("account", per_minute=1000, directory=directory)
    for _turn in range(turns):
        pacer.acquire()
    queue.put(os.getpid())


def test_processes_sharing_the_budget_lose_no_turn(tmp_path):
    """Real processes and the real clock: every turn taken is counted once (the lock serialises the updates)."""
    directory = str(tmp_path / "pacing")
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_take_turns, args=(directory, 25, queue)) for _index in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert queue.qsize() == 4
    with open(os.path.join(directory, "account.json")) as handle:
        assert len(json.load(handle)["posts"]) == 100
