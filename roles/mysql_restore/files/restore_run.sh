#!/usr/bin/env bash
# opencloud.images.mysql_restore: restore a verified mysql_backup run into the server: the accounts first (the ones
# the target already has, and the kept ones, are left alone unless MR_USERS=replace), then each database created
# with its own character set and collation and filled from the run's one dump, then every table's checksum
# compared with the one the backup took in its snapshot. Run by the role from its private 0700 directory, with
# mysql_backup's mysql_lib.sh beside it; inputs from the environment; credentials only in MR_DEFAULTS (0600).
#
#   MR_CLIENT, MR_DEFAULTS  client (path) and client option file    MR_COMPRESS  gzip | zstd | none
#   MR_DUMP, MR_USERS       the run's databases and users files
#   MR_DBS                  the databases: "B64NAME B64TARGETNAME CHARSET COLLATION" lines
#   MR_EXPECTED             file of the manifest's checksum lines (mysql_lib.sh), empty: no comparison
#   MR_USERS_MODE           missing | replace | none               MR_KEEP  "B64USER B64HOST" lines never touched
#   MR_DROP_EXISTING 1      drop a database of the same name first (else one that exists fails the restore)
#
# stdout: account ACTION KIND HEXUSER HEXHOST (ACTION created | replaced | existing | kept) | database B64TARGET |
#         compared N | warning B64TEXT. Exit 1 with a "mysql_restore:" reason on stderr.
set -uo pipefail
umask 077
HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck disable=SC1091 # roles/mysql_backup/files/mysql_lib.sh, copied beside this script by the role
. "$HERE/mysql_lib.sh"
: "${MR_CLIENT:?}" "${MR_DEFAULTS:?}" "${MR_COMPRESS:?}" "${MR_DUMP:?}" "${MR_USERS:?}" "${MR_DBS:?}"
# shellcheck disable=SC2034 # for mysql_lib.sh
CLIENT=$MR_CLIENT DEFAULTS=$MR_DEFAULTS INIT=()
export TMPDIR=$HERE
RESTORED=()

