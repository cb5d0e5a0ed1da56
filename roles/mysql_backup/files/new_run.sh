#!/usr/bin/env bash
# opencloud.images.mysql_backup: create the directory of a new backup run under MB_DIR, with its temporary
# name ".TIMESTAMP.partial" (mode 0700); the role renames it to TIMESTAMP once every dump is verified.
# TIMESTAMP is UTC, YYYYMMDDTHHMMSSZ, so that names sort by time; when a run of the same second exists (or is
# under way), wait for the next second.
# stdout: TIMESTAMP.
set -euo pipefail
: "${MB_DIR:?}"
err=""
for _ in 1 2 3 4 5; do
    ts=$(date -u +%Y%m%dT%H%M%SZ)
    if [ ! -e "$MB_DIR/$ts" ] && err=$(mkdir -m 0700 -- "$MB_DIR/.$ts.partial" 2>&1); then
        echo "$ts"
        exit 0
    fi
    sleep 1
done
echo "mysql_backup: cannot create a new run directory in $MB_DIR: ${err:-runs of the same second exist}" >&2
exit 1
