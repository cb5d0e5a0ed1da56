#!/usr/bin/env bash
# Benchmarks: `bash scripts/benchmark.sh [options of benchmarks/fleet_imaging.py]`.
# Sets up the toolchain as scripts/test.sh does, makes the working tree visible as opencloud.images,
# and runs the fleet-imaging benchmark against the local cloud; it prints its figures.
set -euo pipefail
exec </dev/null

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/common.sh
. "$REPO/scripts/common.sh"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS PYTHONPATH

WORK=$(mktemp -d "${TMPDIR:-/tmp}/opencloud-images-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
use_working_tree
python "$REPO/benchmarks/fleet_imaging.py" "$@"
