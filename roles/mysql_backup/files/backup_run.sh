#!/usr/bin/env bash
# opencloud.images.mysql_backup: ONE consistent backup of the selected databases into the run directory (still
# under its temporary name): one dump program invocation over all of them, so one snapshot for the whole run
# (two invocations would be two points in time); the users, roles and grants; the table checksums of that same
# snapshot; optionally a restore of the dump into scratch databases compared with those checksums; sha256 files.
# Files get their final names only when everything passed. Run by the role from its private 0700 directory (with
# mysql_lib.sh beside it); every input comes from the environment; credentials only in MB_DEFAULTS (0600).
#
#   MB_DUMP, MB_CLIENT  dump program and client (paths)       MB_DEFAULTS  client option file ([client])
#   MB_DBS              the databases, base64, one per line   MB_RUN       the run directory
#   MB_COMPRESS         gzip | zstd | none; MB_EXT its file name ending (.sql.gz ...)
#   MB_EXTRA_ARGS       extra dump options, one per line
#   MB_CHECKSUMS 1      take the table checksums in the dump's snapshot (needs RELOAD: a brief global read lock)
#   MB_LOCK 1           keep that global read lock for the whole dump (non-transactional tables consistent too)
#   MB_LOCK_WAIT        seconds to wait for the global read lock
#   MB_VERIFY_RESTORE 1 restore into scratch databases and compare; MB_RESTORE_LOG_BIN 1 let that reach the binlog
#
# Writes into the run: databases$MB_EXT, users$MB_EXT, each with a .sha256 (sha256sum format). stdout: lines
#   file NAME SIZE SHA256 | database B64NAME CHARSET COLLATION BYTES | table CHECKSUM-LINE (mysql_lib.sh)
#   binlog FILE POSITION | gtid POSITION | account KIND B64USER B64HOST | warning B64TEXT | consistency WORD
# Exit 1 with a "mysql_backup:" reason on stderr on any failure; then no file with a final name is left.
set -uo pipefail
umask 077
HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=mysql_lib.sh
. "$HERE/mysql_lib.sh"

: "${MB_DUMP:?}" "${MB_CLIENT:?}" "${MB_DEFAULTS:?}" "${MB_DBS:?}" "${MB_RUN:?}" "${MB_COMPRESS:?}" "${MB_EXT:?}"
# shellcheck disable=SC2034 # for mysql_lib.sh
CLIENT=$MB_CLIENT DEFAULTS=$MB_DEFAULTS INIT=()
export TMPDIR=$HERE
DUMP_NAME=databases$MB_EXT USERS_NAME=users$MB_EXT
FILES=("$DUMP_NAME" "$USERS_NAME")
ERR=$HERE/dump.stderr CERR=$HERE/compress.stderr
SCRATCH=() SNAP_JOB="" SNAP_ERROR=""
: >"$HERE/snapshot.sums"
: >"$HERE/copy.sums"

drop_scratch() {
    local s
    for s in "${SCRATCH[@]}"; do
        client -N -B -e "DROP DATABASE IF EXISTS $(ident "$s")" ||
            echo "mysql_backup: could not drop the scratch database '$s'; drop it by hand" >&2
    done
    SCRATCH=()
}
fail() {  # STATUS MESSAGE: leave nothing that looks complete, exit
    local f
    for f in "${FILES[@]}"; do rm -f -- "$MB_RUN/.$f.partial" "$MB_RUN/.$f.sha256.partial" "$MB_RUN/$f" "$MB_RUN/$f.sha256"; done
    drop_scratch
    echo "mysql_backup: $2" >&2
    exit "$1"
}
codec "$MB_COMPRESS" || fail 1 "unknown compression '$MB_COMPRESS'"
mapfile -t DBS_B64 <<<"$MB_DBS"
DBS=()
for b in "${DBS_B64[@]}"; do DBS+=("$(unb64 "$b")"); done
EXTRA=()
[ -z "${MB_EXTRA_ARGS:-}" ] || mapfile -t EXTRA <<<"$MB_EXTRA_ARGS"
out() { printf '%s\n' "$*"; }
warn() { out "warning $(b64 "$1")"; }
in_list() { local d list=""; for d in "${DBS[@]}"; do list+="${list:+, }$(sqlstr "$d")"; done; printf '(%s)' "$list"; }

# ------------------------------------------------------------------------------------------ the server
read -r log_bin version_comment < <(client -N -B -e 'SELECT @@log_bin, @@version_comment') ||
    fail 1 "cannot ask the server whether it writes a binary log"
