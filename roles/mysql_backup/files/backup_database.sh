#!/usr/bin/env bash
# opencloud.images.mysql_backup: dump ONE database into the run directory, verify the dump, optionally restore
# it into a scratch database and compare, write its sha256, and only then give it its final name.
# Run by the role (ansible.builtin.script); every input comes from the environment, so nothing secret or
# quoted is on a command line. Credentials are only in the defaults file MB_DEFAULTS (0600, removed by the role).
#
#   MB_DUMP        mariadb-dump or mysqldump (path)        MB_CLIENT   mariadb or mysql (path)
#   MB_DEFAULTS    client option file ([client] section)   MB_DB       the database
#   MB_RUN         the run directory (still under its temporary name)
#   MB_FILE        final file name inside MB_RUN, e.g. shop.sql.gz
#   MB_COMPRESS    gzip | zstd | none
#   MB_EXTRA_ARGS  extra dump options, one per line (may be empty)
#   MB_VERIFY_RESTORE  1 to restore into a scratch database and compare; MB_RESTORE_LOG_BIN 1 to let the
#                  scratch database reach the binary log (default: sql_log_bin=0 for it when log_bin is on)
#
# stdout on success: one line "SIZE SHA256" (size of the compressed file in bytes).
# Exit status: 0 ok; 1 the dump or its verification failed; 2 the restore check failed; 3 skipped because an
# earlier database of this run already failed (MB_RUN/.failed exists). Reasons go to stderr, prefixed
# "mysql_backup:". On any failure no file with the final name is left for this database.
set -uo pipefail
umask 077

: "${MB_DUMP:?}" "${MB_CLIENT:?}" "${MB_DEFAULTS:?}" "${MB_DB:?}" "${MB_RUN:?}" "${MB_FILE:?}" "${MB_COMPRESS:?}"
MB_EXTRA_ARGS=${MB_EXTRA_ARGS:-}
MB_VERIFY_RESTORE=${MB_VERIFY_RESTORE:-0}
MB_RESTORE_LOG_BIN=${MB_RESTORE_LOG_BIN:-0}

if [ -e "$MB_RUN/.failed" ]; then
    echo "skipped: an earlier database of this run failed"
    exit 3
fi

FINAL=$MB_RUN/$MB_FILE
TMP=$MB_RUN/.$MB_FILE.partial
SUMTMP=$MB_RUN/.$MB_FILE.sha256.partial
# The programs' messages are kept in the role's private directory (that of MB_DEFAULTS, removed by the role), not
# in the run directory: when the backup's file system is full, a message written there is lost.
ERR=$(dirname -- "$MB_DEFAULTS")/$MB_FILE.dump.stderr
CERR=$(dirname -- "$MB_DEFAULTS")/$MB_FILE.compress.stderr
SCRATCH=""
WORKDIR=""
INIT=()

fail() {  # STATUS MESSAGE: leave nothing that looks complete, mark the run failed, exit
    rm -f -- "$TMP" "$SUMTMP" "$FINAL" "$FINAL.sha256"
    : >"$MB_RUN/.failed"
    echo "mysql_backup: $2" >&2
    exit "$1"
}

client() { "$MB_CLIENT" --defaults-file="$MB_DEFAULTS" "$@"; }

case $MB_COMPRESS in
    gzip) COMPRESS=(gzip -c) DECOMPRESS=(gzip -dc) ;;
    zstd) COMPRESS=(zstd -q -c) DECOMPRESS=(zstd -q -dc) ;;
    none) COMPRESS=(cat) DECOMPRESS=(cat) ;;
    *) fail 1 "unknown compression '$MB_COMPRESS'" ;;
esac

EXTRA=()
if [ -n "$MB_EXTRA_ARGS" ]; then
    mapfile -t EXTRA <<<"$MB_EXTRA_ARGS"
fi

# --------------------------------------------------------------------------------------------------- dump
# The mandatory options come after the extra ones, so the extra ones cannot turn them off. --comments keeps
# the "-- Dump completed" trailer that the verification looks for.
"$MB_DUMP" --defaults-file="$MB_DEFAULTS" "${EXTRA[@]}" \
    --single-transaction --quick --routines --triggers --events --hex-blob \
    --default-character-set=utf8mb4 --comments \
    -- "$MB_DB" 2>"$ERR" | "${COMPRESS[@]}" 2>"$CERR" >"$TMP"
