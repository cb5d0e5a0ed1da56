#!/usr/bin/env bash
# Start a private MariaDB server for one test run: a fresh data directory in RUN_DIR, listening on
# 127.0.0.1:PORT and on a unix socket in RUN_DIR (or in /tmp when RUN_DIR is too deep), run as the invoking user (root in CI). Nothing of the
# system's MariaDB configuration is read (--no-defaults) and no system service is touched.
#
# Accounts:
#   * the invoking OS user (root in CI) over the socket, by unix_socket authentication and no password:
#     what Debian gives root on a packaged server;
#   * "opencloud"@"127.0.0.1" with a password, every privilege: the TCP user/password account. The password
#     is a recognisable fake secret (tests/CONVENTIONS.md) with characters that need quoting in option files.
#
# On success RUN_DIR/mariadb.json and RUN_DIR/mariadb.env describe the server:
#   {"host", "port", "socket", "socket_user", "user", "password", "pid", "datadir", "run_dir", "version"}
#   MARIADB_HOST=... MARIADB_PORT=... MARIADB_SOCKET=... MARIADB_SOCKET_USER=... MARIADB_USER=...
#   MARIADB_PASSWORD=... MARIADB_PID=...              (shell-quoted; source it)
# On failure the tail of the server's log is printed, the server is stopped, and the exit code is non-zero.
#
# Usage: bash tests/mariadb/start.sh RUN_DIR     (tests/mariadb/install.sh first)
#   MARIADB_PORT           TCP port; default: a free port picked at random in 20000-39999
#   MARIADB_START_TIMEOUT  seconds for the server to answer; default 60
#   MARIADB_LOG_BIN        1: write a binary log (RUN_DIR/binlog.*, server_id 1) with GTIDs, as a primary does
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/logs.sh
. "$HERE/../../scripts/logs.sh"
# shellcheck source=tests/dbservers.sh
. "$HERE/../dbservers.sh"
RUN_DIR="${1:?usage: start.sh RUN_DIR}"
START_TIMEOUT="${MARIADB_START_TIMEOUT:-60}"
HOST=127.0.0.1
TCP_USER=opencloud
# JSON and SQL below spell this literally; keep the three in step.
TCP_PASSWORD='mariadb-pass-SECRET #1;"q'"'"'\z'

find_prog() {  # NAME: the path of a MariaDB program (the server ones live in /usr/sbin)
    local p
    p=$(command -v "$1" 2>/dev/null) || p=""
    [ -n "$p" ] || { [ -x "/usr/sbin/$1" ] && p=/usr/sbin/$1; }
    [ -n "$p" ] || { echo "start.sh: $1 not found; run tests/mariadb/install.sh first" >&2; exit 1; }
    echo "$p"
}
MARIADBD=$(find_prog mariadbd)
INSTALL_DB=$(find_prog mariadb-install-db)
CLIENT=$(find_prog mariadb)

PORT=$(free_port "${MARIADB_PORT:-}")

