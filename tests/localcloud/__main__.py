"""``python -m localcloud``: run the local cloud in the foreground until interrupted (SIGINT or SIGTERM)."""

import argparse
import json
import os
import signal
import sys

from .server import LocalCloud, check_loopback
from .state import DEFAULT_TOKEN_TTL


def _write_port_file(path, cloud):
    """Write ``{"url", "port"}`` atomically, so a reader polling for the file never sees half of it."""
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump({"url": cloud.url, "port": cloud.port}, handle)
    os.replace(partial, path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m localcloud", description="Local emulator of the Rackspace cloud APIs, for tests.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback IP address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default 0)")
    parser.add_argument("--port-file", metavar="PATH", help='write {"url": ..., "port": ...} as JSON here once listening')
    parser.add_argument("--seed", default="default", help="default, empty (no images) or the path of a JSON seed file (default: default)")
    parser.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, metavar="SECONDS", help="token lifetime (default 86400)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    if args.token_ttl <= 0:
        parser.error("--token-ttl must be positive")
    try:
        cloud = LocalCloud(args.host, args.port, args.seed, args.token_ttl, quiet=args.quiet)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        parser.error(f"cannot start: {exc}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.port_file:
        _write_port_file(args.port_file, cloud)
    if not args.quiet:
        print(f"localcloud listening on {cloud.url}", file=sys.stderr, flush=True)
    try:
        cloud.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
