#!/usr/bin/env bash
# Kill (SIGKILL, as in a crash) the MariaDB server that tests/mariadb/start.sh started in RUN_DIR, as soon as the
# mysql_backup role is dumping into FILE (databases.sql.gz) of a run under BACKUP_DIR: when BACKUP_DIR/.<timestamp>.partial/.FILE.partial
# holds at least MIN_BYTES. Gives up (exit 1) after TIMEOUT seconds.
#
# Usage: kill_server_when_dumping.sh RUN_DIR BACKUP_DIR FILE [MIN_BYTES (65536)] [TIMEOUT (60)] [LOG]
# stdout, and LOG when given: "killed mariadbd (pid P) while FILE held N bytes" (LOG does not depend on the async job's
# result file, which the verify step cannot always read)
set -euo pipefail
run_dir=$1 backup_dir=$2 file=$3 min=${4:-65536} timeout=${5:-60} log=${6:-/dev/null}
pid=$(cat -- "$run_dir/mariadbd.pid")

is_ours() {  # the pid is alive and still the mariadbd of RUN_DIR (as tests/mariadb/stop.sh checks)
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "mariadbd.*--datadir=$run_dir/data"
}
is_ours || { echo "pid $pid is not the running mariadbd of $run_dir" >&2; exit 1; }

shopt -s nullglob
deadline=$((SECONDS + timeout))
while [ $SECONDS -lt $deadline ]; do
    for partial in "$backup_dir"/.*.partial/."$file".partial; do
        size=$(stat -c %s -- "$partial" 2>/dev/null) || continue
        if [ "$size" -ge "$min" ]; then
            kill -KILL "$pid"
            while is_ours; do sleep 0.02; done
            echo "killed mariadbd (pid $pid) while $file held $size bytes" | tee "$log"
            exit 0
        fi
    done
    sleep 0.02
done
echo "no dump into $file under way in $backup_dir within ${timeout}s: nothing killed" >&2
exit 1
