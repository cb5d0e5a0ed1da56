"""A shaped network link in user space, for benchmarks: a private network namespace behind a delay line.

    near (root namespace)  TUN oclnear<id>, 10.<n>.<m>.1/30  <-- this program -->  TUN oclfar<id>, 10.<n>.<m>.2/30  far (namespace)

Each IP packet read from one TUN is written to the other after it has crossed a bottleneck of --rate bit/s
(a serialisation clock: a packet leaves no earlier than the previous one has been sent, len * 8 / rate later)
behind a drop-tail queue of --queue bytes (default one bandwidth-delay product), then --rtt / 2 of propagation
delay; each direction is its own link. TCP across it therefore sees a real round trip, real loss when the
queue overflows and its own window limits, as between two regions.

Why not `tc qdisc ... netem` on a veth pair: the machine's kernel has no netem (nor fq) qdisc ("Specified
qdisc kind is unknown"); TUN devices and network namespaces work. Why the large MTU (--mtu, 65000): one
Python loop forwards some thousands of packets a second, not the 83,000 of 1,500-byte packets at 1 Gbit/s;
with 64 KB packets 1 Gbit/s is about 2,000 packets a second. The line's own reach on a machine is measured
by `--measure` (TCP connect time and the rate of plain socket streams across it).

    python benchmarks/shaped_link.py --netns NAME [--rtt 60ms] [--rate 1gbit] [--queue BYTES] [--mtu 65000]
        creates the namespace and the TUNs, prints one JSON line {"near": ip, "far": ip, "netns": name} when the
        link is up, forwards until SIGTERM/SIGINT, then deletes the namespace (the TUNs go with this process).
    python benchmarks/shaped_link.py --measure FAR_IP --netns NAME [--seconds 5] [--streams 1,4]
        the link's RTT and throughput, one JSON line.

Needs root (namespaces, TUN devices) and iproute2; test tool, not part of the collection.
"""

import argparse
import collections
import fcntl
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
RATE_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}
SECOND_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "": 1.0}


