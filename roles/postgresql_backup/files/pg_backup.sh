#!/usr/bin/env bash
# opencloud.images.postgresql_backup: the steps of one backup run, run by the role (ansible.builtin.script) as
#   pg_backup.sh tools | globals | database | finish
# in a run directory that opencloud.images.backup_run_dir started.
# Every input comes from the environment, so nothing secret or quoted is on a command line. The connection is libpq's
# PGHOST, PGPORT, PGUSER, PGDATABASE (the maintenance database) and PGPASSFILE: the path of the role's 0600 password
# file in its private 0700 directory PB_PRIVATE (removed by the role); no password is ever in argv or environ.
# Programs' messages and intermediate lists go to PB_PRIVATE, not to the run: when the backup's file system is full,
# a message written there would be lost. Every failure prints one "postgresql_backup: ..." line on stderr and exits
# non-zero; warnings are "postgresql_backup: warning: ..." lines on stderr.
#
#   tools     PB_BIN_DIR (may be empty) -> stdout: the directory of pg_dump, pg_dumpall, pg_restore and psql, and
#             pg_dump's version line
#   globals   PB_BIN, PB_RUN, PB_ROLE_PASSWORDS (1/0) -> RUN/globals.sql; stdout: {"path", "size", "sha256"}
#   database  PB_BIN, PB_RUN, PB_DB, PB_FILE, PB_FORMAT (custom|directory), PB_JOBS, PB_LOCK_WAIT_TIMEOUT,
#             PB_EXTRA_ARGS (one per line), PB_CHECKSUMS (1/0), PB_VERIFY_RESTORE (1/0), PB_CHECKSUM_SQL
#             -> RUN/FILE; stdout: one JSON object {"snapshot", "lsn", "toc_entries", "tables", "restore_verified"}
#             then one {"path", "size", "sha256"} line per file written (path relative to the run)
#   finish    PB_RUN, PB_FINAL, PB_MANIFEST (the manifest, written by the role into PB_PRIVATE)
#             -> RUN/manifest.json and RUN/SHA256SUMS (every file of the run), then RUN renamed to PB_FINAL
set -uo pipefail
umask 077

fail() { echo "postgresql_backup: $*" >&2; exit 1; }
warn() { echo "postgresql_backup: warning: $*" >&2; }
oneline() { head -c 2000 -- "$1" 2>/dev/null | tr -s '\n\t ' '   ' | sed -e 's/^ //' -e 's/ $//'; }  # FILE
# why a write failed: the role's own words for a full file system, else the program's message
write_error() {  # WHAT MESSAGE
    case $2 in
        *"No space left on device"* | *"Disk quota exceeded"*)
            echo "cannot write $1: the backup file system is full (${2:0:600})" ;;
        *) echo "cannot write $1: ${2:-no message}" ;;
    esac
}
need() { local v; for v in "$@"; do [ -n "${!v:-}" ] || fail "internal: $v is not set"; done; }

cmd_tools() {
    local dir="" d
    if [ -n "${PB_BIN_DIR:-}" ]; then
        dir=$PB_BIN_DIR
        [ -x "$dir/pg_dump" ] || fail "no pg_dump in $dir (postgresql_backup_bin_dir)"
    else
        # the newest major version of the packaged client programs (Debian/Ubuntu, then the PGDG RPMs), else PATH:
        # pg_dump must be at least the server's major version
        for d in $(printf '%s\n' /usr/lib/postgresql/*/bin /usr/pgsql-*/bin | sort -V -r); do
            if [ -x "$d/pg_dump" ]; then dir=$d; break; fi
        done
        if [ -z "$dir" ] && d=$(command -v pg_dump 2>/dev/null); then dir=$(dirname -- "$d"); fi
        [ -n "$dir" ] || fail "pg_dump is not installed on this host (install the PostgreSQL client programs, or set postgresql_backup_bin_dir)"
    fi
    for d in pg_dumpall pg_restore psql; do
        [ -x "$dir/$d" ] || fail "no $d beside pg_dump in $dir"
    done
    printf '%s\n%s\n' "$dir" "$("$dir/pg_dump" --version 2>&1 | head -n 1)"
}

