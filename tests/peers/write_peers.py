"""Write RUN_DIR/peers.json, the last step of start.sh (stdlib only, any python3).

Merges the parts written by earlier steps (seed_keystone.py's Keystone/Glance part), logs in to each
Swift tempauth account once (which also proves that the proxy, tempauth and memcached work) to record
its storage URL, and adds pids, logs and run_dir.

    python write_peers.py --run-dir RUN_DIR --out FILE [--part FILE]... \\
        [--swift-auth-url URL --swift-user ACCOUNT:USER:KEY...]
"""

import argparse
import json
import pathlib
import urllib.request


def tempauth(auth_url, user, key):
    """The storage URL of a tempauth user (GET auth/v1.0 with X-Auth-User / X-Auth-Key)."""
    req = urllib.request.Request(auth_url, headers={"X-Auth-User": user, "X-Auth-Key": key})
    with urllib.request.urlopen(req, timeout=30) as resp:
        if not resp.headers.get("X-Auth-Token"):
            raise SystemExit(f"write_peers.py: {auth_url} gave {user} no X-Auth-Token")
        return resp.headers["X-Storage-Url"]


def swift_part(auth_url, users, run_dir):
    accounts = {}
    for spec in users:
        account, user, key = spec.split(":", 2)
        accounts[account] = {"user": f"{account}:{user}", "key": key, "storage_url": tempauth(auth_url, f"{account}:{user}", key)}
    return {"swift": {"auth_url": auth_url, "accounts": accounts},
            "logs": {"swift": str(run_dir / "swift" / "swift.log")}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run-dir", required=True, type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--part", action="append", default=[], type=pathlib.Path)
    ap.add_argument("--swift-auth-url")
    ap.add_argument("--swift-user", action="append", default=[])
    args = ap.parse_args()

    parts = [json.loads(path.read_text()) for path in args.part]
    if args.swift_auth_url:
        parts.append(swift_part(args.swift_auth_url, args.swift_user, args.run_dir))
    peers = {"logs": {}}
    for part in parts:
        peers["logs"].update(part.pop("logs", {}))
        peers.update(part)
    peers["run_dir"] = str(args.run_dir)
    peers["pids"] = {p.stem: int(p.read_text().strip()) for p in sorted((args.run_dir / "pids").glob("*.pid"))}
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(peers, indent=2, sort_keys=True) + "\n")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
