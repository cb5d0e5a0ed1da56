"""``python -m localcloud``: run the local cloud in the foreground until interrupted (SIGINT or SIGTERM)."""

import argparse
import json
import os
import signal
import sys

from .server import LocalCloud, check_loopback
from .servers import DEFAULT_CONFIG, IMAGE_TASK_STATES, TIMING_PROFILES, merged_config
from .state import DEFAULT_TOKEN_TTL


def _write_port_file(path, cloud):
    """Write ``{"url", "port"}`` atomically, so a reader polling for the file never sees half of it."""
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump({"url": cloud.url, "port": cloud.port}, handle)
    os.replace(partial, path)


def _phase_seconds(text):
    """``S`` for every phase, or ``S1,S2,S3`` for image_snapshot, image_pending_upload and image_uploading."""
    values = [float(part) for part in text.split(",")]
    if len(values) == 1:
        values *= len(IMAGE_TASK_STATES)
    if len(values) != len(IMAGE_TASK_STATES):
        raise ValueError(f"give one number or {len(IMAGE_TASK_STATES)}")
    return dict(zip(IMAGE_TASK_STATES, values))


def compute_config(args):
    """The config changes the command line asks for: timing, then compute (validated; ValueError otherwise)."""
    changes = {}
    if args.timing is not None:
        changes["timing"] = args.timing
    if args.time_scale is not None:
        changes["time_scale"] = args.time_scale
    if args.image_phase_seconds is not None:
        changes["image_phase_seconds"] = _phase_seconds(args.image_phase_seconds)
    if args.images_per_host_group is not None:
        changes["images_per_host_group"] = args.images_per_host_group
    if args.overlimit_retry_after is not None:
        changes["overlimit_retry_after"] = args.overlimit_retry_after
    merged_config(DEFAULT_CONFIG, changes)
    return changes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m localcloud", description="Local emulator of the Rackspace cloud APIs, for tests.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback IP address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default 0)")
    parser.add_argument("--port-file", metavar="PATH", help='write {"url": ..., "port": ...} as JSON here once listening')
    parser.add_argument("--seed", default="default", help="default, empty (no images or servers) or the path of a JSON seed file (default: default)")
    parser.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, metavar="SECONDS",
                        help="token lifetime, in emulated seconds (default 86400)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument("--timing", choices=TIMING_PROFILES,
                        help=f"timing profile: fast (an image in about a second, for tests) or realistic (the platform's "
                             f"minutes; sources in servers.TIMING_PROFILES) (default {DEFAULT_CONFIG['timing']})")
    parser.add_argument("--time-scale", type=float, metavar="FACTOR",
                        help="wall-clock seconds per emulated second, for every emulated duration: image phases, tasks, "
                             "Retry-After, list lags, token and task lifetimes, fault delays (default 1; 0.02: an hour in 72 s)")
    phases = DEFAULT_CONFIG["image_phase_seconds"]
    parser.add_argument("--image-phase-seconds", metavar="S[,S,S]",
                        help=f"length of the createImage phases {', '.join(IMAGE_TASK_STATES)}: one number for all, or three "
                             f"(default: the timing profile's; fast: {','.join(str(phases[phase]) for phase in IMAGE_TASK_STATES)})")
    parser.add_argument("--images-per-host-group", type=int, metavar="N",
                        help="images in progress at once per host group; more get 413 overLimit (default: no limit)")
    parser.add_argument("--overlimit-retry-after", type=int, metavar="SECONDS",
                        help=f"Retry-After of that 413, in emulated seconds (default: the timing profile's; fast: "
                             f"{DEFAULT_CONFIG['overlimit_retry_after']})")
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    if args.token_ttl <= 0:
        parser.error("--token-ttl must be positive")
    try:
        config = compute_config(args)
    except ValueError as exc:
        parser.error(f"bad timing or compute option: {exc}")
    try:
        cloud = LocalCloud(args.host, args.port, args.seed, args.token_ttl, quiet=args.quiet, config=config)
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
