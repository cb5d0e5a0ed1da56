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
is_ours() {  # the pid is alive and still a mariadbd of this RUN_DIR (guards against a recycled pid)
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "mariadbd.*--datadir=$RUN_DIR/data"
}

stop_server() {
    local pid deadline
    [ -f "$PID_FILE" ] || return 0
    pid=$(cat "$PID_FILE")
    if ! is_ours "$pid"; then
        rm -f "$PID_FILE"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null
    deadline=$((SECONDS + TIMEOUT))
    while is_ours "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if is_ours "$pid"; then
        echo "stop.sh: mariadbd (pid $pid) still running ${TIMEOUT}s after TERM; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
        while is_ours "$pid"; do sleep 0.1; done
    fi
    # reap it when this shell is its parent (start.sh's failure path)
    wait "$pid" 2>/dev/null
    rm -f "$PID_FILE"
    echo "stopped mariadbd (pid $pid)"
}

stop_server
# the /tmp directory start.sh put the socket in when RUN_DIR was too deep
if [ -f "$RUN_DIR/socket-dir" ]; then
    rm -rf "$(cat "$RUN_DIR/socket-dir")"
    rm -f "$RUN_DIR/socket-dir"
fi
exit 0
