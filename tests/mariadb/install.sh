#!/usr/bin/env bash
# Install MariaDB (server and client) from Debian's packages when any of the programs the tests use is
# missing; do nothing when they are all there. The packages' postinst must not start a system server
# (there is no systemd here, and tests/mariadb/start.sh runs its own private one), so when the machine has
# no /usr/sbin/policy-rc.d, a temporary one that denies every service start is in place during the install.
# zstd is installed too when missing: the role's scenario dumps with zstd compression.
#
# Usage: bash tests/mariadb/install.sh        (as root, or as a user with sudo)
set -euo pipefail
# shellcheck source=scripts/installs.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/installs.sh"

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

sudo=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: need root (or sudo) to install ${pkgs[*]}" >&2; exit 1; }
    sudo=(sudo -n)  # for policy-rc.d; apt_install finds sudo itself
fi

policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
    if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from tests/mariadb/install.sh: no service starts during the install\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 0755 "$policy"
    made_policy=1
fi

log=$(mktemp "${TMPDIR:-/tmp}/mariadb-install.XXXXXX")
echo "apt-get install ${pkgs[*]}"
apt_install "$log" "${pkgs[@]}"
rm -f "$log"
echo "mariadb: installed ($(/usr/sbin/mariadbd --version))"
