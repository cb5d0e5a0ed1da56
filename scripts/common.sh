# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run). The caller sets REPO, and WORK before
# calling a function, and stops LC_PID on exit.
# shellcheck shell=bash

PYV=3.11
PYTHON=${PYTHON:-python$PYV}
export OPENCLOUD_DEV_HOME=${OPENCLOUD_DEV_HOME:-$HOME/.cache/opencloud-images-dev}
VENV=$OPENCLOUD_DEV_HOME/venv-py$PYV
export PIP_DISABLE_PIP_VERSION_CHECK=1

# apt packages, only when missing
apt_install() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "need root (or sudo) to install: $*" >&2
      return 1
    fi
    sudo=(sudo -n)
  fi
  echo "apt-get install $*"
  if ! {
    "${sudo[@]}" apt-get update -qq &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@"
  } >"$WORK/apt.log" 2>&1; then
    cat "$WORK/apt.log" >&2
    return 1
  fi
}

# The pinned venv of tests/requirements-dev.txt (ansible-core, Flask, requests...), activated.
ensure_toolchain() {
  local pkgs=() want
  command -v git >/dev/null || pkgs+=(git)
  command -v shellcheck >/dev/null || pkgs+=(shellcheck) # else ansible-test skips its shellcheck test
  command -v ss >/dev/null || pkgs+=(iproute2)           # tests/peers/start.sh checks its ports with ss
  if ! command -v "$PYTHON" >/dev/null; then
    pkgs+=(python3.11 python3.11-venv)
  elif ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    pkgs+=(python3.11-venv) # Debian's python3.11 has no ensurepip without it
  fi
  if ((${#pkgs[@]})); then
    apt_install "${pkgs[@]}"
  else
    echo "apt: nothing to install (git, shellcheck, ss, $PYTHON with venv present)"
  fi
  "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' ||
    {
      echo "$PYTHON is not Python $PYV" >&2
      return 1
    }

  # The venv is keyed by the requirements file and the interpreter it is built from.
  want=$({
    cat "$REPO/tests/requirements-dev.txt"
    "$PYTHON" -c 'import sys; print(sys.version, sys.executable)'
  } | sha256sum | cut -d' ' -f1)
  mkdir -p "$OPENCLOUD_DEV_HOME"
  exec 9>"$OPENCLOUD_DEV_HOME/.venv-py$PYV.lock" # one installer at a time
  flock 9
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null &&
    [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
    echo "venv up to date: $VENV"
  else
    echo "building venv: $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q -r "$REPO/tests/requirements-dev.txt"
    echo "$want" >"$VENV/.requirements.sha256"
  fi
  exec 9>&-
  export VIRTUAL_ENV=$VENV
  export PATH=$VENV/bin:$PATH
  ansible --version | sed -n 1p
}

# The local cloud (tests/localcloud) in the background; sets LC_PID and LOCALCLOUD_URL.
start_localcloud() {
  local tests_dir=$1
  local portfile=$WORK/localcloud.json log=$WORK/localcloud.log url="" i
  PYTHONPATH=$tests_dir python -m localcloud --port 0 --port-file "$portfile" --quiet >"$log" 2>&1 &
  LC_PID=$!
  for i in $(seq 300); do
    if [ -s "$portfile" ] &&
      url=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$portfile" 2>/dev/null); then
      break
    fi
    url=""
    if ! kill -0 "$LC_PID" 2>/dev/null; then
      echo "the local cloud exited before writing $portfile; its output:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "no $portfile after ${i}00 ms; local cloud output:" >&2
    cat "$log" >&2
    return 1
  fi
  python - "$url" <<'EOF'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/", timeout=10).close()
except urllib.error.HTTPError:
    pass  # any HTTP answer means it is serving
EOF
  export LOCALCLOUD_URL=$url
}

# For the scripts that run playbooks from the working tree: the toolchain (its output to WORK/toolchain.log,
# shown only on failure), and the repository made visible as opencloud.images on ANSIBLE_COLLECTIONS_PATH.
use_working_tree() {
  ensure_toolchain >"$WORK/toolchain.log" 2>&1 || {
    cat "$WORK/toolchain.log" >&2
    return 1
  }
  mkdir -p "$WORK/collections/ansible_collections/opencloud"
  ln -s "$REPO" "$WORK/collections/ansible_collections/opencloud/images"
  export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
}