sha_line() {  # PATH (relative to PB_RUN; one of the role's percent-encoded names): {"path", "size", "sha256"}
    local size sum
    size=$(stat -c %s -- "$PB_RUN/$1") || fail "cannot read back $1"
    sum=$(sha256sum -- "$PB_RUN/$1" | cut -d' ' -f1) || fail "cannot read back $1"
    printf '{"path": "%s", "size": %d, "sha256": "%s"}\n' "$1" "$size" "$sum"
}

cmd_globals() {
    need PB_BIN PB_RUN PB_PRIVATE
    local tmp=$PB_RUN/.globals.sql.partial err=$PB_PRIVATE/globals.stderr opts=() last
    [ "${PB_ROLE_PASSWORDS:-1}" = 1 ] || opts=(--no-role-passwords)
    if ! "$PB_BIN/pg_dumpall" --globals-only "${opts[@]}" --file="$tmp" 2>"$err"; then
        rm -f -- "$tmp"
        case $(oneline "$err") in
            *"could not write"* | *"No space left"*) fail "globals (pg_dumpall --globals-only): $(write_error globals.sql "$(oneline "$err")")" ;;
            *) fail "globals (pg_dumpall --globals-only) failed: $(oneline "$err")" ;;
        esac
    fi
    # pg_dumpall ends a complete dump with this comment; a dump without it stopped part-way
    last=$(grep -v '^$' -- "$tmp" | tail -n 2 | head -n 1)
    [ "$last" = "-- PostgreSQL database cluster dump complete" ] ||
        { rm -f -- "$tmp"; fail "globals failed verification: no 'PostgreSQL database cluster dump complete' trailer"; }
    [ -s "$err" ] && warn "pg_dumpall: $(oneline "$err")"
    mv -f -- "$tmp" "$PB_RUN/globals.sql" || fail "cannot rename $tmp"
    sha_line globals.sql
}

# ------------------------------------------------------------------------------------------------- database
SNAP_PID=""
SNAP_BACKEND=""
SCRATCH=""
snap_send() { printf '%s\n' "$@" >&"${SNAP[1]}"; }
snap_read_until() {  # MARKER: the coprocess's lines up to MARKER into SNAP_OUT (read here: its pipes are not
    local line       # available in a subshell); fails when psql ends first
    SNAP_OUT=""
    while IFS= read -r -t "${PB_READ_TIMEOUT:-86400}" line <&"${SNAP[0]}"; do
        [ "$line" = "$1" ] && return 0
        SNAP_OUT+=${SNAP_OUT:+$'\n'}$line
    done
    return 1
}
close_snapshot() {
    if [ -n "$SNAP_PID" ]; then
        { snap_send "ROLLBACK;" '\q'; } 2>/dev/null
        wait "$SNAP_PID" 2>/dev/null
        SNAP_PID=""
    fi
}
drop_scratch() {
    if [ -n "$SCRATCH" ]; then
        "$PB_BIN/psql" -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$SCRATCH\"" >/dev/null 2>&1 ||
            warn "could not drop the scratch database '$SCRATCH'; drop it by hand"
        SCRATCH=""
    fi
}
db_fail() {  # MESSAGE: nothing of this database with its final name, and the run marked failed
    # the snapshot session may still be reading the checksums: cancel its query and end it rather than wait
    if [ -n "$SNAP_PID" ]; then
        [ -z "$SNAP_BACKEND" ] ||
            "$PB_BIN/psql" -X -q -A -t -c "SELECT pg_cancel_backend($SNAP_BACKEND)" >/dev/null 2>&1
        kill "$SNAP_PID" 2>/dev/null
        wait "$SNAP_PID" 2>/dev/null
        SNAP_PID=""
    fi
    drop_scratch
    rm -rf -- "${TMP:?}" "${FINAL:?}"
    : >"$PB_RUN/.failed" 2>/dev/null
    fail "$@"
}

