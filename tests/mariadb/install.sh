#!/usr/bin/env bash
# Install MariaDB (server and client) from Debian's packages when any of the programs the tests use is
# missing; do nothing when they are all there. apt_install keeps the package from starting a system server
# (tests/mariadb/start.sh runs its own private one).
# zstd is installed too when missing: the role's scenario dumps with zstd compression.
#
# Usage: bash tests/mariadb/install.sh        (as root, or as a user with sudo)
set -euo pipefail
# shellcheck source=scripts/installs.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/installs.sh"
# shellcheck source=tests/dbservers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../dbservers.sh"

need=(mariadbd mariadb-install-db mariadb mariadb-dump mariadb-admin)
pkgs=()
for prog in "${need[@]}"; do
    if ! command -v "$prog" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$prog" ]; then
        pkgs=(mariadb-server mariadb-client)
        break
    fi
done
command -v zstd >/dev/null 2>&1 || pkgs+=(zstd)
if [ ${#pkgs[@]} = 0 ]; then
    echo "mariadb: installed ($(mariadbd --version 2>/dev/null || /usr/sbin/mariadbd --version))"
    exit 0
fi

install_packages_without_starting mariadb "${pkgs[@]}"
echo "mariadb: installed ($(/usr/sbin/mariadbd --version))"
