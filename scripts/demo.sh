#!/usr/bin/env bash
# The main job on the built-in local cloud, no account needed: `bash scripts/demo.sh`.
#
# Installs what it needs (as scripts/test.sh does), starts the local cloud (tests/localcloud) on 127.0.0.1,
# runs playbooks/create_image.yml against it (the host web01 stands for the cloud server web01: checks, image,
# retention; twice: the second run finds the first image instead of making another), then
# playbooks/transfer_image.yml (that image copied to ORD and shared there; twice) and playbooks/list_images.yml,
# with Rackspace-style credentials
# from the environment, and stops the local cloud. Extra arguments go to ansible-playbook (for example -v).
set -euo pipefail
exec </dev/null

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/common.sh
. "$REPO/scripts/common.sh"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS PYTHONPATH

WORK=$(mktemp -d "${TMPDIR:-/tmp}/opencloud-images-demo.XXXXXX")
LC_PID=""
cleanup() {
  if [ -n "$LC_PID" ]; then kill "$LC_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

use_working_tree
start_localcloud "$REPO/tests"
echo "local cloud: $LOCALCLOUD_URL"

export XDG_CACHE_HOME=$WORK/cache ANSIBLE_LOCALHOST_WARNING=0 \
  ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_PYTHON_INTERPRETER=$VENV/bin/python \
  RAX_AUTH_URL=$LOCALCLOUD_URL/identity/v2.0 RAX_USERNAME=demo RAX_API_KEY=demo-api-key-SECRET-1a2b3c RAX_REGION=DFW
for run in first second; do
  echo "== create_image.yml, $run run"
  ansible-playbook -i web01, -e ansible_connection=local -e server_image_mysql=never -e server_image_postgresql=never -e server_image_keep=7 \
    -e server_image_poll_interval=1 "$REPO/playbooks/create_image.yml" "$@"
done
image=web01-$(date -u +%F) # server_image_name's default: <server>-<UTC date>
for run in first second; do
  echo "== transfer_image.yml, $run run: $image copied to ORD and shared there (the second run finds the copy)"
  ansible-playbook -i localhost, "$REPO/playbooks/transfer_image.yml" -e image="$image" \
    -e '{"target_regions": ["ORD"], "share_with": ["100002"], "task_poll_interval": 1}' "$@"
done
echo "== list_images.yml"
ansible-playbook -i localhost, "$REPO/playbooks/list_images.yml" -e '{"regions": ["DFW", "ORD"]}' "$@"