cmd_database() {
    need PB_BIN PB_RUN PB_DB PB_FILE PB_FORMAT PB_PRIVATE PB_CHECKSUM_SQL
    if [ -e "$PB_RUN/.failed" ]; then echo "skipped: an earlier database of this run failed"; exit 3; fi
    FINAL=$PB_RUN/$PB_FILE
    TMP=$PB_RUN/.$PB_FILE.partial
    local err=$PB_PRIVATE/$PB_FILE.stderr snaperr=$PB_PRIVATE/$PB_FILE.snapshot.stderr list=$PB_PRIVATE/$PB_FILE.list
    local extra=() fmt=(--format=custom) snapshot lsn tables='{}' copy entries verified=false out
    [ -n "${PB_EXTRA_ARGS:-}" ] && mapfile -t extra <<<"$PB_EXTRA_ARGS"
    [ "$PB_FORMAT" = directory ] && fmt=(--format=directory "--jobs=${PB_JOBS:-1}")

    # The snapshot: a REPEATABLE READ transaction that exports it (pg_dump --snapshot dumps exactly what it sees),
    # stays open until the dump is done, and reads the tables' row counts and checksums in that same snapshot, so
    # the restore check compares with what the dump holds, whatever was written to the database meanwhile.
    coproc SNAP { PGDATABASE=$PB_DB exec "$PB_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 2>"$snaperr"; }
    snap_send "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" \
        "SELECT pg_backend_pid() || ' ' || pg_export_snapshot() || ' ' || CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn()::text, '') ELSE pg_current_wal_lsn()::text END;" \
        '\echo __snapshot__'
    snap_read_until __snapshot__ || db_fail "database '$PB_DB': cannot take a snapshot: $(oneline "$snaperr")"
    read -r SNAP_BACKEND snapshot lsn <<<"$SNAP_OUT"
    [ -n "$snapshot" ] || db_fail "database '$PB_DB': cannot take a snapshot: $(oneline "$snaperr")"

    # The row counts and checksums are asked for now and read after the dump: the snapshot session's backend reads
    # the tables while pg_dump does, rather than after it (a second full scan added to the dump's time;
    # benchmarks/backup.py), and its one-line answer waits in the pipe.
    [ "${PB_CHECKSUMS:-1}" = 1 ] && snap_send "$(cat -- "$PB_CHECKSUM_SQL")" '\echo __sums__'
    if ! "$PB_BIN/pg_dump" "${extra[@]}" "${fmt[@]}" --snapshot="$snapshot" \
        --lock-wait-timeout="${PB_LOCK_WAIT_TIMEOUT:-5min}" --file="$TMP" --dbname="$PB_DB" 2>"$err"; then
        out=$(oneline "$err")
        case $out in
            *"could not write"* | *"No space left"* | *"could not close"*)
                db_fail "dump of database '$PB_DB' failed: $(write_error "$PB_FILE" "$out")" ;;
            *) db_fail "dump of database '$PB_DB' failed: pg_dump: ${out:-no message}" ;;
        esac
    fi
    [ -s "$err" ] && warn "pg_dump of '$PB_DB': $(oneline "$err")"
    if [ "${PB_CHECKSUMS:-1}" = 1 ]; then
        if ! snap_read_until __sums__ || [ -z "$SNAP_OUT" ]; then
            db_fail "database '$PB_DB': cannot read the tables' row counts and checksums: $(oneline "$snaperr")"
        fi
        tables=$SNAP_OUT
    fi
    close_snapshot

    # the archive must be readable: its table of contents, as pg_restore --list reads it
    "$PB_BIN/pg_restore" --list "$TMP" >"$list" 2>"$err" ||
        db_fail "dump of database '$PB_DB' failed verification: pg_restore --list: $(oneline "$err")"
    entries=$(grep -cv '^;' -- "$list")
    [ "$entries" -gt 0 ] || db_fail "dump of database '$PB_DB' failed verification: the archive lists nothing"

    if [ "${PB_VERIFY_RESTORE:-0}" = 1 ]; then
        restore_check
        verified=true
    fi

    mv -T -- "$TMP" "$FINAL" || db_fail "cannot rename $TMP"
    printf '{"snapshot": "%s", "lsn": "%s", "toc_entries": %d, "restore_verified": %s, "tables": %s}\n' \
        "$snapshot" "$lsn" "$entries" "$verified" "$tables"
    if [ -d "$FINAL" ]; then
        (cd -- "$PB_RUN" && find "$PB_FILE" -type f | LC_ALL=C sort) | while IFS= read -r f; do sha_line "$f"; done
    else
        sha_line "$PB_FILE"
    fi
}

