# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.errors import WaitFailed, WaitTimeout
from ansible_collections.opencloud.images.plugins.module_utils.waiting import wait_for
from ansible_collections.opencloud.images.tests.unit.plugins.module_utils.conftest import FakeClock


def states(*values):
    values = list(values)
    return lambda: values.pop(0) if len(values) > 1 else values[0]


def test_returns_the_done_state_with_time_waited_and_backoff():
    clock = FakeClock()
    result = wait_for(states("queued", "saving", "saving", "active"), lambda s: s == "active", timeout=1000,
                      interval=10, backoff=2, max_interval=25, clock=lambda: clock.now, sleep=clock.sleep)
    assert result.state == "active"
    assert result.polls == 4
    assert clock.sleeps == [10, 20, 25]
    assert result.waited == 55


def test_terminal_failure_stops_at_once():
    clock = FakeClock()
    with pytest.raises(WaitFailed) as err:
        wait_for(states("saving", "killed"), lambda s: s == "active", failed=lambda s: "image failed" if s == "killed" else None,
                 timeout=1000, interval=5, clock=lambda: clock.now, sleep=clock.sleep)
    assert err.value.last == "killed"
    assert clock.now == 5


def test_timeout_keeps_the_deadline_and_reports_the_last_state():
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as err:
        wait_for(states("saving"), lambda s: False, timeout=12, interval=5, backoff=1,
                 clock=lambda: clock.now, sleep=clock.sleep)
    assert err.value.last == "saving"
    assert clock.sleeps == [5, 5, 2]
    assert "saving" in err.value.message