# The character set and collation of every database (the dump's CREATE DATABASE carries them too), its size.
mapfile -t DBINFO < <(client -N -B -e "
    SELECT $(sql_b64 s.SCHEMA_NAME), s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME,
           COALESCE(SUM(t.DATA_LENGTH + t.INDEX_LENGTH), 0)
      FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
     WHERE s.SCHEMA_NAME IN $(in_list) GROUP BY s.SCHEMA_NAME ORDER BY s.SCHEMA_NAME") ||
    fail 1 "cannot read the databases' character sets"
if [ ${#DBINFO[@]} != ${#DBS[@]} ]; then
    missing=""
    for i in "${!DBS[@]}"; do
        printf '%s\n' "${DBINFO[@]}" | cut -f1 | grep -q -x -F -- "${DBS_B64[$i]}" || missing+="${missing:+, }'${DBS[$i]}'"
    done
    fail 1 "no such database on the server: $missing"
fi
for row in "${DBINFO[@]}"; do out "database ${row//$'\t'/ }"; done
# Tables no snapshot covers (MyISAM, Aria, MEMORY...): locked for the whole dump, or a warning.
mapfile -t NONTX < <(client -N -B -e "
    SELECT $(sql_b64 TABLE_SCHEMA), $(sql_b64 TABLE_NAME), ENGINE FROM information_schema.TABLES
     WHERE TABLE_SCHEMA IN $(in_list) AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
       AND ENGINE NOT IN ('InnoDB', 'ROCKSDB') ORDER BY TABLE_SCHEMA, TABLE_NAME") ||
    fail 1 "cannot list the tables' engines"
if [ ${#NONTX[@]} -gt 0 ]; then
    list=""
    for row in "${NONTX[@]}"; do
        IFS=$'\t' read -r d t e <<<"$row"
        list+="${list:+, }$(ident "$(unb64 "$d")").$(ident "$(unb64 "$t")") ($e)"
    done
    if [ "${MB_LOCK:-0}" = 1 ]; then
        out "consistency locked"
    else
        out "consistency snapshot-except-non-transactional"
        warn "non-transactional tables, not in the snapshot and not locked (mysql_backup_lock_non_transactional): their dump may be of a later moment than the other tables': $list"
    fi
else
    out "consistency snapshot"
fi

# ------------------------------------------------------------------------------------------ the snapshot session
# FLUSH TABLES WITH READ LOCK, then a consistent snapshot of our own; the dump starts its snapshot while the lock
# holds, so no commit can come between the two: the checksums taken in ours are those of the dump's. The lock goes
# as soon as the dump's transaction is open (or after the dump, with MB_LOCK 1).
snap() {  # SQL: run in the snapshot session; its output lines in SNAP_OUT; 1 when the session failed
    local line wrote
    SNAP_OUT=()
    # A session that has gone (the server killed, say) must fail this write, not kill the script with SIGPIPE (it
    # would end as "exit -13", with no word of why): the dump's own error then says what happened.
    trap '' PIPE
    { printf '%s;\nSELECT "-- mysql_backup end --";\n' "$1" >&"$SNAP_W"; } 2>/dev/null
    wrote=$?
    trap - PIPE
    [ "$wrote" = 0 ] || return 1
    while IFS= read -r line <&"$SNAP_R"; do
        [ "$line" = "-- mysql_backup end --" ] && return 0
        SNAP_OUT+=("$line")
    done
    return 1
}
table_line() {  # B64DB B64TABLE ENGINE CHECKSUM: a checksum line (mysql_lib.sh); STRICT 0 for unlocked NONTX tables
    local strict=1
    case $'\n'$(printf '%s\n' "${NONTX[@]}") in *$'\n'"$1"$'\t'"$2"$'\t'*) [ "${MB_LOCK:-0}" = 1 ] || strict=0 ;; esac
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$strict"
}
snapshot_checksums() {  # the checksum lines of every table, in the snapshot; 1 with SNAP_ERROR set on a failure
    local i j row names engines
    if [ "${MB_LOCK:-0}" != 1 ]; then snap "UNLOCK TABLES" || { SNAP_ERROR="UNLOCK TABLES: "; return 1; }; fi
    for i in "${!DBS[@]}"; do
        snap "$(sql_base_tables "${DBS[$i]}")" || { SNAP_ERROR="listing the tables: "; return 1; }
        [ ${#SNAP_OUT[@]} -gt 0 ] || continue
        names=() engines=()
        for row in "${SNAP_OUT[@]}"; do names+=("${row%%$'\t'*}"); engines+=("${row#*$'\t'}"); done
        snap "$(sql_checksum "${DBS[$i]}" "${names[@]}")" || { SNAP_ERROR="CHECKSUM TABLE: "; return 1; }
        [ ${#SNAP_OUT[@]} = ${#names[@]} ] ||
            { SNAP_ERROR="CHECKSUM TABLE gave ${#SNAP_OUT[@]} rows for ${#names[@]} tables"; return 1; }
        for j in "${!names[@]}"; do
            table_line "${DBS_B64[$i]}" "${names[$j]}" "${engines[$j]}" "${SNAP_OUT[$j]#*$'\t'}"
        done >>"$HERE/snapshot.sums" || { SNAP_ERROR="cannot write the checksums into $HERE"; return 1; }
    done
}
snap_failed() { fail 1 "the snapshot session failed ($1): $(oneline 1000 "$HERE/snapshot.stderr")"; }
if [ "${MB_CHECKSUMS:-0}" = 1 ] || [ "${MB_LOCK:-0}" = 1 ]; then
    coproc SNAP { exec "$MB_CLIENT" --defaults-file="$MB_DEFAULTS" -N -B --unbuffered 2>"$HERE/snapshot.stderr"; }
    # bash forgets the coprocess's variables once it has ended: keep them
    SNAP_JOB=$SNAP_PID SNAP_R=${SNAP[0]} SNAP_W=${SNAP[1]}
    snap "SET SESSION lock_wait_timeout = ${MB_LOCK_WAIT:-60}; FLUSH TABLES WITH READ LOCK;
          SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION WITH CONSISTENT SNAPSHOT" ||
        snap_failed "FLUSH TABLES WITH READ LOCK needs the RELOAD privilege"
fi

# ------------------------------------------------------------------------------------------ dump
POSITION=()
if [ "$log_bin" = 1 ]; then
    POSITION=(--master-data=2)
    case $version_comment in *MariaDB* | *mariadb*) POSITION+=(--gtid) ;; esac
fi
# The mandatory options come after the extra ones, so the extra ones cannot turn them off. --comments keeps the
# "-- Dump completed" trailer; --verbose says on stderr (unbuffered) when the dump's transaction is open.
# The dump's last lines (its trailer, the GTID) are kept as it streams (tee into tail through a FIFO), rather than
# by decompressing the whole file again afterwards (0.35 s a 100 MB dump, a seventh of the dump step).
mkfifo -m 0600 -- "$HERE/dump.fifo" || fail 1 "cannot create a FIFO in $HERE"
tail -n 40 <"$HERE/dump.fifo" >"$HERE/dump.tail" &
TAIL_JOB=$!
{
    "$MB_DUMP" --defaults-file="$MB_DEFAULTS" "${EXTRA[@]}" \
        --single-transaction --quick --routines --triggers --events --hex-blob \
        --default-character-set=utf8mb4 --comments --verbose "${POSITION[@]}" --databases -- "${DBS[@]}" \
        2>"$ERR" | tee -- "$HERE/dump.fifo" 2>"$HERE/tee.stderr" | "${COMPRESS[@]}" 2>"$CERR" >"$MB_RUN/.$DUMP_NAME.partial"
    echo "${PIPESTATUS[*]}" >"$HERE/dump.status"
} &
DUMP_JOB=$!

if [ -n "$SNAP_JOB" ]; then
    # the dump prints "-- Starting transaction..." before it opens its snapshot, and its next line after
    while kill -0 "$DUMP_JOB" 2>/dev/null &&
        ! grep -A1 -x -- '-- Starting transaction...' "$ERR" 2>/dev/null | sed -n 2p | grep -q .; do
        sleep 0.05
    done
    # A failure here is reported after the dump's own (the server gone, say, is better said by the dump).
    snapshot_checksums || SNAP_ERROR=$SNAP_ERROR$(oneline 1000 "$HERE/snapshot.stderr")
else
    # no snapshot of our own: the tables and their engines for the manifest, without checksums
    for i in "${!DBS[@]}"; do
        client -N -B -e "$(sql_base_tables "${DBS[$i]}")" | while IFS=$'\t' read -r name engine; do
            table_line "${DBS_B64[$i]}" "$name" "$engine" NULL
        done
    done >"$HERE/snapshot.sums" || fail 1 "cannot list the tables"
fi
wait "$DUMP_JOB"
wait "$TAIL_JOB"
read -r dump_status tee_status compress_status <"$HERE/dump.status" || dump_status="?" tee_status="?" compress_status="?"
if [ -n "$SNAP_JOB" ]; then
    [ -n "$SNAP_ERROR" ] || snap "UNLOCK TABLES; COMMIT" || SNAP_ERROR="COMMIT: $(oneline 1000 "$HERE/snapshot.stderr")"
    eval "exec $SNAP_W>&-"
    wait "$SNAP_JOB" 2>/dev/null
fi
# PIPESTATUS of a background pipeline is not available: the compressor's exit status is in the message file
errtext=$(grep -v -- '^-- ' "$ERR" | head -c 2000 | tr -s '\n\t ' '   ')
cerrtext=$(oneline 1000 "$CERR")
rm -f -- "$ERR" "$CERR" "$HERE/dump.status"
# The writer first: when it cannot write (disk full), the dump program then fails too, of the broken pipe
# ("Got errno 32 on write"), and its message alone would hide the reason.
if [ "$compress_status" != 0 ]; then
    fail 1 "the dump failed: cannot write $MB_RUN/$DUMP_NAME: ${COMPRESS[0]} exited $compress_status: ${cerrtext:-no message}${errtext:+; then $(basename "$MB_DUMP") exited $dump_status: $errtext}"
fi
[ "$dump_status" = 0 ] || fail 1 "the dump failed: $(basename "$MB_DUMP") exited $dump_status: ${errtext:-no message}"
[ "$tee_status" = 0 ] || fail 1 "the dump failed: tee exited $tee_status: $(oneline 1000 "$HERE/tee.stderr")"
[ -z "$SNAP_ERROR" ] || fail 1 "the snapshot session failed: $SNAP_ERROR"

# ------------------------------------------------------------------------------------------ verify the dump
TMP=$MB_RUN/.$DUMP_NAME.partial
[ -s "$TMP" ] || fail 1 "the dump failed verification: the file is empty"
tail_lines=$(cat -- "$HERE/dump.tail")
rm -f -- "$HERE/dump.fifo" "$HERE/dump.tail" "$HERE/tee.stderr"
case $(printf '%s\n' "$tail_lines" | tail -n 1) in
    "-- Dump completed"*) ;;
    *) fail 1 "the dump failed verification: no '-- Dump completed' trailer (truncated dump); last line: $(printf '%s\n' "$tail_lines" | tail -n 1 | head -c 200)" ;;
esac
[ -z "$errtext" ] || warn "$(basename "$MB_DUMP") warned: $errtext"
if [ "$log_bin" = 1 ]; then
    # the snapshot's binary log position (a comment of --master-data=2 near the top) and GTID (near the end)
    pos=$("${DECOMPRESS[@]}" <"$TMP" | head -n 60 | sed -n "s/^-- CHANGE MASTER TO MASTER_LOG_FILE='\([^']*\)', MASTER_LOG_POS=\([0-9]*\);.*/\1 \2/p" | head -n 1)
    [ -z "$pos" ] || out "binlog $pos"
    gtid=$(printf '%s\n' "$tail_lines" | sed -n "s/^-- SET GLOBAL gtid_slave_pos='\([^']*\)';.*/\1/p" | head -n 1)
    [ -z "$gtid" ] || out "gtid $gtid"
fi

# ------------------------------------------------------------------------------------------ users and grants
# One section per account, "-- account KIND HEXUSER HEXHOST" then its CREATE and its grants (SHOW CREATE USER and
# SHOW GRANTS, which MariaDB and MySQL share), so that a restore can leave out the accounts the target already has.
# Roles (MariaDB) first. Not from the snapshot: accounts are not transactional.
has_is_role=$(client -N -B -e "SELECT COUNT(*) FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'is_role'") ||
    fail 1 "cannot read the accounts: $(client -N -B -e 'SELECT 1' 2>&1 | head -c 300)"
role_expr=$([ "$has_is_role" = 1 ] && echo "is_role" || echo "'N'")
# "|"-separated: a role's host is empty, and consecutive tabs would collapse
mapfile -t ACCOUNTS < <(client -N -B -e "SELECT CONCAT_WS('|', IF($role_expr = 'Y', 'role', 'user'), HEX(User), HEX(Host),
        $(sql_b64 User), $(sql_b64 Host)) FROM mysql.user ORDER BY $role_expr = 'Y' DESC, User, Host") ||
    fail 1 "cannot read the accounts in mysql.user (the backup account needs SELECT on it)"
users_sql=$HERE/users.sql
{
    for row in "${ACCOUNTS[@]}"; do
        IFS='|' read -r kind hu hh bu bh <<<"$row"
        u=$(unb64 "$bu") h=$(unb64 "$bh")
        printf "SELECT '-- account %s %s %s';\n" "$kind" "$hu" "$hh"
        if [ "$kind" = role ]; then
            printf "SELECT 'CREATE ROLE %s';\nSHOW GRANTS FOR %s;\n" "$(ident "$u" | sed "s/'/''/g")" "$(ident "$u")"
        else
            printf 'SHOW CREATE USER %s@%s;\nSHOW GRANTS FOR %s@%s;\n' "$(sqlstr "$u")" "$(sqlstr "$h")" "$(sqlstr "$u")" "$(sqlstr "$h")"
        fi
    done
} >"$HERE/users.query"
{
    echo "-- opencloud.images.mysql_backup: users, roles and grants; restore with opencloud.images.mysql_restore"
    client -N -B -r <"$HERE/users.query" 2>"$ERR" | sed -e '/^-- account /!s/$/;/'
    echo "-- users completed"
} >"$users_sql" || fail 1 "cannot read the users and grants: $(oneline 1000 "$ERR")"
[ ! -s "$ERR" ] || fail 1 "cannot read the users and grants: $(oneline 1000 "$ERR")"
rm -f -- "$ERR" "$HERE/users.query"
for row in "${ACCOUNTS[@]}"; do
    IFS='|' read -r kind _hu _hh bu bh <<<"$row"
    out "account $kind $bu $bh"
done
err=$({ "${COMPRESS[@]}" <"$users_sql" >"$MB_RUN/.$USERS_NAME.partial"; } 2>&1) ||
    fail 1 "cannot write $MB_RUN/$USERS_NAME: ${err##*: }"
rm -f -- "$users_sql"

# ------------------------------------------------------------------------------------------ restore check
# Definitions of the default database (-D), one line per object, comparable between the source and a copy.
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
# One restore stream of the restore check: the databases of scratch.map.G restored into their scratch copies, then the
# copies' checksums into copy.sums.G (while another stream may still restore). On a failure, the reason (after
# "restore check") in stream.G.err, and status 1.
restore_stream() {  # G
    local b64name b64scratch db
    : >"$HERE/copy.sums.$1"
    if ! restore_dump "$TMP" "$HERE/scratch.map.$1" 1 >"$HERE/restore.$1.out" 2>&1; then
        printf ': restoring the dump into scratch databases failed: %s' "$(client_error "$HERE/restore.$1.out")" \
            >"$HERE/stream.$1.err"
        return 1
    fi
    while IFS=$'\t' read -r b64name b64scratch; do
        db=$(unb64 "$b64name")
        table_checksums "$(unb64 "$b64scratch")" "$db" >>"$HERE/copy.sums.$1" ||
            { printf " of '%s': CHECKSUM TABLE failed on the copy" "$db" >"$HERE/stream.$1.err"; return 1; }
    done <"$HERE/scratch.map.$1"
}
if [ "${MB_VERIFY_RESTORE:-0}" = 1 ]; then
    if [ "${MB_RESTORE_LOG_BIN:-0}" != 1 ] && [ "$log_bin" = 1 ]; then
        # shellcheck disable=SC2034 # for mysql_lib.sh's client: the scratch databases never reach replicas
        INIT=("--init-command=SET SESSION sql_log_bin = 0")
    fi
    : >"$HERE/scratch.map"
    : >"$HERE/scratch.sizes"
    tag=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
    for row in "${DBINFO[@]}"; do
        IFS=$'\t' read -r b64name cs coll bytes <<<"$row"
        s="mysql_backup_verify_${tag}_${#SCRATCH[@]}"
        err=$(client -N -B -e "CREATE DATABASE $(ident "$s") CHARACTER SET $cs COLLATE $coll" 2>&1) ||
            fail 1 "restore check: cannot create a scratch database: $err"
        SCRATCH+=("$s")
        printf '%s\t%s\n' "$b64name" "$(b64 "$s")" >>"$HERE/scratch.map"
        printf '%s\t%s\t%s\n' "$bytes" "$b64name" "$(b64 "$s")" >>"$HERE/scratch.sizes"
    done
    # The databases in up to two restore streams of about equal size (each database, largest first, onto the
    # smaller stream), one client each: a client waits for every statement to end before it reads the next, so one
    # stream leaves the client or the server idle, two keep both busy (benchmarks/backup.py). Each stream restores
    # whole databases, as one stream would: the dump's header and trailer go to both, and what a database's part
    # names in another database is a source database, never a scratch copy.
    streams=1
    [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ] || streams=2
    stream_bytes=()
    for ((g = 0; g < streams; g++)); do : >"$HERE/scratch.map.$g"; stream_bytes[g]=0; done
    while IFS=$'\t' read -r bytes b64name b64scratch; do
        g=0
        [ "$streams" = 2 ] && [ "${stream_bytes[1]}" -lt "${stream_bytes[0]}" ] && g=1
        printf '%s\t%s\n' "$b64name" "$b64scratch" >>"$HERE/scratch.map.$g"
        stream_bytes[g]=$((stream_bytes[g] + bytes))
    done < <(sort -t $'\t' -k1,1nr -- "$HERE/scratch.sizes")
    stream_jobs=()
    for ((g = 0; g < streams; g++)); do
        [ -s "$HERE/scratch.map.$g" ] || continue
        restore_stream "$g" &
        stream_jobs+=("$!:$g")
    done
    err=""
    for j in "${stream_jobs[@]}"; do
        wait "${j%%:*}" && continue
        status=$?
        [ -n "$err" ] || err=$(head -c 1200 -- "$HERE/stream.${j#*:}.err") err=${err:-a restore stream exited $status}
    done
    [ -z "$err" ] || fail 1 "restore check$err"
    cat -- "$HERE"/copy.sums.* >"$HERE/copy.sums" || fail 1 "cannot read the copies' checksums in $HERE"
    # the definitions, source (now) and copy: a dump that changes a routine, a view or a column shows here
    while IFS=$'\t' read -r b64name b64scratch; do
        db=$(unb64 "$b64name") s=$(unb64 "$b64scratch")
        metadata "$db" >"$HERE/source.meta" || fail 1 "restore check of '$db': cannot read its definitions"
        metadata "$s" | while IFS= read -r line; do printf '%s\n' "${line//"$(ident "$s")."/"$(ident "$db")."}"; done \
            >"$HERE/copy.meta" || fail 1 "restore check of '$db': cannot read the copy's definitions"
        diffs=$(diff "$HERE/source.meta" "$HERE/copy.meta") ||
            fail 1 "restore check of '$db': definitions differ between the database and the restored dump (< database, > dump): ${diffs:0:1500}"
    done <"$HERE/scratch.map"
    if ! compare_checksums "$HERE/snapshot.sums" "$HERE/copy.sums" "$HERE/sums.diff" "$HERE/sums.warn"; then
        fail 1 "restore check: table checksums differ between the snapshot and the restored dump (< snapshot, > dump): $(oneline 1500 "$HERE/sums.diff")"
    fi
    [ ! -s "$HERE/sums.warn" ] ||
        warn "restore check: non-transactional tables changed during the backup (< snapshot, > dump): $(oneline 1500 "$HERE/sums.warn")"
    drop_scratch
    out "verified restore"
fi
while IFS= read -r line; do out "table $line"; done <"$HERE/snapshot.sums"

# ------------------------------------------------------------------------------------------ sha256, rename
for f in "${FILES[@]}"; do
    size=$(stat -c %s -- "$MB_RUN/.$f.partial") || fail 1 "cannot stat $MB_RUN/.$f.partial"
    sum=$(sha256sum -- "$MB_RUN/.$f.partial" | cut -d' ' -f1) || fail 1 "cannot checksum $MB_RUN/.$f.partial"
    err=$({ printf '%s  %s\n' "$sum" "$f" >"$MB_RUN/.$f.sha256.partial"; } 2>&1) ||
        fail 1 "cannot write the checksum file $MB_RUN/$f.sha256: ${err##*: }"
    out "file $f $size $sum"
done
for f in "${FILES[@]}"; do
    { mv -f -- "$MB_RUN/.$f.sha256.partial" "$MB_RUN/$f.sha256" && mv -f -- "$MB_RUN/.$f.partial" "$MB_RUN/$f"; } ||
        fail 1 "cannot rename the files of $MB_RUN"
done
