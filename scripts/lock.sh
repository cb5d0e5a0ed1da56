#!/usr/bin/env bash
# Lock a Python environment of the tests or the demo: `bash scripts/lock.sh tests/requirements-dev.in [...]`.
#
# For each NAME.in (the packages asked for, with a '# python: X.Y' line), installs it into a clean venv of that
# Python (with resolution, the only place that resolves), checks it (pip check), and writes NAME.txt: every package of
# that venv with its exact version, and the hash of NAME.in, so scripts/installs.sh refuses a lock older than its input.
# scripts/common.sh and tests/peers/install.sh then install NAME.txt with --no-deps. Commit NAME.in and NAME.txt
# together; that is how an upgrade is made. The locks of this repository:
#   tests/requirements-dev.in                 Python 3.11: ansible-core 2.19, ansible-lint, molecule, pytest, Flask
#   tests/requirements-tools.in               Python 3.11: antsibull-docs/-changelog, ansible-builder, ansible-runner
#   tests/requirements-core2.21-py3.12.in     Python 3.12: ansible-core 2.21 for sanity and units
#   tests/peers/requirements-{glance,keystone,swift}.in   Python 3.11: the real OpenStack peers
# Environment: PYTHON (a Python 3.11) and PYTHON312 (a Python 3.12) are tried first.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/installs.sh
. "$REPO/scripts/installs.sh"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ $# = 0 ]; then
  echo "usage: bash scripts/lock.sh NAME.in [...]" >&2
  exit 2
fi
for input in "$@"; do
  case $input in
    *.in) [ -f "$input" ] || { echo "lock.sh: $input not found" >&2; exit 2; } ;;
    *) echo "lock.sh: $input is not a .in file" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/opencloud-images-lock.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for input in "$@"; do
  version=$(lock_python_version "$input")
  if [ -z "$version" ]; then
    echo "lock.sh: $input has no '# python: X.Y' line" >&2
    exit 2
  fi
  case $version in
    3.11) first=${PYTHON:-} ;;
    3.12) first=${PYTHON312:-} ;;
    *) first="" ;;
  esac
  python=$(find_python "$version" "$first")
  venv=$WORK/$(basename "$input" .in)
  echo "lock.sh: resolving $input on $python"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --no-input -r "$input"
  "$venv/bin/python" -m pip check
  lock=${input%.in}.txt
  {
    echo "# Full lock of $(basename "$input") for Python $version: every package of its venv, transitive ones included."
    echo "# Made by 'bash scripts/lock.sh $input' in a clean venv; do not edit (edit the .in, lock again)."
    echo "# input-sha256: $(lock_input_sha256 "$input")"
    "$venv/bin/python" -m pip freeze --all | grep -v '^pip==' | LC_ALL=C sort -f
  } >"$lock"
  echo "lock.sh: wrote $lock ($(grep -vc '^#' "$lock") packages)"
done
