# -*- coding: utf-8 -*-
"""The worker count chosen from the link: ceil(rate x round trip / window) between 4 and 32."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.opencloud.images.plugins.module_utils.links import (
    choose_workers, round_trip, send_window, segment_workers, workers_for_link,
)
from ansible_collections.opencloud.images.tests.unit.plugins.module_utils.conftest import FakeClock

MIB = 1024 * 1024


@pytest.mark.parametrize("rtt, workers, bound", [
    (0.0002, 4, ", at least 4"),  # loopback: one stream would do
    (0.060, 4, ", at least 4"),  # the README's shaped link: 2 streams needed
    (0.180, 6, ""),  # 1e9 / 8 x 0.18 / 4 MiB = 5.4
    (5.0, 32, ", at most 32"),
])
def test_workers_fill_a_gigabit_link_with_4_mib_windows(rtt, workers, bound):
    chosen, reason = choose_workers(rtt, 4 * MIB, window_source="tcp_wmem maximum")
    assert chosen == workers
    assert reason.startswith("ceil(1 Gbit/s assumed x %.1f ms round trip / 4.0 MiB window (tcp_wmem maximum)) = "
                             % (rtt * 1000))
    assert reason.endswith(bound)


def test_a_larger_window_needs_fewer_workers():
    assert choose_workers(0.180, 16 * MIB)[0] == 4
    assert choose_workers(0.180, 2 * MIB, floor=1)[0] == 11


def test_the_window_is_tcp_wmem_maximum(tmp_path):
    wmem = tmp_path / "tcp_wmem"
    wmem.write_text("4096\t16384\t8388608\n")
    assert send_window(str(wmem)) == (8 * MIB, "tcp_wmem maximum")


@pytest.mark.parametrize("content", [None, "4096 16384\n", "a b c\n"])
def test_an_unreadable_tcp_wmem_means_4_mib(tmp_path, content):
    wmem = tmp_path / "tcp_wmem"
    if content is not None:
        wmem.write_text(content)
    window, source = send_window(str(wmem))
    assert window == 4 * MIB and source == "%s unreadable, 4 MiB assumed" % wmem


def test_the_round_trip_is_the_shortest_probe():
    clock = FakeClock()
    delays = [0.4, 0.061, 0.07]  # the first one connects and fetches a token
    assert round_trip(lambda: clock.sleep(delays.pop(0)), clock=clock) == pytest.approx(0.061)
    assert delays == []


def test_workers_for_link_measures_the_target(tmp_path):
    clock = FakeClock()
    delays = [0.5, 0.18, 0.2]
    wmem = tmp_path / "tcp_wmem"
    wmem.write_text("4096 16384 4194304\n")
    workers, reason = workers_for_link(lambda: clock.sleep(delays.pop(0)), wmem_path=str(wmem), clock=clock)
    assert (workers, reason) == (6, "ceil(1 Gbit/s assumed x 180.0 ms round trip / 4.0 MiB window (tcp_wmem maximum)) = 6")


def test_the_workers_option_wins_and_the_link_is_not_probed():
    probes = []
    assert segment_workers(8, lambda: probes.append(1)) == (8, "the workers option")
    assert probes == []


def test_unset_workers_are_chosen_from_the_link():
    probes = []
    workers, reason = segment_workers(None, lambda: probes.append(1))
    assert len(probes) == 3 and 4 <= workers <= 32 and "round trip" in reason
