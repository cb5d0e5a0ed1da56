# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import itertools

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.retries import (
    AT_LEAST, HONOUR, Backoff, RetryPolicy, parse_retry_after,
)
from ansible_collections.opencloud.images.tests.unit.plugins.module_utils.conftest import FakeClock


class Clock(FakeClock):
    def policy(self, **options):
        return RetryPolicy(clock=self, sleep=self.sleep, **options)


class Refused(Exception):
    def __init__(self, retry_after=None):
        super(Refused, self).__init__("refused")
        self.retry_after = retry_after


def failing(*errors, **kwargs):
    """An attempt that raises ``errors`` one after the other, then returns ``result``."""
    queue = list(errors)

    def attempt():
        if queue:
            raise queue.pop(0)
        return kwargs.get("result", "done")
    return attempt


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1000 + 30, usegmt=True)
    assert parse_retry_after(date, now=1000) == 30


def test_backoff_grows_by_its_factor_up_to_the_cap():
    assert list(itertools.islice(Backoff(10, 1.5, 30), 5)) == [10, 15, 22.5, 30, 30]
    assert list(itertools.islice(Backoff(1, 2, 15), 6)) == [1, 2, 4, 8, 15, 15]


def test_jitter_stretches_each_delay_by_at_most_its_fraction():
    assert list(itertools.islice(Backoff(2, 2, jitter=0.5, rand=lambda: 1.0), 3)) == [3.0, 6.0, 12.0]
    assert list(itertools.islice(Backoff(2, 2, jitter=0.5, rand=lambda: 0.0), 2)) == [2, 4]


def test_attempts_bound_the_tries_and_the_last_error_is_raised():
    clock = Clock()
    with pytest.raises(Refused):
        clock.policy(attempts=3, backoff=Backoff(1, 2)).run(failing(Refused(), Refused(), Refused()), lambda e: True)
    assert clock.sleeps == [1, 2]


def test_an_error_the_predicate_refuses_is_raised_at_once():
    clock = Clock()
    with pytest.raises(ValueError):
        clock.policy(attempts=5).run(failing(ValueError()), lambda e: isinstance(e, Refused))
    assert clock.sleeps == []


def test_retry_after_is_honoured_up_to_its_cap_and_a_longer_one_gives_up():
    clock = Clock()
    policy = clock.policy(attempts=5, backoff=Backoff(1, 2), retry_after=HONOUR, max_retry_after=120)
    assert policy.run(failing(Refused(7), Refused()), lambda e: True) == "done"
    assert clock.sleeps == [7, 2]
    with pytest.raises(Refused) as err:
        policy.run(failing(Refused(3600)), lambda e: True)
    assert err.value.retry_after == 3600


def test_retry_after_as_the_least_wait_and_the_deadline_cuts_the_last_one():
    clock = Clock()
    policy = clock.policy(timeout=50, backoff=Backoff(10, 1.5, 60), retry_after=AT_LEAST)
    with pytest.raises(RuntimeError) as err:
        policy.run(failing(*[Refused(12) for n in range(10)]), lambda e: True,
                   exhausted=lambda e: RuntimeError("out of time"))
    assert str(err.value) == "out of time"
    assert clock.sleeps == [12, 15, 22.5, 0.5]  # 50 s in all: the last wait is cut to what is left
    assert clock.now == 50


def test_on_retry_runs_before_each_new_try():
    seen = []
    RetryPolicy(attempts=3).run(failing(Refused(), Refused()), lambda e: True, on_retry=seen.append)
    assert len(seen) == 2