def parse_amount(text, pattern, units, what):
    """A number times the factor of its unit: ``pattern`` matches the number (group 1) and the unit (group 2, a key of
    ``units`` in lower case; no unit is ""); ``what`` names the kind of amount and an example for the error."""
    match = re.fullmatch(r"\s*%s\s*" % pattern, text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError("not %s: %r" % (what, text))
    return float(match.group(1)) * units[(match.group(2) or "").lower()]


def parse_rate(text):
    """bit/s from '1gbit', '500mbit', '100m', '1e9'."""
    return parse_amount(text, r"([\d.e+]+)\s*([kmg]?)(?:bit)?(?:/s)?", RATE_UNITS, "a rate (use e.g. 1gbit, 500mbit)")


def parse_seconds(text):
    """seconds from '60ms', '0.06s', '60000us'."""
    return parse_amount(text, r"([\d.]+)\s*(us|ms|s)?", SECOND_UNITS, "a duration (use e.g. 60ms)")


def open_tun(name):
    """A TUN device ``name`` (no packet information header) and its file descriptor; it lives while the fd is open."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Direction:
    """One direction of the link: a drop-tail bottleneck queue served at ``rate``, then ``delay`` of propagation.

    Departures are in arrival order and the delay is constant, so one FIFO of (due time, packet) suffices."""

    def __init__(self, rate, delay, queue_bytes):
        self.rate, self.delay, self.queue_bytes = rate, delay, queue_bytes
        self.sent_until = 0.0  # when the bottleneck finishes sending what it has accepted
        self.pending = collections.deque()
        self.packets = self.dropped = 0

    def accept(self, packet, now):
        """Queue ``packet`` arrived at ``now``, or drop it when the bottleneck's backlog is over the queue size."""
        backlog = max(0.0, self.sent_until - now) * self.rate / 8
        if backlog + len(packet) > self.queue_bytes:
            self.dropped += 1
            return
        self.sent_until = max(now, self.sent_until) + len(packet) * 8 / self.rate
        self.pending.append((self.sent_until + self.delay, packet))
        self.packets += 1

    def deliver(self, fd, now):
        """Write every packet due by ``now`` to ``fd``; the time the next one is due, or None."""
        while self.pending and self.pending[0][0] <= now:
            try:
                os.write(fd, self.pending.popleft()[1])
            except BlockingIOError:  # the receiving TUN's queue is full: that packet is lost, as on a wire
                self.dropped += 1
        return self.pending[0][0] if self.pending else None


def forward(near_fd, far_fd, args, stop):
    """The delay line's loop until ``stop`` is set."""
    queue_bytes = args.queue or max(4 * args.mtu, int(args.rate * args.rtt / 8))
    outbound = Direction(args.rate, args.rtt / 2, queue_bytes)   # near -> far
    inbound = Direction(args.rate, args.rtt / 2, queue_bytes)    # far -> near
    routes = {near_fd: (outbound, far_fd), far_fd: (inbound, near_fd)}
    buffer_size = args.mtu + 64
    parent = os.getppid()
    while not stop.is_set() and os.getppid() == parent:  # ends with the program that started it, whatever happens to that
        now = time.monotonic()
        due = [when for when in (outbound.deliver(far_fd, now), inbound.deliver(near_fd, now)) if when is not None]
        timeout = max(0.0, min(due) - time.monotonic()) if due else 0.2
        readable, _w, _x = select.select([near_fd, far_fd], [], [], min(timeout, 0.2))
        now = time.monotonic()
        for fd in readable:
            direction, _out = routes[fd]
            for _packet in range(64):  # drain a burst without starving the other side
                try:
                    packet = os.read(fd, buffer_size)
                except BlockingIOError:
                    break
                direction.accept(packet, now)
    return outbound, inbound


def ip(*words, netns=None):
    command = (["ip", "netns", "exec", netns] if netns else []) + ["ip"] + list(words)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def serve(args):
    """Create the namespace and TUNs, say so on stdout, forward until a signal, clean up."""
    index = os.getpid() % 250 + 1
    near_name, far_name = "oclnear%d" % index, "oclfar%d" % index
    near_ip, far_ip = "10.213.%d.1" % index, "10.213.%d.2" % index
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    subprocess.run(["ip", "netns", "add", args.netns], check=True)
    try:
        near_fd, far_fd = open_tun(near_name), open_tun(far_name)
        ip("link", "set", far_name, "netns", args.netns)
        ip("link", "set", "lo", "up", netns=args.netns)
        for name, local, peer, netns in ((near_name, near_ip, far_ip, None), (far_name, far_ip, near_ip, args.netns)):
            ip("addr", "add", local, "peer", peer, "dev", name, netns=netns)
            ip("link", "set", name, "mtu", str(args.mtu), "up", netns=netns)
        print(json.dumps({"near": near_ip, "far": far_ip, "netns": args.netns, "rtt": args.rtt, "rate": args.rate,
                          "mtu": args.mtu}), flush=True)
        outbound, inbound = forward(near_fd, far_fd, args, stop)
        print(json.dumps({"packets": [outbound.packets, inbound.packets], "dropped": [outbound.dropped, inbound.dropped]}),
              file=sys.stderr, flush=True)
    finally:
        subprocess.run(["ip", "netns", "del", args.netns], check=False)


SINK = r"""
import socket, sys, threading
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((sys.argv[1], 0))
server.listen(64)
print(server.getsockname()[1], flush=True)
def drain(conn):
    while conn.recv(1 << 20):
        pass
    conn.close()
while True:
    conn, _peer = server.accept()
    threading.Thread(target=drain, args=(conn,), daemon=True).start()
"""


def measure(args):
    """TCP connect time to the far side, and the rate of 1 and N plain socket streams sending to a sink there."""
    sink = subprocess.Popen(["ip", "netns", "exec", args.netns, sys.executable, "-c", SINK, args.measure],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(sink.stdout.readline())
        connects = []
        for _attempt in range(5):
            started = time.perf_counter()
            socket.create_connection((args.measure, port), timeout=10).close()
            connects.append(time.perf_counter() - started)
        result = {"connect_ms": round(sorted(connects)[len(connects) // 2] * 1000, 1)}
        for streams in args.streams:
            sent = [0] * streams
            deadline = time.perf_counter() + args.seconds

            def send(slot):
                block = b"\0" * (1 << 20)
                with socket.create_connection((args.measure, port), timeout=30) as conn:
                    while time.perf_counter() < deadline:
                        sent[slot] += conn.send(block)
                    conn.shutdown(socket.SHUT_WR)
                    conn.recv(1)  # the sink closes once it has read everything: the rate is of bytes delivered
            started = time.perf_counter()
            threads = [threading.Thread(target=send, args=(slot,)) for slot in range(streams)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            result["mbit_%d_streams" % streams] = round(sum(sent) * 8 / (time.perf_counter() - started) / 1e6, 1)
        print(json.dumps(result), flush=True)
    finally:
        sink.kill()
        sink.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--netns", required=True, help="the far side's network namespace (created, and deleted on exit)")
    ap.add_argument("--rtt", type=parse_seconds, default=parse_seconds("60ms"), help="round-trip time (60ms)")
    ap.add_argument("--rate", type=parse_rate, default=parse_rate("1gbit"), help="bottleneck rate each way (1gbit)")
    ap.add_argument("--queue", type=int, default=0, help="bottleneck queue, bytes (default: one bandwidth-delay product)")
    ap.add_argument("--mtu", type=int, default=65000, help="MTU of both TUNs (65000)")
    ap.add_argument("--measure", metavar="FAR_IP", help="measure a running link instead of serving one")
    ap.add_argument("--seconds", type=float, default=5, help="--measure: seconds per throughput sample (5)")
    ap.add_argument("--streams", type=lambda text: [int(n) for n in text.split(",")], default=[1, 4],
                    help="--measure: parallel streams per sample (1,4)")
    args = ap.parse_args()
    if args.measure:
        return measure(args)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
