#!/usr/bin/env bash
# opencloud.images.postgresql_restore: the steps of restoring one run of opencloud.images.postgresql_backup, run by
# the role (ansible.builtin.script) as
#   pg_restore_run.sh verify | globals | database
# Every input comes from the environment; the connection is libpq's PGHOST, PGPORT, PGUSER, PGDATABASE (the
# maintenance database) and PGPASSFILE (the path of the role's 0600 password file in its private directory
# PR_PRIVATE); no password is ever in argv or environ. Every failure prints one "postgresql_restore: ..." line on
# stderr and exits non-zero.
#
#   verify    PR_RUN, PR_EXPECTED (one "SIZE SHA256 PATH" line per file the manifest lists) -> nothing touched:
#             fails unless every listed file is there with its size and sha256, nothing else is in the run but
#             manifest.json and SHA256SUMS, and SHA256SUMS agrees
#   globals   PR_BIN, PR_RUN, PR_FILE, PR_KEEP_ROLES (quoted names, one per line: roles the target has),
#             PR_KEEP_TABLESPACES (likewise), PR_REPLACE_ROLES (1/0), PR_SELF (quoted name of the login role)
#             -> the globals, without CREATE for roles and tablespaces that exist, and without changes to existing
#             roles unless PR_REPLACE_ROLES=1 (never to the login role); stdout: the roles kept as they were
#   database  PR_BIN, PR_RUN, PR_FILE, PR_DB, PR_REPLACE (1/0), PR_JOBS, PR_CHECKSUM_SQL -> pg_restore --create
#             --exit-on-error (and --clean when PR_REPLACE=1), ANALYZE; stdout: the restored tables' row counts and
#             checksums (one JSON line, as table_checksums.sql gives them)
set -uo pipefail
umask 077

fail() { echo "postgresql_restore: $*" >&2; exit 1; }
need() { local v; for v in "$@"; do [ -n "${!v:-}" ] || fail "internal: $v is not set"; done; }

cmd_verify() {
    need PR_RUN PR_EXPECTED
    local size sum path actual listed=() extra
    case $(basename -- "$PR_RUN") in
        .*.partial) fail "$PR_RUN is an incomplete run (its name ends in .partial): refused." ;;
    esac
    [ -e "$PR_RUN/.failed" ] && fail "$PR_RUN is a failed run: refused."
    while read -r size sum path; do
        [ -n "$path" ] || continue
        listed+=("$path")
        [ -f "$PR_RUN/$path" ] || fail "the run is incomplete: $path, listed in its manifest, is missing: refused."
        actual=$(stat -c %s -- "$PR_RUN/$path") || fail "cannot read $path"
        [ "$actual" = "$size" ] ||
            fail "the run is damaged or tampered with: $path has $actual bytes, the manifest says $size: refused."
        actual=$(sha256sum -- "$PR_RUN/$path" | cut -d' ' -f1) || fail "cannot read $path"
        [ "$actual" = "$sum" ] ||
            fail "the run is damaged or tampered with: the sha256 of $path is $actual, the manifest says $sum: refused."
    done <<<"$PR_EXPECTED"
    extra=$(cd -- "$PR_RUN" && find . -type f ! -name manifest.json ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort |
        grep -vxF -f <(printf '%s\n' "${listed[@]}"))
    [ -z "$extra" ] || fail "the run holds files its manifest does not list: ${extra//$'\n'/, }: refused."
    if [ -f "$PR_RUN/SHA256SUMS" ]; then
        actual=$(cd -- "$PR_RUN" && sha256sum --check --strict --quiet SHA256SUMS 2>&1) ||
            fail "the run is damaged or tampered with: sha256sum --check SHA256SUMS: ${actual//$'\n'/; }: refused."
    fi
}

cmd_globals() {
    need PR_BIN PR_RUN PR_FILE PR_PRIVATE PR_SELF
    local filtered=$PR_PRIVATE/globals.sql out
    # One statement per line in pg_dumpall's output; roles and tablespaces are named as quote_ident() names them.
    awk -v keep_roles="${PR_KEEP_ROLES:-}" -v keep_spcs="${PR_KEEP_TABLESPACES:-}" -v replace="${PR_REPLACE_ROLES:-0}" \
        -v self="$PR_SELF" '
        BEGIN {
            n = split(keep_roles, a, "\n"); for (i = 1; i <= n; i++) if (a[i] != "") role[a[i]] = 1
            n = split(keep_spcs, a, "\n"); for (i = 1; i <= n; i++) if (a[i] != "") spc[a[i]] = 1
        }
        function named(prefix,   rest, name) {   # the name after prefix, when the line starts with it
            if (index($0, prefix) != 1) return ""
            rest = substr($0, length(prefix) + 1)
            if (substr(rest, 1, 1) == "\"") { match(rest, /^"([^"]|"")*"/); return substr(rest, 1, RLENGTH) }
            match(rest, /^[^ ;]+/); return substr(rest, 1, RLENGTH)
        }
        {
            r = named("CREATE ROLE ")
            if (r != "" && r in role) { kept[r] = 1; next }
            r = named("ALTER ROLE "); if (r == "") r = named("COMMENT ON ROLE ")
            if (r != "" && r in role && (replace != 1 || r == self)) { kept[r] = 1; next }
            t = named("CREATE TABLESPACE ")
            if (t != "" && t in spc) next
            print
        }
        END { for (r in kept) print r > "/dev/stderr" }' <"$PR_RUN/$PR_FILE" >"$filtered" 2>"$PR_PRIVATE/kept_roles" ||
        fail "cannot read $PR_FILE"
    out=$("$PR_BIN/psql" -X -q -v ON_ERROR_STOP=1 -f "$filtered" 2>&1) ||
        fail "restoring the globals (roles, tablespaces) failed: ${out:0:1000}"
    LC_ALL=C sort -- "$PR_PRIVATE/kept_roles"
}

cmd_database() {
    need PR_BIN PR_RUN PR_FILE PR_DB PR_CHECKSUM_SQL PR_PRIVATE
    if [ -e "$PR_PRIVATE/.failed" ]; then echo "skipped: an earlier database failed"; exit 3; fi
    trap '[ $? = 0 ] || : >"$PR_PRIVATE/.failed"' EXIT
    local opts=(--create --exit-on-error) out sums via=$PGDATABASE
    # pg_restore --create connects to a database only to create (and with --clean drop) the archive's one
    [ "$via" = "$PR_DB" ] && via=template1
    [ "${PR_REPLACE:-0}" = 1 ] && opts+=(--clean --if-exists)
    [ -d "$PR_RUN/$PR_FILE" ] && opts+=("--jobs=${PR_JOBS:-1}")
    out=$("$PR_BIN/pg_restore" "${opts[@]}" --dbname="$via" "$PR_RUN/$PR_FILE" 2>&1) ||
        fail "restoring database '$PR_DB' from $PR_FILE failed (pg_restore --exit-on-error stopped at the first error): ${out:0:1000}"
    out=$(PGDATABASE=$PR_DB "$PR_BIN/psql" -X -q -v ON_ERROR_STOP=1 -c ANALYZE 2>&1) ||
        fail "ANALYZE of the restored database '$PR_DB' failed: ${out:0:500}"
    sums=$(PGDATABASE=$PR_DB "$PR_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -f "$PR_CHECKSUM_SQL" 2>&1) ||
        fail "cannot read the restored database '$PR_DB''s checksums: ${sums:0:500}"
    echo "$sums"
}

case ${1:-} in
    verify | globals | database) "cmd_$1" ;;
    *) fail "usage: pg_restore_run.sh verify|globals|database" ;;
esac
