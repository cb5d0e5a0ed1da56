#!/usr/bin/env bash
# opencloud.images.backup_run_dir: create the directory of a new backup run under BR_DIR, with its temporary name
# ".TIMESTAMP.partial" (mode 0700); the backup role renames it to TIMESTAMP once every file of the run is verified.
# TIMESTAMP is UTC, YYYYMMDDTHHMMSSZ, so that names sort by time; when a run of the same second exists (or is under
# way), wait for the next second.
# stdout: TIMESTAMP. On failure one line on stderr: the reason, in the backup roles' words for a full file system.
set -uo pipefail
: "${BR_DIR:?}"
err=""
for _ in 1 2 3 4 5; do
    ts=$(date -u +%Y%m%dT%H%M%SZ)
    if [ ! -e "$BR_DIR/$ts" ]; then
        if err=$(mkdir -m 0700 -- "$BR_DIR/.$ts.partial" 2>&1); then
            echo "$ts"
            exit 0
        fi
        # not a run of the same second under way: a reason the next second will not change
        [ -e "$BR_DIR/.$ts.partial" ] || break
    fi
    sleep 1
done
case $err in
    *"No space left on device"* | *"Disk quota exceeded"*)
        echo "cannot create a new run directory in $BR_DIR: the backup file system is full (${err:0:600})" >&2 ;;
    *) echo "cannot create a new run directory in $BR_DIR: ${err:-runs of the same second exist}" >&2 ;;
esac
exit 1
