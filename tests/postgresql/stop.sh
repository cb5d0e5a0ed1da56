#!/usr/bin/env bash
# Stop the PostgreSQL server that start.sh started in RUN_DIR, by the pid it recorded in RUN_DIR/postgres.pid (fast
# shutdown: SIGINT), and remove its private directory under /tmp (data and socket, named in RUN_DIR/server-dir).
# Safe to call twice, or on a RUN_DIR whose start failed half-way.
#
# Usage: bash tests/postgresql/stop.sh RUN_DIR
#   POSTGRESQL_STOP_TIMEOUT  seconds to wait for the shutdown before SIGKILL; default 30
set -uo pipefail

RUN_DIR="${1:?usage: stop.sh RUN_DIR}"
PID_FILE="$RUN_DIR/postgres.pid"
TIMEOUT="${POSTGRESQL_STOP_TIMEOUT:-30}"
# shellcheck source=tests/dbservers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../dbservers.sh"
SERVER_DIR=""
[ -f "$RUN_DIR/server-dir" ] && SERVER_DIR=$(cat "$RUN_DIR/server-dir")
# shellcheck disable=SC2317  # called by stop_server_by_pid
is_ours() {  # the pid is alive and still the postgres of this run (guards against a recycled pid)
    [ -n "$SERVER_DIR" ] && [ -r "/proc/$1/cmdline" ] &&
        tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "postgres -D $SERVER_DIR/data "
}

stop_server_by_pid "$PID_FILE" INT "$TIMEOUT" postgres is_ours
if [ -n "$SERVER_DIR" ]; then
    case $SERVER_DIR in
        /tmp/pg.*) rm -rf -- "$SERVER_DIR" ;;
        *) echo "stop.sh: not removing $SERVER_DIR (not a directory start.sh made)" >&2 ;;
    esac
    rm -f "$RUN_DIR/server-dir"
fi
exit 0