RUN_DIR=$(fresh_run_dir "$RUN_DIR" mariadb.json mariadbd.pid data)
case $RUN_DIR in
    *[\"\\]* | *[[:cntrl:]]*)
        echo "start.sh: RUN_DIR must not contain quotes, backslashes or control characters: $RUN_DIR" >&2
        exit 1
        ;;
esac
DATADIR=$RUN_DIR/data
SOCKET=$RUN_DIR/mysqld.sock
LOG=$RUN_DIR/error.log
# A unix socket path is limited to 107 bytes: a deep RUN_DIR (a test's temporary tree under a HOME of its own) gets
# its socket in a private directory under /tmp instead, named in RUN_DIR/socket-dir for stop.sh to remove.
if [ ${#SOCKET} -gt 100 ]; then
    SOCKET=$(mktemp -d /tmp/mariadb.XXXXXX)/mysqld.sock
    dirname "$SOCKET" >"$RUN_DIR/socket-dir"
fi
OS_USER=$(id -un)

trap 'failed "command failed at line $LINENO: $BASH_COMMAND"' ERR

mkdir -p "$DATADIR"
# --auth-root-authentication-method=socket: root@localhost (and the --user account) log in by unix_socket
# only, as on a Debian package install. --user is the invoking user: the server never switches users, so a
# RUN_DIR under a private (0700) temporary directory works.
"$INSTALL_DB" --no-defaults --user="$OS_USER" --datadir="$DATADIR" \
    --auth-root-authentication-method=socket --skip-test-db >"$RUN_DIR/install-db.log" 2>&1 \
    || failed "mariadb-install-db" "$RUN_DIR/install-db.log"

"$MARIADBD" --no-defaults --user="$OS_USER" --datadir="$DATADIR" \
    --bind-address="$HOST" --port="$PORT" --socket="$SOCKET" --pid-file="$RUN_DIR/mariadbd.server.pid" \
    --log-error="$LOG" --skip-name-resolve --innodb-buffer-pool-size=64M \
    ${MARIADB_LOG_BIN:+--log-bin="$RUN_DIR/binlog" --server-id=1} \
    </dev/null >"$RUN_DIR/mariadbd.out" 2>&1 &
PID=$!
echo "$PID" >"$RUN_DIR/mariadbd.pid"

deadline=$((SECONDS + START_TIMEOUT))
until "$CLIENT" --no-defaults --socket="$SOCKET" -u"$OS_USER" -N -B -e 'SELECT 1' >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || failed "mariadbd (pid $PID) exited before it answered"
    [ $SECONDS -lt $deadline ] || failed "mariadbd (pid $PID) did not answer within ${START_TIMEOUT}s"
    sleep 0.2
done

sql() { "$CLIENT" --no-defaults --socket="$SOCKET" -u"$OS_USER" -N -B -e "$1"; }
# SQL string literal of TCP_PASSWORD: backslash and single quote escaped.
sql "CREATE USER '$TCP_USER'@'$HOST' IDENTIFIED BY 'mariadb-pass-SECRET #1;\"q\\'\\\\z';
     GRANT ALL PRIVILEGES ON *.* TO '$TCP_USER'@'$HOST';" || failed "creating the TCP account"
# the account works over TCP with that password (checks the literal above against TCP_PASSWORD)
MYSQL_PWD=$TCP_PASSWORD "$CLIENT" --no-defaults --protocol=TCP -h"$HOST" -P"$PORT" -u"$TCP_USER" -N -B \
    -e 'SELECT 1' >/dev/null || failed "the TCP account cannot log in"
VERSION=$(sql 'SELECT VERSION()')

cat >"$RUN_DIR/mariadb.json.tmp" <<JSON
{
  "host": "$HOST",
  "port": $PORT,
  "socket": "$SOCKET",
  "socket_user": "$OS_USER",
  "user": "$TCP_USER",
  "password": "mariadb-pass-SECRET #1;\\"q'\\\\z",
  "pid": $PID,
  "datadir": "$DATADIR",
  "run_dir": "$RUN_DIR",
  "version": "$VERSION"
}
JSON
{
    printf 'MARIADB_HOST=%q\nMARIADB_PORT=%q\nMARIADB_SOCKET=%q\nMARIADB_SOCKET_USER=%q\n' \
        "$HOST" "$PORT" "$SOCKET" "$OS_USER"
    printf 'MARIADB_USER=%q\nMARIADB_PASSWORD=%q\nMARIADB_PID=%q\n' "$TCP_USER" "$TCP_PASSWORD" "$PID"
} >"$RUN_DIR/mariadb.env"
chmod 0600 "$RUN_DIR/mariadb.json.tmp" "$RUN_DIR/mariadb.env"
mv "$RUN_DIR/mariadb.json.tmp" "$RUN_DIR/mariadb.json"
trap - ERR
echo "mariadb up: $VERSION, pid $PID, $HOST:$PORT and $SOCKET; $RUN_DIR/mariadb.json"
