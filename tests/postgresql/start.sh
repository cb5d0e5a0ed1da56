#!/usr/bin/env bash
# Start a private PostgreSQL server for one test run: a fresh cluster (initdb) listening on 127.0.0.1:PORT and on a
# unix socket, with no system configuration read and no system service touched. PostgreSQL refuses to run as root:
# started by root (CI), the server runs as the system user `postgres` that Debian's package creates (setpriv drops
# to it, without a login session), and its data directory and socket directory are a private directory under /tmp
# owned by that user (a RUN_DIR under a root-only 0700 tree would be out of its reach); started by another user, the
# server runs as that user. That directory (named in RUN_DIR/server-dir) is short, so the socket path stays far
# under the 107-byte limit; stop.sh removes it.
#
# Accounts:
#   * the bootstrap superuser "postgres" over the socket, by peer authentication: the invoking OS user (root in CI)
#     is mapped to it (pg_ident.conf), as `sudo -u postgres psql` is on a Debian package install;
#   * "opencloud" over TCP with a password (scram-sha-256), superuser: the TCP user/password account. The password
#     is a recognisable fake secret (tests/CONVENTIONS.md) with characters that need quoting in SQL and in a pgpass
#     file (' \ : and a space).
#
# On success RUN_DIR/postgresql.json and RUN_DIR/postgresql.env describe the server:
#   {"host", "port", "socket_dir", "socket_user", "user", "password", "pid", "datadir", "run_dir", "bin_dir",
#    "version", "server_version_num"}
#   POSTGRESQL_HOST=... POSTGRESQL_PORT=... POSTGRESQL_SOCKET_DIR=... POSTGRESQL_SOCKET_USER=... POSTGRESQL_USER=...
#   POSTGRESQL_PASSWORD=... POSTGRESQL_PID=... POSTGRESQL_BIN=...          (shell-quoted; source it)
# On failure the tail of the server's log is printed, the server is stopped, and the exit code is non-zero.
#
# Usage: bash tests/postgresql/start.sh RUN_DIR     (tests/postgresql/install.sh first)
#   POSTGRESQL_PORT           TCP port; default: a free port picked at random in 20000-39999
#   POSTGRESQL_BIN            the server's programs; default /usr/lib/postgresql/15/bin (Debian 12's postgresql-15)
#   POSTGRESQL_START_TIMEOUT  seconds for the server to answer; default 60
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/logs.sh
. "$HERE/../../scripts/logs.sh"
# shellcheck source=tests/dbservers.sh
. "$HERE/../dbservers.sh"
RUN_DIR="${1:?usage: start.sh RUN_DIR}"
BIN="${POSTGRESQL_BIN:-/usr/lib/postgresql/15/bin}"
START_TIMEOUT="${POSTGRESQL_START_TIMEOUT:-60}"
HOST=127.0.0.1
SUPERUSER=postgres
TCP_USER=opencloud
# shellcheck disable=SC2089,SC2090  # a password, not code: its quotes are meant literally
TCP_PASSWORD='pg-pass-SECRET #1;"q'"'"'\z:x'

for prog in initdb postgres psql; do
    [ -x "$BIN/$prog" ] || { echo "start.sh: $BIN/$prog not found; run tests/postgresql/install.sh first" >&2; exit 1; }
done

PORT=$(free_port "${POSTGRESQL_PORT:-}")

RUN_DIR=$(fresh_run_dir "$RUN_DIR" postgresql.json postgres.pid server-dir)
LOG=$RUN_DIR/postgresql.log
OS_USER=$(id -un)
if [ "$(id -u)" = 0 ]; then
    SERVER_USER=postgres
    id "$SERVER_USER" >/dev/null 2>&1 ||
        { echo "start.sh: no system user '$SERVER_USER' to run the server as (root cannot); run tests/postgresql/install.sh" >&2; exit 1; }
    AS_SERVER=(setpriv --reuid="$SERVER_USER" --regid="$SERVER_USER" --init-groups --)
else
    SERVER_USER=$OS_USER
    AS_SERVER=()
fi

trap 'failed "command failed at line $LINENO: $BASH_COMMAND"' ERR

SERVER_DIR=$(mktemp -d /tmp/pg.XXXXXX)
echo "$SERVER_DIR" >"$RUN_DIR/server-dir"
[ "$SERVER_USER" = "$OS_USER" ] || chown "$SERVER_USER:" "$SERVER_DIR"
DATADIR=$SERVER_DIR/data

