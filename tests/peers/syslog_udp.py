"""A syslog receiver for the peer Swift: every datagram on 127.0.0.1:PORT/udp becomes a line of LOGFILE.

Swift's servers log only through syslog, and there is no /dev/log in the sandboxes this runs in;
start.sh points them (log_udp_host/log_udp_port) at this listener so that their logs, tracebacks
included, can be read and tailed on failure. Stdlib only; stops on SIGTERM.

    python syslog_udp.py PORT LOGFILE
"""

import re
import signal
import socket
import sys

PRIORITY = re.compile(rb"^<\d+>")


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    with open(path, "ab", buffering=0) as log:
        while True:
            data = sock.recv(65535)
            log.write(PRIORITY.sub(b"", data).rstrip(b"\0\n") + b"\n")


if __name__ == "__main__":
    main()
