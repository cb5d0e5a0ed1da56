#!/usr/bin/env bash
# Stand-in dump program: stops after the first lines of the dump and still exits 0.
# Only the missing "-- Dump completed" trailer can tell.
mariadb-dump "$@" | head -n 30
exit 0
