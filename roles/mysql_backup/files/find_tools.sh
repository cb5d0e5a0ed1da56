#!/usr/bin/env bash
# opencloud.images.mysql_backup: find the dump program, the client and the compressor on the host.
#   MB_DUMP_COMMAND / MB_CLIENT_COMMAND  a name or path to use instead of looking (may be empty)
#   MB_COMPRESSION                       gzip | zstd | none
# stdout: three lines: the dump program's path, the client's path, the dump program's version line.
# Exit 1 with a "mysql_backup:" reason on stderr when something is missing.
set -euo pipefail

find_one() {  # NAME...: the path of the first NAME found on PATH (or in the sbin directories)
    local name p
    for name in "$@"; do
        if p=$(PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin command -v -- "$name" 2>/dev/null) && [ -x "$p" ]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

if [ -n "${MB_DUMP_COMMAND:-}" ]; then
    dump=$(find_one "$MB_DUMP_COMMAND") ||
        { echo "mysql_backup: the dump program '$MB_DUMP_COMMAND' (mysql_backup_dump_command) is not there" >&2; exit 1; }
elif ! dump=$(find_one mariadb-dump mysqldump); then
    echo "mysql_backup: neither mariadb-dump nor mysqldump is installed on this host" >&2
    exit 1
fi
if [ -n "${MB_CLIENT_COMMAND:-}" ]; then
    client=$(find_one "$MB_CLIENT_COMMAND") ||
        { echo "mysql_backup: the client '$MB_CLIENT_COMMAND' (mysql_backup_client_command) is not there" >&2; exit 1; }
else
    # the client of the same family as the dump program first
    case $(basename "$dump") in
        mysqldump) order=(mysql mariadb) ;;
        *) order=(mariadb mysql) ;;
    esac
    client=$(find_one "${order[@]}") ||
        { echo "mysql_backup: neither the mariadb nor the mysql client is installed on this host" >&2; exit 1; }
fi
case ${MB_COMPRESSION:-gzip} in
    gzip | zstd)
        find_one "$MB_COMPRESSION" >/dev/null ||
            { echo "mysql_backup: $MB_COMPRESSION is not installed on this host (mysql_backup_compression: $MB_COMPRESSION)" >&2; exit 1; }
        ;;
    none) ;;
    *) echo "mysql_backup: unknown compression '$MB_COMPRESSION'" >&2; exit 1 ;;
esac
version=$("$dump" --version 2>&1 | head -n 1) || true
printf '%s\n%s\n%s\n' "$dump" "$client" "$version"