status=("${PIPESTATUS[@]}")
oneline() { head -c "$1" -- "$2" 2>/dev/null | tr -s '\n\t ' '   ' | sed -e 's/^ //' -e 's/ $//'; }  # N FILE
errtext=$(oneline 2000 "$ERR")
cerrtext=$(oneline 1000 "$CERR")
rm -f -- "$ERR" "$CERR"
# The writer first: when it cannot write the file (disk full), the dump program then fails too, of the broken
# pipe ("Got errno 32 on write"), and its message alone would hide the reason.
if [ "${status[1]}" != 0 ]; then
    fail 1 "dump of database '$MB_DB' failed: cannot write the dump file: ${COMPRESS[0]} exited ${status[1]}: ${cerrtext:-no message}${errtext:+; then $(basename "$MB_DUMP") exited ${status[0]}: $errtext}"
fi
if [ "${status[0]}" != 0 ]; then
    fail 1 "dump of database '$MB_DB' failed: $(basename "$MB_DUMP") exited ${status[0]}: ${errtext:-no message}"
fi

# ----------------------------------------------------------------------------------------------- verify
[ -s "$TMP" ] || fail 1 "dump of database '$MB_DB' failed verification: the file is empty"
# Reading the whole stream back also proves the compressed file is intact.
last=$("${DECOMPRESS[@]}" <"$TMP" | tail -n 1)
status=("${PIPESTATUS[@]}")
if [ "${status[0]}" != 0 ]; then
    fail 1 "dump of database '$MB_DB' failed verification: ${DECOMPRESS[0]} cannot read it back (exit ${status[0]})"
fi
case $last in
    "-- Dump completed"*) ;;
    *) fail 1 "dump of database '$MB_DB' failed verification: no '-- Dump completed' trailer (truncated dump); last line: ${last:0:200}" ;;
esac
if [ -n "$errtext" ]; then
    echo "mysql_backup: $(basename "$MB_DUMP") warned for '$MB_DB': $errtext" >&2
fi

# ------------------------------------------------------------------------------------ restore check
BT='`'
ident() { printf '%s%s%s' "$BT" "${1//$BT/$BT$BT}" "$BT"; }  # a quoted identifier

# Metadata of the default database (-D), one line per object, comparable between the source and the copy.
# Only information_schema columns that MariaDB and MySQL share; no timestamps of creation.
metadata() {  # DB
    client -D "$1" -N -B -e "
        SELECT 'table', TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, TABLE_COMMENT
          FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME;
        SELECT 'column', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
               CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_KEY, EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION
          FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION;
        SELECT 'index', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE
          FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
          ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX;
        SELECT 'routine', ROUTINE_TYPE, ROUTINE_NAME, DTD_IDENTIFIER, ROUTINE_BODY, ROUTINE_DEFINITION,
               IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, DEFINER,
               CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION
          FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_TYPE, ROUTINE_NAME;
        SELECT 'parameter', ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME,
               DTD_IDENTIFIER
          FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE()
          ORDER BY ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION;
        SELECT 'trigger', EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER,
               ACTION_ORIENTATION, ACTION_STATEMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT,
               COLLATION_CONNECTION, DATABASE_COLLATION
          FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
          ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME;
        SELECT 'view', TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, DEFINER, SECURITY_TYPE,
               CHARACTER_SET_CLIENT, COLLATION_CONNECTION
          FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME;
        SELECT 'event', EVENT_NAME, DEFINER, TIME_ZONE, EVENT_BODY, EVENT_DEFINITION, EVENT_TYPE, EXECUTE_AT,
               INTERVAL_VALUE, INTERVAL_FIELD, SQL_MODE, STARTS, ENDS, ON_COMPLETION, EVENT_COMMENT,
               CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION
          FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME;"
}

