#!/usr/bin/env bash
# Install the real upstream OpenStack peers used by the tests: Glance and Keystone (each with gunicorn) and
# Swift (+ python-swiftclient), one python3.11 venv per service under $OPENCLOUD_DEV_HOME/peers/, and the
# Debian packages Swift needs (memcached: tempauth keeps its tokens there) plus rclone (for
# benchmarks/object_copy.py). Missing Debian packages are installed with apt-get when run as root (or
# with `sudo -n`); a fresh CI machine has none of them.
#
# Idempotent: each venv carries a stamp holding the sha256 of its requirements file. A venv whose stamp
# matches is kept as it is; otherwise it is rebuilt from scratch. The venvs are built in parallel.
#
# Usage: bash tests/peers/install.sh [SERVICE...]   (glance keystone swift by default; PYTHON=python3.11)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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

want_stamp() {  # the stamp a venv built from requirements-$1.txt must carry
    sha256sum "$HERE/requirements-$1.txt" | cut -d' ' -f1
}

is_current() {
    local venv="$PEERS_HOME/$1"
    [ -x "$venv/bin/python" ] && [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$(want_stamp "$1")" ]
}

build() {  # build one venv; all output goes to $PEERS_HOME/install-$1.log
    local svc=$1 venv="$PEERS_HOME/$1" t0=$SECONDS
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$HERE/requirements-$svc.txt"
    "$venv/bin/pip" check --disable-pip-version-check
    want_stamp "$svc" > "$venv/.stamp"   # written last: a half-built venv never looks current
    echo "in $((SECONDS - t0))s"
}

apt_install() {  # PACKAGE...: apt-get install, as root or through sudo -n; all output goes to install-apt.log
    local t0=$SECONDS sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to install: $*"; return 1; }
        sudo=(sudo -n)
    fi
    "${sudo[@]}" apt-get update -qq
    # memcached's packaged service (port 11211) is not used: start.sh runs its own on PEER_MEMCACHED_PORT
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
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
    apt_install "${missing[@]}" >"$PEERS_HOME/install-apt.log" 2>&1 &
    pids+=($!) names+=(apt)
fi
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
        echo "peers: ${names[$i]} installed ($(tail -n 1 "$PEERS_HOME/install-${names[$i]}.log"))"
    else
        echo "peers: installing ${names[$i]} FAILED; last lines of $PEERS_HOME/install-${names[$i]}.log:" >&2
        tail -n 30 "$PEERS_HOME/install-${names[$i]}.log" >&2
        rc=1
    fi
done
exit $rc
