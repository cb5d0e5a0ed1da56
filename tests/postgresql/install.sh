#!/usr/bin/env bash
# Install PostgreSQL 15 (server and client) from Debian 12's packages when a program the tests use is missing; do
# nothing when they are all there. The apt package `postgresql-15` brings the server, `postgresql-client-15` and
# the system user `postgres` (start.sh runs the server as that user when it is started by root). Its postinst
# creates a "main" cluster, which stays stopped (install_packages_without_starting in tests/dbservers.sh;
# tests/postgresql/start.sh runs its own private server).
#
# Usage: bash tests/postgresql/install.sh        (as root, or as a user with sudo)
set -euo pipefail
# shellcheck source=scripts/installs.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/installs.sh"
# shellcheck source=tests/dbservers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../dbservers.sh"

BIN=/usr/lib/postgresql/15/bin
missing=0
for prog in initdb postgres pg_ctl psql pg_dump pg_dumpall pg_restore; do
    [ -x "$BIN/$prog" ] || missing=1
done
if [ "$missing" = 0 ]; then
    echo "postgresql: installed ($("$BIN/postgres" --version))"
    exit 0
fi

install_packages_without_starting postgresql postgresql-15
echo "postgresql: installed ($("$BIN/postgres" --version))"