# Restore the archive into a scratch database made like the original (encoding, collation, ctype, locale provider),
# without owners and privileges (the check is about the archive, not about the roles), and compare every table's
# row count and checksum with those the snapshot gave.
restore_check() {
    local props out copy jobs=()
    [ "$PB_FORMAT" = directory ] && jobs=("--jobs=${PB_JOBS:-1}")
    props=$(PGDATABASE=$PB_DB "$PB_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -c "
        SELECT format('TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L', pg_encoding_to_char(encoding),
                      datcollate, datctype)
               || CASE WHEN to_jsonb(d) ->> 'datlocprovider' = 'i'
                       THEN format(' LOCALE_PROVIDER icu ICU_LOCALE %L',
                                   coalesce(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale'))
                       ELSE '' END
          FROM pg_database AS d WHERE datname = current_database()" 2>&1) ||
        db_fail "restore check of '$PB_DB': cannot read the database's encoding and locale: ${out:0:500}"
    SCRATCH="postgresql_backup_verify_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    out=$("$PB_BIN/psql" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$SCRATCH\" $props" 2>&1) ||
        { SCRATCH=""; db_fail "restore check of '$PB_DB': cannot create a scratch database: $out"; }
    out=$("$PB_BIN/pg_restore" --exit-on-error --no-owner --no-privileges "${jobs[@]}" --dbname="$SCRATCH" "$TMP" 2>&1) ||
        db_fail "restore check of '$PB_DB': restoring the archive into '$SCRATCH' failed: ${out:0:1000}"
    copy=$(PGDATABASE=$SCRATCH "$PB_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -f "$PB_CHECKSUM_SQL" 2>&1) ||
        db_fail "restore check of '$PB_DB': cannot read the copy's checksums: ${copy:0:500}"
    drop_scratch
    [ "$copy" = "$tables" ] ||
        db_fail "restore check of '$PB_DB': row counts or checksums differ between the snapshot and the restored archive: snapshot ${tables:0:700}; restored ${copy:0:700}"
}

cmd_finish() {
    need PB_RUN PB_FINAL PB_MANIFEST
    local out
    out=$(cp -- "$PB_MANIFEST" "$PB_RUN/.manifest.json.partial" 2>&1) ||
        { rm -f -- "$PB_RUN/.manifest.json.partial"; fail "$(write_error "manifest.json in $PB_RUN" "$out")"; }
    mv -f -- "$PB_RUN/.manifest.json.partial" "$PB_RUN/manifest.json" || fail "cannot rename the manifest"
    # every file of the run, the manifest included, for sha256sum --check
    out=$( { cd -- "$PB_RUN" && find . -type f ! -name SHA256SUMS ! -name '.*' -printf '%P\n' | LC_ALL=C sort |
        xargs -r -d '\n' sha256sum -- | tee .SHA256SUMS.partial >/dev/null; } 2>&1) ||
        { rm -f -- "$PB_RUN/.SHA256SUMS.partial"; fail "$(write_error "SHA256SUMS in $PB_RUN" "$out")"; }
    mv -f -- "$PB_RUN/.SHA256SUMS.partial" "$PB_RUN/SHA256SUMS" || fail "cannot rename SHA256SUMS"
    sync -f -- "$PB_RUN/SHA256SUMS" 2>/dev/null
    mv -T -- "$PB_RUN" "$PB_FINAL" || fail "cannot rename the run $PB_RUN to $PB_FINAL"
}

case ${1:-} in
    tools | globals | database | finish) "cmd_$1" ;;
    *) fail "usage: pg_backup.sh tools|globals|database|finish" ;;
esac