# "TABLE<TAB>CHECKSUM" for every base table of DB (CHECKSUM TABLE ... EXTENDED reads every row).
checksums() {  # DB
    local names=() name list=""
    mapfile -t names < <(client -D "$1" -N -B -r -e "
        SELECT TABLE_NAME FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
         ORDER BY TABLE_NAME")
    [ ${#names[@]} -gt 0 ] || return 0
    for name in "${names[@]}"; do list+="${list:+, }$(ident "$name")"; done
    paste <(printf '%s\n' "${names[@]}") <(client -D "$1" -N -B -e "CHECKSUM TABLE $list EXTENDED" | cut -f2)
}

drop_scratch() {
    if [ -n "$SCRATCH" ]; then
        client "${INIT[@]}" -N -B -e "DROP DATABASE IF EXISTS $(ident "$SCRATCH")" ||
            echo "mysql_backup: could not drop the scratch database '$SCRATCH'; drop it by hand" >&2
        SCRATCH=""
    fi
    if [ -n "$WORKDIR" ]; then rm -rf -- "$WORKDIR"; WORKDIR=""; fi
}

restore_check() {
    local charset collation out diffs
    if [ "$MB_RESTORE_LOG_BIN" != 1 ] && [ "$(client -N -B -e 'SELECT @@log_bin')" = 1 ]; then
        # keep the scratch database out of the binary log, hence off the replicas
        INIT=("--init-command=SET SESSION sql_log_bin = 0")
    fi
    read -r charset collation < <(client -N -B -e "
        SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA
         WHERE SCHEMA_NAME = DATABASE()" -D "$MB_DB") ||
        fail 2 "restore check of '$MB_DB': cannot read the database's character set"
    SCRATCH="mysql_backup_verify_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    trap drop_scratch EXIT
    out=$(client "${INIT[@]}" -N -B -e "CREATE DATABASE $(ident "$SCRATCH") CHARACTER SET $charset COLLATE $collation" 2>&1) ||
        { SCRATCH=""; fail 2 "restore check of '$MB_DB': cannot create a scratch database: $out"; }
    # Restored events are created DISABLED so that none of them can run in the scratch database.
    out=$("${DECOMPRESS[@]}" <"$TMP" |
        sed -e '/^\/\*!50106 CREATE\*\/ .*\/\*!50106 EVENT /s/ \(ON COMPLETION \(NOT \)\{0,1\}PRESERVE\) ENABLE DO / \1 DISABLE DO /' |
        client "${INIT[@]}" -D "$SCRATCH" 2>&1) ||
        fail 2 "restore check of '$MB_DB': restoring the dump into '$SCRATCH' failed: ${out:0:1000}"

    WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/mysql_backup.XXXXXX")
    # The copy's own name appears in view definitions ("`scratch`.`t`"); compare it as the source's name.
    metadata "$MB_DB" >"$WORKDIR/source.meta" || fail 2 "restore check of '$MB_DB': cannot read the source's definitions"
    metadata "$SCRATCH" >"$WORKDIR/copy.raw" || fail 2 "restore check of '$MB_DB': cannot read the copy's definitions"
    local from to
    from="$(ident "$SCRATCH")." to="$(ident "$MB_DB")."
    while IFS= read -r line; do printf '%s\n' "${line//"$from"/"$to"}"; done <"$WORKDIR/copy.raw" >"$WORKDIR/copy.meta"
    if ! diffs=$(diff "$WORKDIR/source.meta" "$WORKDIR/copy.meta"); then
        fail 2 "restore check of '$MB_DB': definitions differ between the database and the restored dump (< database, > dump): ${diffs:0:1500}"
    fi
    checksums "$MB_DB" >"$WORKDIR/source.sums" || fail 2 "restore check of '$MB_DB': CHECKSUM TABLE failed on the source"
    checksums "$SCRATCH" >"$WORKDIR/copy.sums" || fail 2 "restore check of '$MB_DB': CHECKSUM TABLE failed on the copy"
    if ! diffs=$(diff "$WORKDIR/source.sums" "$WORKDIR/copy.sums"); then
        fail 2 "restore check of '$MB_DB': table checksums differ between the database and the restored dump (< database, > dump; a write after the dump also does this): ${diffs:0:1500}"
    fi
    drop_scratch
    trap - EXIT
}

if [ "$MB_VERIFY_RESTORE" = 1 ]; then
    restore_check
fi

# ------------------------------------------------------------------------------------ sha256, rename
size=$(stat -c %s -- "$TMP") || fail 1 "cannot stat $TMP"
sum=$(sha256sum -- "$TMP" | cut -d' ' -f1) || fail 1 "cannot checksum $TMP"
printf '%s  %s\n' "$sum" "$MB_FILE" >"$SUMTMP" || fail 1 "cannot write $SUMTMP"
mv -f -- "$SUMTMP" "$FINAL.sha256" || fail 1 "cannot rename $SUMTMP"
mv -f -- "$TMP" "$FINAL" || fail 1 "cannot rename $TMP to $FINAL"
echo "$size $sum"
