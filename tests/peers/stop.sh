#!/usr/bin/env bash
# Stop the peers that start.sh started in RUN_DIR, by the pids it recorded in RUN_DIR/pids/.
# Safe to call twice, or on a RUN_DIR whose start failed half-way.
#
# Usage: bash tests/peers/stop.sh RUN_DIR
set -uo pipefail

RUN_DIR="${1:?usage: stop.sh RUN_DIR}"
PID_DIR="$RUN_DIR/pids"
[ -d "$PID_DIR" ] || exit 0

is_ours() {  # the pid is alive and still one of the peers' programs (guards against a recycled pid)
    { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null \
        | grep -Eq 'gunicorn|swift-(proxy|account|container|object)-server|memcached|syslog_udp\.py'
}

live=()
for f in "$PID_DIR"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if is_ours "$pid"; then
        kill -TERM "$pid" 2>/dev/null && live+=("$pid:$(basename "$f" .pid)")
    else
        rm -f "$f"
    fi
done

# gunicorn's graceful shutdown (graceful_timeout = 5 in its config), Swift's servers, memcached and the
# syslog receiver exit on TERM; then kill the process group that start.sh created with setsid
# (gunicorn: master + worker).
deadline=$((SECONDS + 10))
for entry in "${live[@]}"; do
    pid=${entry%%:*} name=${entry#*:}
    while is_ours "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if is_ours "$pid"; then
        echo "stop.sh: $name (pid $pid) ignored TERM; killing its process group" >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
    echo "stopped $name (pid $pid)"
    rm -f "$PID_DIR/$name.pid"
done
exit 0
