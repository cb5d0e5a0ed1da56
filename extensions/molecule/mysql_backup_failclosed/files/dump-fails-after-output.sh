#!/usr/bin/env bash
# Stand-in dump program: writes a complete dump, "-- Dump completed" trailer included, then fails.
# Only the dump program's exit status (pipefail) can tell.
mariadb-dump "$@"
exit 5
