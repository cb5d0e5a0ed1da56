# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many segments to keep in flight, from what the link to the target shows.

One TCP stream carries at most its send window per round trip, so a link of rate R and round trip
RTT needs ceil(R x RTT / window) streams to be full (README, "Copying an image's data between
regions": over a shaped 60 ms, 1 Gbit/s link one stream got 357 Mbit/s, held by the sender's 4 MiB
``tcp_wmem`` maximum, and 4 streams 91 % of the link). The round trip is measured with a few cheap
requests to the target; the window is this host's ``tcp_wmem`` maximum; the rate cannot be measured
without sending data, so a nominal 1 Gbit/s is assumed (the benchmark's shaped link; a faster link
needs an explicit ``workers``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import time

from ansible_collections.opencloud.images.plugins.module_utils.large_objects import MAX_WORKERS, MIB

NOMINAL_LINK_BITS_PER_SECOND = 1e9
DEFAULT_WINDOW_BYTES = 4 * MIB
# The fewest workers: 4 reached 91 % of the shaped link, and fewer gain nothing on a short round trip.
MIN_WORKERS = 4
RTT_PROBES = 3
TCP_WMEM = "/proc/sys/net/ipv4/tcp_wmem"


def send_window(path=TCP_WMEM):
    """(bytes, where they come from): the largest send buffer a TCP stream may grow to (tcp_wmem's third field,
    Linux), else 4 MiB (Linux's default maximum) when that file is unreadable, as on other systems."""
    try:
        with open(path) as wmem:
            return int(wmem.read().split()[2]), "tcp_wmem maximum"
    except (OSError, ValueError, IndexError):
        return DEFAULT_WINDOW_BYTES, "%s unreadable, 4 MiB assumed" % path


def round_trip(probe, probes=RTT_PROBES, clock=time.monotonic):
    """The shortest of ``probes`` timed calls of ``probe`` (a cheap request): the least delayed by connecting,
    a token or a busy server, so the nearest to the path's round trip."""
    elapsed = []
    for _probe in range(probes):
        started = clock()
        probe()
        elapsed.append(clock() - started)
    return min(elapsed)


def choose_workers(rtt_seconds, window_bytes, link_bits_per_second=NOMINAL_LINK_BITS_PER_SECOND, floor=MIN_WORKERS,
                   ceiling=MAX_WORKERS, window_source="send window"):
    """(workers, why): ceil(link rate x round trip / window), between ``floor`` and ``ceiling``."""
    needed = int(math.ceil(link_bits_per_second / 8 * rtt_seconds / window_bytes))
    workers = min(ceiling, max(floor, needed))
    bound = ", at least %d" % floor if workers > needed else ", at most %d" % ceiling if workers < needed else ""
    return workers, "ceil(%g Gbit/s assumed x %.1f ms round trip / %.1f MiB window (%s)) = %d%s" % (
        link_bits_per_second / 1e9, rtt_seconds * 1000, window_bytes / MIB, window_source, needed, bound)


def workers_for_link(probe, wmem_path=TCP_WMEM, clock=time.monotonic):
    """:func:`choose_workers` for the round trip of ``probe`` (a cheap request to the target) and this host's window."""
    window, window_source = send_window(wmem_path)
    return choose_workers(round_trip(probe, clock=clock), window, window_source=window_source)


def segment_workers(workers, probe):
    """(segments in flight, why): ``workers`` (the option) when set, else :func:`workers_for_link` of ``probe``."""
    if workers is not None:
        return workers, "the workers option"
    return workers_for_link(probe)