fail() {  # STATUS MESSAGE
    local done_list=""
    [ ${#RESTORED[@]} = 0 ] || done_list=" The databases restored so far are left as they are for a look: ${RESTORED[*]}."
    echo "mysql_restore: $2${done_list}" >&2
    exit "$1"
}
codec "$MR_COMPRESS" || fail 1 "unknown compression '$MR_COMPRESS'"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
out() { printf '%s\n' "$*"; }

# ------------------------------------------------------------------------------------------ accounts
if [ "${MR_USERS_MODE:-missing}" != none ]; then
    # the restoring account itself is always kept
    me=$(client -N -B -e 'SELECT CURRENT_USER()') || fail 1 "cannot ask the server who we are"
    {
        printf '%s %s\n' "$(hex "${me%@*}")" "$(hex "${me##*@}")"
        while read -r bu bh; do
            [ -n "$bu" ] || continue
            printf '%s %s\n' "$(hex "$(unb64 "$bu")")" "$(hex "$(unb64 "$bh")")"
        done <<<"${MR_KEEP:-}"
    } >"$HERE/keep.accounts"
    client -N -B -e "SELECT CONCAT(HEX(User), ' ', HEX(Host)) FROM mysql.user" >"$HERE/target.accounts" ||
        fail 1 "cannot read the target's accounts (mysql.user)"
    "${DECOMPRESS[@]}" <"$MR_USERS" >"$HERE/users.sql" || fail 1 "cannot read $MR_USERS"
    [ "$(tail -n 1 "$HERE/users.sql")" = "-- users completed" ] || fail 1 "$MR_USERS is not complete"
    : >"$HERE/skip.accounts"
    : >"$HERE/replace.accounts"
    while read -r _ _ kind hu hh; do
        key="$hu $hh"
        if grep -q -x -F -- "$key" "$HERE/keep.accounts"; then
            action=kept
        elif grep -q -x -F -- "$key" "$HERE/target.accounts"; then
            if [ "$MR_USERS_MODE" = replace ]; then action=replaced; else action=existing; fi
        else
            action=created
        fi
        case $action in
            kept | existing) echo "$key" >>"$HERE/skip.accounts" ;;
            replaced) echo "$key" >>"$HERE/replace.accounts" ;;
        esac
        out "account $action $kind $hu $hh"
    done < <(grep '^-- account ' "$HERE/users.sql")
    # Two passes: every account's CREATE first, then the grants (a grant may name a role or user created later).
    for pass in 1 2; do
        awk -v pass="$pass" -v skipf="$HERE/skip.accounts" -v repf="$HERE/replace.accounts" '
            BEGIN { while ((getline k < skipf) > 0) skip[k] = 1; while ((getline k < repf) > 0) rep[k] = 1 }
            /^-- account / { key = $4 " " $5; sel = !(key in skip); replace = (key in rep); first = 1; next }
            /^-- / { next }
            sel && pass == 1 && first {
                if (replace) { sub(/^CREATE USER /, "CREATE OR REPLACE USER "); sub(/^CREATE ROLE /, "CREATE OR REPLACE ROLE ") }
                print }
            sel && pass == 2 && !first { print }
            { first = 0 }' "$HERE/users.sql"
    done >"$HERE/users.restore.sql"
    client -N -B <"$HERE/users.restore.sql" >"$HERE/client.out" 2>&1 ||
        fail 1 "restoring the accounts failed: $(client_error "$HERE/client.out")"
    rm -f -- "$HERE/users.sql" "$HERE/users.restore.sql"
fi

# ------------------------------------------------------------------------------------------ databases
: >"$HERE/restore.map"
while read -r b64name b64target cs coll; do
    [ -n "$b64name" ] || continue
    db=$(unb64 "$b64target")
    if [ "${MR_DROP_EXISTING:-0}" = 1 ]; then
        err=$(client -N -B -e "DROP DATABASE IF EXISTS $(ident "$db")" 2>&1) || fail 1 "cannot drop the database '$db': $err"
    fi
    err=$(client -N -B -e "CREATE DATABASE $(ident "$db") CHARACTER SET $cs COLLATE $coll" 2>&1) ||
        fail 1 "cannot create the database '$db' (CHARACTER SET $cs COLLATE $coll): $err"
    RESTORED+=("$db")
    printf '%s\t%s\n' "$b64name" "$b64target" >>"$HERE/restore.map"
    out "database $b64target"
done <<<"$MR_DBS"
restore_dump "$MR_DUMP" "$HERE/restore.map" 0 >"$HERE/client.out" 2>&1 ||
    fail 1 "restoring the dump failed: $(client_error "$HERE/client.out")"

# ------------------------------------------------------------------------------------------ compare
: >"$HERE/restored.sums"
while IFS=$'\t' read -r b64name b64target; do
    table_checksums "$(unb64 "$b64target")" "$(unb64 "$b64name")" >>"$HERE/restored.sums" ||
        fail 1 "CHECKSUM TABLE failed on the restored database '$(unb64 "$b64target")'"
done <"$HERE/restore.map"
if [ -s "${MR_EXPECTED:-}" ]; then
    compare_checksums "$MR_EXPECTED" "$HERE/restored.sums" "$HERE/sums.diff" "$HERE/sums.warn" ||
        fail 1 "the restored tables differ from the backup's snapshot (< backup, > restored): $(oneline 1500 "$HERE/sums.diff")"
    [ ! -s "$HERE/sums.warn" ] ||
        out "warning $(b64 "non-transactional tables that were not locked differ from the snapshot's checksums, as the backup warned (< snapshot, > restored): $(oneline 1500 "$HERE/sums.warn")")"
    out "compared $(wc -l <"$HERE/restored.sums")"
else
    out "warning $(b64 "the backup has no table checksums (mysql_backup_table_checksums was off): the restored tables were not compared")"
fi
