#!/usr/bin/env bash
# Install the real upstream OpenStack peers used by the tests: Glance and Keystone (each with gunicorn),
# one python3.11 venv per service under $OPENCLOUD_DEV_HOME/peers/.
#
# Idempotent: each venv carries a stamp holding the sha256 of its requirements file. A venv whose stamp
# matches is kept as it is; otherwise it is rebuilt from scratch. Both venvs are built in parallel.
#
# Usage: bash tests/peers/install.sh        (PYTHON=python3.11 by default)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEV_HOME="${OPENCLOUD_DEV_HOME:-$HOME/.cache/opencloud-images-dev}"
PEERS_HOME="$DEV_HOME/peers"
PYTHON="${PYTHON:-python3.11}"
SERVICES=(glance keystone)

command -v "$PYTHON" >/dev/null || { echo "install.sh: $PYTHON not found" >&2; exit 1; }
mkdir -p "$PEERS_HOME"
exec 9>"$PEERS_HOME/.install.lock"   # one install at a time per OPENCLOUD_DEV_HOME
flock 9

want_stamp() {  # the stamp a venv built from requirements-$1.txt must carry
    sha256sum "$HERE/requirements-$1.txt" | cut -d' ' -f1
}

is_current() {
    local venv="$PEERS_HOME/$1"
    [ -x "$venv/bin/python" ] && [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$(want_stamp "$1")" ]
}

build() {  # build one venv; all output goes to $PEERS_HOME/install-$1.log
    local svc=$1 venv="$PEERS_HOME/$1"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$HERE/requirements-$svc.txt"
    "$venv/bin/pip" check --disable-pip-version-check
    want_stamp "$svc" > "$venv/.stamp"   # written last: a half-built venv never looks current
}

pids=() names=()
for svc in "${SERVICES[@]}"; do
    if is_current "$svc"; then
        echo "peers: $svc venv is current ($PEERS_HOME/$svc)"
        continue
    fi
    echo "peers: installing $svc into $PEERS_HOME/$svc (log: $PEERS_HOME/install-$svc.log)"
    build "$svc" >"$PEERS_HOME/install-$svc.log" 2>&1 &
    pids+=($!) names+=("$svc")
done

rc=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
        echo "peers: ${names[$i]} installed"
    else
        echo "peers: installing ${names[$i]} FAILED; last lines of $PEERS_HOME/install-${names[$i]}.log:" >&2
        tail -n 30 "$PEERS_HOME/install-${names[$i]}.log" >&2
        rc=1
    fi
done
exit $rc