# The cluster's default locale is C.UTF-8 (every Debian has it); the tests create their databases with their own.
"${AS_SERVER[@]}" "$BIN/initdb" -D "$DATADIR" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 --no-sync \
    --auth-local=peer --auth-host=scram-sha-256 </dev/null >"$RUN_DIR/initdb.log" 2>&1 \
    || failed "initdb" "$RUN_DIR/initdb.log"
# Only these two ways in: the socket for the invoking OS user as the superuser, TCP on 127.0.0.1 with a password.
"${AS_SERVER[@]}" tee "$DATADIR/pg_hba.conf" >/dev/null <<HBA
local all all peer map=tests
host all all 127.0.0.1/32 scram-sha-256
HBA
"${AS_SERVER[@]}" tee "$DATADIR/pg_ident.conf" >/dev/null <<IDENT
tests $OS_USER $SUPERUSER
IDENT

# fsync off and no full-page writes: a throw-away test server, speed over durability.
"${AS_SERVER[@]}" "$BIN/postgres" -D "$DATADIR" -c listen_addresses="$HOST" -p "$PORT" -c unix_socket_directories="$SERVER_DIR" \
    -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB -c max_connections=40 \
    </dev/null >"$LOG" 2>&1 &
PID=$!  # setpriv execs postgres: the same process
echo "$PID" >"$RUN_DIR/postgres.pid"

sql() { "$BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$SERVER_DIR" -p "$PORT" -U "$SUPERUSER" -d postgres "$@"; }
deadline=$((SECONDS + START_TIMEOUT))
until sql -c 'SELECT 1' >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || failed "postgres (pid $PID) exited before it answered"
    [ $SECONDS -lt $deadline ] || failed "postgres (pid $PID) did not answer within ${START_TIMEOUT}s"
    sleep 0.2
done

# The password as an SQL literal: single quotes doubled (standard_conforming_strings keeps the backslash as it is).
sql -c "CREATE ROLE $TCP_USER LOGIN SUPERUSER PASSWORD '${TCP_PASSWORD//\'/\'\'}'" || failed "creating the TCP account"
# the account works over TCP with that password (checks the quoting above)
PGPASSWORD=$TCP_PASSWORD "$BIN/psql" -X -A -t -h "$HOST" -p "$PORT" -U "$TCP_USER" -d postgres -c 'SELECT 1' >/dev/null \
    || failed "the TCP account cannot log in"
VERSION=$(sql -c 'SHOW server_version')
VERSION_NUM=$(sql -c 'SHOW server_version_num')

# shellcheck disable=SC2090
export HOST PORT SERVER_DIR SUPERUSER TCP_USER TCP_PASSWORD PID DATADIR RUN_DIR BIN VERSION VERSION_NUM
python3 - >"$RUN_DIR/postgresql.json.tmp" <<'PY'
import json, os
e = os.environ
print(json.dumps({
    "host": e["HOST"], "port": int(e["PORT"]), "socket_dir": e["SERVER_DIR"], "socket_user": e["SUPERUSER"],
    "user": e["TCP_USER"], "password": e["TCP_PASSWORD"], "pid": int(e["PID"]), "datadir": e["DATADIR"],
    "run_dir": e["RUN_DIR"], "bin_dir": e["BIN"], "version": e["VERSION"],
    "server_version_num": int(e["VERSION_NUM"]),
}, indent=2))
PY
{
    printf 'POSTGRESQL_HOST=%q\nPOSTGRESQL_PORT=%q\nPOSTGRESQL_SOCKET_DIR=%q\nPOSTGRESQL_SOCKET_USER=%q\n' \
        "$HOST" "$PORT" "$SERVER_DIR" "$SUPERUSER"
    printf 'POSTGRESQL_USER=%q\nPOSTGRESQL_PASSWORD=%q\nPOSTGRESQL_PID=%q\nPOSTGRESQL_BIN=%q\n' \
        "$TCP_USER" "$TCP_PASSWORD" "$PID" "$BIN"
} >"$RUN_DIR/postgresql.env"
chmod 0600 "$RUN_DIR/postgresql.json.tmp" "$RUN_DIR/postgresql.env"
mv "$RUN_DIR/postgresql.json.tmp" "$RUN_DIR/postgresql.json"
trap - ERR
echo "postgresql up: $VERSION, pid $PID (as $SERVER_USER), $HOST:$PORT and $SERVER_DIR; $RUN_DIR/postgresql.json"
