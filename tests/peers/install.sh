#!/usr/bin/env bash
# Install the real upstream OpenStack peers used by the tests: Glance and Keystone (each with gunicorn) and
# Swift (+ python-swiftclient), one python3.11 venv per service under $OPENCLOUD_DEV_HOME/peers/, and the
# Debian packages Swift needs (memcached: tempauth keeps its tokens there) plus rclone (for
# benchmarks/object_copy.py). Missing Debian packages are installed with apt-get when run as root (or
# with `sudo -n`); a fresh CI machine has none of them.
#
# Idempotent: each venv is installed from its full lock (requirements-SERVICE.txt, made from requirements-SERVICE.in
# by scripts/lock.sh) without resolution, and kept while the lock and the interpreter are the same
# (scripts/installs.sh). The venvs are built in parallel.
#
# Usage: bash tests/peers/install.sh [SERVICE...]   (glance keystone swift by default; PYTHON=python3.11)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/installs.sh
. "$HERE/../../scripts/installs.sh"
DEV_HOME="${OPENCLOUD_DEV_HOME:-$HOME/.cache/opencloud-images-dev}"
PEERS_HOME="$DEV_HOME/peers"
PYTHON="${PYTHON:-python3.11}"
SERVICES=("$@")
[ ${#SERVICES[@]} -gt 0 ] || SERVICES=(glance keystone swift)
for svc in "${SERVICES[@]}"; do
    [ -f "$HERE/requirements-$svc.txt" ] || { echo "install.sh: unknown service '$svc' (glance, keystone, swift)" >&2; exit 2; }
done

command -v "$PYTHON" >/dev/null || { echo "install.sh: $PYTHON not found" >&2; exit 1; }
mkdir -p "$PEERS_HOME"
exec 9>"$PEERS_HOME/.install.lock"   # one install at a time per OPENCLOUD_DEV_HOME
flock 9

build() {  # build one venv from its lock; all output goes to $PEERS_HOME/install-$1.log
    local t0=$SECONDS
    venv_from_lock "$PEERS_HOME/$1" "$PYTHON" "$HERE/requirements-$1.txt"
    echo "in $((SECONDS - t0))s"
}

apt_packages() {  # PACKAGE...: apt_install (apt-get's own output in apt-get.log)
    local t0=$SECONDS
    apt_install "$PEERS_HOME/apt-get.log" "$@"
    echo "in $((SECONDS - t0))s"
}

pids=() names=()
# Swift needs memcached (tempauth keeps its tokens there); rclone is for benchmarks/object_copy.py.
# Installed (only when missing) while the venvs build.
missing=()
if [[ " ${SERVICES[*]} " == *" swift "* ]]; then
    for pkg in memcached rclone; do command -v "$pkg" >/dev/null || missing+=("$pkg"); done
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "peers: apt-get install ${missing[*]} (log: $PEERS_HOME/install-apt.log)"
    apt_packages "${missing[@]}" >"$PEERS_HOME/install-apt.log" 2>&1 &
    pids+=($!) names+=(apt)
fi
for svc in "${SERVICES[@]}"; do
    echo "peers: $svc venv $PEERS_HOME/$svc from its lock (log: $PEERS_HOME/install-$svc.log)"
    build "$svc" >"$PEERS_HOME/install-$svc.log" 2>&1 &
    pids+=($!) names+=("$svc")
done

rc=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
        echo "peers: ${names[$i]} installed ($(tail -n 1 "$PEERS_HOME/install-${names[$i]}.log"))"
    else
        echo "peers: installing ${names[$i]} FAILED; last lines of $PEERS_HOME/install-${names[$i]}.log:" >&2
        tail -n 30 "$PEERS_HOME/install-${names[$i]}.log" >&2
        rc=1
    fi
done
exit $rc
