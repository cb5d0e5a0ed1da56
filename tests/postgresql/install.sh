#!/usr/bin/env bash
# Install PostgreSQL 15 (server and client) from Debian 12's packages when a program the tests use is missing; do
# nothing when they are all there. The apt package `postgresql-15` brings the server, `postgresql-client-15` and
# the system user `postgres` (start.sh runs the server as that user when it is started by root). Its postinst
# creates a "main" cluster and would start it: when the machine has no /usr/sbin/policy-rc.d, a temporary one that
# denies every service start is in place during the install, so that cluster stays stopped (tests/postgresql/start.sh
# runs its own private server).
#
# Usage: bash tests/postgresql/install.sh        (as root, or as a user with sudo)
set -euo pipefail
# shellcheck source=scripts/installs.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/installs.sh"

BIN=/usr/lib/postgresql/15/bin
missing=0
for prog in initdb postgres pg_ctl psql pg_dump pg_dumpall pg_restore; do
    [ -x "$BIN/$prog" ] || missing=1
done
if [ "$missing" = 0 ]; then
    echo "postgresql: installed ($("$BIN/postgres" --version))"
    exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: need root (or sudo) to install postgresql-15" >&2; exit 1; }
    sudo=(sudo -n)
fi

policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
    if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from tests/postgresql/install.sh: no service starts during the install\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 0755 "$policy"
    made_policy=1
fi
log=$(mktemp "${TMPDIR:-/tmp}/postgresql-install.XXXXXX")
echo "apt-get install postgresql-15"
apt_install "$log" postgresql-15
rm -f "$log"
echo "postgresql: installed ($("$BIN/postgres" --version))"
