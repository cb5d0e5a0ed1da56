#!/usr/bin/env bash
# Rows written while the backup runs: one INSERT into shop.events every 10 ms, in autocommit, over one psql session,
# until STOP_FILE exists. Usage: writer.sh STOP_FILE PSQL ARGS... (the connection to the database "shop-ü")
set -euo pipefail
stop=$1
shift
while [ ! -e "$stop" ]; do
    echo "INSERT INTO shop.events (what) VALUES ('live');"
    sleep 0.01
done | "$@"
