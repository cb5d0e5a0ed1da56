# shellcheck shell=bash
# opencloud.images.mysql_backup and mysql_restore: functions shared by backup_run.sh and restore_run.sh, which the
# roles copy with this file into their private 0700 directory and run from there.
#
# The caller sets CLIENT (mariadb or mysql), DEFAULTS (the 0600 client option file: the only place of the
# credentials), INIT (extra client options, may be empty), and defines fail STATUS MESSAGE.
#
# Names travel base64-encoded (one line each) between the roles and these scripts, so that any database, table or
# account name, whatever it holds, is passed and compared unchanged. Table checksum lines, in the manifest's order:
#   DB<TAB>TABLE<TAB>ENGINE<TAB>CHECKSUM<TAB>STRICT     (DB and TABLE base64; STRICT 0: a difference only warns)

client() { "$CLIENT" --defaults-file="$DEFAULTS" "${INIT[@]}" "$@"; }

BT='`'
ident() { printf '%s%s%s' "$BT" "${1//$BT/$BT$BT}" "$BT"; }               # NAME as a quoted identifier
sqlstr() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }  # TEXT as a string literal
b64() { printf '%s' "$1" | base64 -w0; }
unb64() { printf '%s' "$1" | base64 -d; }
# SQL giving NAME_EXPR base64-encoded on one line (TO_BASE64 wraps at 76 characters)
sql_b64() { printf "REPLACE(TO_BASE64(%s), CHAR(10), '')" "$1"; }

# shellcheck disable=SC2034 # COMPRESS and DECOMPRESS are for the callers
codec() {  # COMPRESSION: COMPRESS and DECOMPRESS, the commands of gzip | zstd | none
    case $1 in
        gzip) COMPRESS=(gzip -c) DECOMPRESS=(gzip -dc) ;;
        zstd) COMPRESS=(zstd -q -c) DECOMPRESS=(zstd -q -dc) ;;
        none) COMPRESS=(cat) DECOMPRESS=(cat) ;;
        *) return 1 ;;
    esac
}

oneline() { head -c "$1" -- "$2" 2>/dev/null | tr -s '\n\t ' '   ' | sed -e 's/^ //' -e 's/ $//'; }  # N FILE
client_error() {  # FILE of the client's output: its ERROR line (it echoes the failing statement, up to a megabyte, first)
    local line
    line=$(grep -a -m 1 '^ERROR ' -- "$1" | head -c 1000)
    if [ -n "$line" ]; then printf '%s' "$line"; else oneline 1000 "$1"; fi
}

# SQL listing the base tables of the database DB: "B64TABLE<TAB>ENGINE", by name.
sql_base_tables() {
    printf "SELECT %s, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s
             AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME" \
        "$(sql_b64 TABLE_NAME)" "$(sqlstr "$1")"
}

# SQL of CHECKSUM TABLE ... EXTENDED (reads every row) for the tables B64TABLE... of DB; rows come in that order.
sql_checksum() {
    local db=$1 list="" t
    shift
    for t in "$@"; do list+="${list:+, }$(ident "$db").$(ident "$(unb64 "$t")")"; done
    printf 'CHECKSUM TABLE %s EXTENDED' "$list"
}

# The checksum lines (see above) of every base table of DB, as they are now, named as DB_AS.
table_checksums() {  # DB DB_AS
    local rows=() names=() engines=() sums=() i
    mapfile -t rows < <(client -N -B -e "$(sql_base_tables "$1")") || return 1
    [ ${#rows[@]} -gt 0 ] || return 0
    for i in "${rows[@]}"; do names+=("${i%%$'\t'*}"); engines+=("${i#*$'\t'}"); done
    mapfile -t sums < <(client -N -B -e "$(sql_checksum "$1" "${names[@]}")" | cut -f2) || return 1
    [ ${#sums[@]} = ${#names[@]} ] || return 1
    for i in "${!names[@]}"; do
        printf '%s\t%s\t%s\t%s\t1\n' "$(b64 "$2")" "${names[$i]}" "${engines[$i]}" "${sums[$i]}"
    done
}

readable_sums() {  # FILE of checksum lines: "`db`.`table` CHECKSUM" lines, sorted
    local db t _e sum _s
    while IFS=$'\t' read -r db t _e sum _s; do
        printf '%s.%s %s\n' "$(ident "$(unb64 "$db")")" "$(ident "$(unb64 "$t")")" "$sum"
    done <"$1" | LC_ALL=C sort
}

# Compare the checksum lines of EXPECTED (the snapshot's) with ACTUAL (the restored copy's, named as the source).
# DIFFS gets the differences ("< `db`.`table` SUM" expected, "> ..." restored) of the tables that must match;
# WARNINGS those of the tables marked STRICT 0 in EXPECTED (non-transactional tables that were not locked: the dump
# may hold a later state of them than the snapshot). Returns 1 when DIFFS is not empty.
compare_checksums() {  # EXPECTED ACTUAL DIFFS WARNINGS
    local lax
    lax=$(mktemp "${TMPDIR:-/tmp}/lax.XXXXXX") || return 1
    awk -F'\t' '$5 == "0"' "$1" | readable_sums /dev/stdin | sed 's/ [^ ]*$//' >"$lax"
    diff <(readable_sums "$1") <(readable_sums "$2") |
        awk -v lax="$lax" -v diffs="$3" -v warnings="$4" '
            BEGIN { while ((getline n < lax) > 0) skip[n] = 1; printf "" > diffs; printf "" > warnings }
            /^[<>] / { name = substr($0, 3); sub(/ [^ ]*$/, "", name); print > ((name in skip) ? warnings : diffs) }'
    rm -f -- "$lax"
    [ ! -s "$3" ]
}

# Restore the dump FILE (mariadb-dump/mysqldump --databases, decompressed by DECOMPRESS) for the databases of MAP
# (lines "B64SOURCE<TAB>B64TARGET"): each source database's part goes into its target database, which must exist
# (the caller creates it with its character set and collation); other databases' parts are skipped. The dump's own
# CREATE DATABASE lines are left out. With DISABLE_EVENTS 1, events are created DISABLED (a scratch copy).
# The database parts are told apart by the dump's "USE `db`;" lines (a stored program cannot hold USE).
# stdout: the client's messages. Returns the first failing status of the pipeline.
restore_dump() {  # FILE MAP DISABLE_EVENTS
    local pairs src dst statuses
    pairs=$(mktemp "${TMPDIR:-/tmp}/restore_map.XXXXXX") || return 1
    while IFS=$'\t' read -r src dst; do
        printf 'USE %s;\nUSE %s;\n' "$(ident "$(unb64 "$src")")" "$(ident "$(unb64 "$dst")")"
    done <"$2" >"$pairs"
    "${DECOMPRESS[@]}" <"$1" |
        awk -v pairs="$pairs" '
            BEGIN { while ((getline from < pairs) > 0) { getline to < pairs; target[from] = to } }
            /^CREATE DATABASE \/\*!32312 IF NOT EXISTS\*\/ / { next }
            /^USE `/ { skip = !($0 in target); if (!skip) print target[$0]; next }
            !skip { print }' |
        if [ "$3" = 1 ]; then
            sed -e '/^\/\*!50106 CREATE\*\/ .*\/\*!50106 EVENT /s/ \(ON COMPLETION \(NOT \)\{0,1\}PRESERVE\) ENABLE DO / \1 DISABLE DO /'
        else
            cat
        fi |
        client -N -B 2>&1
    statuses=("${PIPESTATUS[@]}")
    rm -f -- "$pairs"
    for src in "${statuses[@]}"; do [ "$src" = 0 ] || return "$src"; done
}
