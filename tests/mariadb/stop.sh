#!/usr/bin/env bash
# Stop the MariaDB server that start.sh started in RUN_DIR, by the pid it recorded in RUN_DIR/mariadbd.pid.
# Safe to call twice, or on a RUN_DIR whose start failed half-way. The data directory is left in place
# (the caller removes RUN_DIR).
#
# Usage: bash tests/mariadb/stop.sh RUN_DIR
#   MARIADB_STOP_TIMEOUT  seconds to wait for a clean shutdown before SIGKILL; default 30
set -uo pipefail

RUN_DIR="${1:?usage: stop.sh RUN_DIR}"
PID_FILE="$RUN_DIR/mariadbd.pid"
TIMEOUT="${MARIADB_STOP_TIMEOUT:-30}"
# shellcheck source=tests/dbservers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../dbservers.sh"
# shellcheck disable=SC2317  # called by stop_server_by_pid
is_ours() {  # the pid is alive and still a mariadbd of this RUN_DIR (guards against a recycled pid)
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "mariadbd.*--datadir=$RUN_DIR/data"
}

stop_server_by_pid "$PID_FILE" TERM "$TIMEOUT" mariadbd is_ours
# the /tmp directory start.sh put the socket in when RUN_DIR was too deep
if [ -f "$RUN_DIR/socket-dir" ]; then
    rm -rf "$(cat "$RUN_DIR/socket-dir")"
    rm -f "$RUN_DIR/socket-dir"
fi
exit 0
