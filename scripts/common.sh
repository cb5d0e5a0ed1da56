# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run). The caller sets REPO, and WORK before
# calling a function, and stops LC_PID on exit.
# shellcheck shell=bash

PYV=3.11
PYTHON=${PYTHON:-python$PYV}
export OPENCLOUD_DEV_HOME=${OPENCLOUD_DEV_HOME:-$HOME/.cache/opencloud-images-dev}
VENV=$OPENCLOUD_DEV_HOME/venv-py$PYV
# The release and AWX tools (antsibull-docs, antsibull-changelog, ansible-builder, ansible-runner), beside the dev venv.
TOOLS_VENV=$OPENCLOUD_DEV_HOME/venv-tools-py$PYV
# The second ansible-core line: the newest for Python 3.12 (tests/requirements-core2.21-py3.12.in).
PYV2=3.12
CORE2=2.21
CORE2_VENV=$OPENCLOUD_DEV_HOME/venv-core$CORE2-py$PYV2
# The HOME that ansible-test runs with: it keeps its sanity venvs and the get-pip stand-in under ~/.ansible/test, which
# the tests' own HOME (an empty one per run) would lose.
ANSIBLE_TEST_HOME=$OPENCLOUD_DEV_HOME/ansible-test-home
export PIP_DISABLE_PIP_VERSION_CHECK=1
# shellcheck source=scripts/installs.sh
. "$REPO/scripts/installs.sh"

# The venvs of the other tools: the release and AWX tools (Python 3.11), and ansible-core $CORE2 on Python 3.12.
ensure_extra_venvs() {
  local python312
  venv_from_lock "$TOOLS_VENV" "$PYTHON" "$REPO/tests/requirements-tools.txt"
  python312=$(find_python "$PYV2" "${PYTHON312:-}")
  venv_from_lock "$CORE2_VENV" "$python312" "$REPO/tests/requirements-core$CORE2-py$PYV2.txt"
  echo "tools: antsibull-docs $("$TOOLS_VENV/bin/antsibull-docs" --version), ansible-runner $("$TOOLS_VENV/bin/ansible-runner" --version)"
  echo "python $PYV2: $("$CORE2_VENV/bin/ansible" --version | sed -n 1p)"
}

# get_pip_shim PYTHON: the ansible-test of that interpreter downloads get-pip-<pip version>.py for the venvs of its
# sanity tests; that host is not reachable from CI, so put the stand-in where ansible-test looks first.
get_pip_shim() {
  local pipv shim
  pipv=$("$1" -c 'import pathlib, re, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip=.([0-9.]+)", text).group(1))')
  shim=$ANSIBLE_TEST_HOME/.ansible/test/cache/get_pip_${pipv//./_}.py
  mkdir -p "$(dirname "$shim")"
  cmp -s "$REPO/.ci/get_pip_shim.py" "$shim" || cp "$REPO/.ci/get_pip_shim.py" "$shim"
  echo "get-pip stand-in for pip $pipv: $shim"
}

# The venv of tests/requirements-dev.in (ansible-core, Flask, requests...), from its lock, activated.
ensure_toolchain() {
  local pkgs=()
  command -v git >/dev/null || pkgs+=(git)
  command -v shellcheck >/dev/null || pkgs+=(shellcheck) # else ansible-test skips its shellcheck test
  command -v ss >/dev/null || pkgs+=(iproute2)           # tests/peers/start.sh checks its ports with ss
  if ! command -v "$PYTHON" >/dev/null; then
    pkgs+=(python3.11 python3.11-venv)
  elif ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    pkgs+=(python3.11-venv) # Debian's python3.11 has no ensurepip without it
  fi
  if ((${#pkgs[@]})); then
    echo "apt-get install ${pkgs[*]}"
    apt_install "$WORK/apt.log" "${pkgs[@]}"
  else
    echo "apt: nothing to install (git, shellcheck, ss, $PYTHON with venv present)"
  fi
  "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' ||
    {
      echo "$PYTHON is not Python $PYV" >&2
      return 1
    }

  venv_from_lock "$VENV" "$PYTHON" "$REPO/tests/requirements-dev.txt"
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

# For the scripts that run playbooks from the working tree: the toolchain (saying what it installs, and how long it
# took), and the repository made visible as opencloud.images on ANSIBLE_COLLECTIONS_PATH.
use_working_tree() {
  ensure_toolchain
  mkdir -p "$WORK/collections/ansible_collections/opencloud"
  ln -s "$REPO" "$WORK/collections/ansible_collections/opencloud/images"
  export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
}
