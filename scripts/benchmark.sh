#!/usr/bin/env bash
# Benchmarks; each prints its figures.
#   bash scripts/benchmark.sh [fleet] [options of benchmarks/fleet_imaging.py, e.g. --servers 1000 --time-scale 0.01]
#       fleet imaging through ansible-playbook against the local cloud under Rackspace's rate limits (the default);
#       --slices K runs K ansible-runner jobs at once (installs the tools venv with ansible-runner, as scripts/test.sh);
#       --time-scale needs Debian's libfaketime
#   bash scripts/benchmark.sh object-copy [options of benchmarks/object_copy.py, e.g. --quick]
#       a large object copied between two accounts of a real Swift: ours vs rclone vs the swift CLI;
#       installs the Swift peer and rclone (tests/peers/install.sh swift) and starts its own Swift,
#       unless OPENCLOUD_PEERS names running peers; --link shaped puts the target Swift in a network namespace
#       behind a 60 ms, 1 Gbit/s delay line (benchmarks/shaped_link.py; root)
#   bash scripts/benchmark.sh backup [options of benchmarks/backup.py, e.g. --quick]
#       the backup roles' dump step vs mariadb-dump | gzip and pg_dump -Fc on a generated database; installs and
#       starts a private MariaDB and PostgreSQL (tests/mariadb, tests/postgresql)
# Sets up the toolchain as scripts/test.sh does and makes the working tree visible as opencloud.images.
set -euo pipefail
exec </dev/null

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/common.sh
. "$REPO/scripts/common.sh"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS PYTHONPATH

WORK=$(mktemp -d "${TMPDIR:-/tmp}/opencloud-images-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
use_working_tree
if [ "${1:-}" = object-copy ]; then
  shift
  bash "$REPO/tests/peers/install.sh" swift
  PYTHONPATH=$WORK/collections:$REPO/tests/peers python "$REPO/benchmarks/object_copy.py" "$@"
elif [ "${1:-}" = backup ]; then
  shift
  bash "$REPO/tests/mariadb/install.sh"
  bash "$REPO/tests/postgresql/install.sh"
  [ -x /usr/bin/time ] || apt_install "$WORK/apt.log" time # GNU time: the peak RSS of the dump programs
  PYTHONPATH=$REPO/tests/peers python "$REPO/benchmarks/backup.py" "$@"
else
  [ "${1:-}" = fleet ] && shift
  if [[ " $* " == *" --slices "* ]]; then
    venv_from_lock "$TOOLS_VENV" "$PYTHON" "$REPO/tests/requirements-tools.txt"
    export OPENCLOUD_TOOLS_BIN=$TOOLS_VENV/bin
  fi
  python "$REPO/benchmarks/fleet_imaging.py" "$@"
fi
