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
SERVER_DIR=""
[ -f "$RUN_DIR/server-dir" ] && SERVER_DIR=$(cat "$RUN_DIR/server-dir")
is_ours() {  # the pid is alive and still the postgres of this run (guards against a recycled pid)
    [ -n "$SERVER_DIR" ] && [ -r "/proc/$1/cmdline" ] &&
        tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "postgres -D $SERVER_DIR/data "
}

stop_server() {
    local pid deadline
    [ -f "$PID_FILE" ] || return 0
    pid=$(cat "$PID_FILE")
    if ! is_ours "$pid"; then
        rm -f "$PID_FILE"
        return 0
    fi
    kill -INT "$pid" 2>/dev/null
    deadline=$((SECONDS + TIMEOUT))
    while is_ours "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if is_ours "$pid"; then
        echo "stop.sh: postgres (pid $pid) still running ${TIMEOUT}s after INT; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
        while is_ours "$pid"; do sleep 0.1; done
    fi
    # reap it when this shell is its parent (start.sh's failure path)
    wait "$pid" 2>/dev/null
    rm -f "$PID_FILE"
    echo "stopped postgres (pid $pid)"
}

stop_server
if [ -n "$SERVER_DIR" ]; then
    case $SERVER_DIR in
        /tmp/pg.*) rm -rf -- "$SERVER_DIR" ;;
        *) echo "stop.sh: not removing $SERVER_DIR (not a directory start.sh made)" >&2 ;;
    esac
    rm -f "$RUN_DIR/server-dir"
fi
exit 0
