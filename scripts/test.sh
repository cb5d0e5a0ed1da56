#!/usr/bin/env bash
# The test command of opencloud.images: `bash scripts/test.sh`. CI runs the same thing through .ci/run.
#
#   bash scripts/test.sh            every stage (what CI runs)
#   bash scripts/test.sh --quick    skip stages 2 (real peers), 4 (ansible-test sanity) and 7 (ansible-lint),
#                                   for fast local iteration; not a substitute for a full run
#
# Meant for a fresh Debian 12 machine, run as root (or as a user with sudo). It installs what it needs:
# missing apt packages (git, shellcheck, iproute2, python3.11 + venv), a Python 3.11 venv built from the pinned
# tests/requirements-dev.txt (rebuilt only when that file or the interpreter changes), and ansible-test's
# offline get-pip stand-in (.ci/get_pip_shim.py). Then it copies the working tree (tracked files plus
# untracked files that are not ignored, plus .git) to
# $WORK/collections/ansible_collections/<namespace>/<name>, WORK being a fresh temporary directory, and runs
# every stage from that copy:
#   1 toolchain   2 real peers   3 local cloud   4 sanity   5 units   6 integration   7 ansible-lint
#   8 roles (molecule scenarios, with a real MariaDB)   9 build + install + ansible-doc
#   10 pytest (last, so its summary is the closing line)
# It stops at the first failing stage and always cleans up: stops the local cloud, the peers and MariaDB,
# removes WORK.
#
# Environment:
#   OPENCLOUD_DEV_HOME  long-lived installs (venv, peers); default $HOME/.cache/opencloud-images-dev
#   KEEP_WORK=1         keep WORK (the copy, logs, the built tarball) after the run
#   PYTHON              interpreter for the venv; default python3.11
set -euo pipefail

QUICK=0
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "test.sh: unknown argument '$arg' (see --help)" >&2
      exit 2
      ;;
  esac
done

exec </dev/null # nothing here is interactive; CI has no stdin

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/common.sh
. "$REPO/scripts/common.sh"
# Settings inherited from the caller's shell would make runs differ; every stage sets what it needs.
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS PYTHONPATH

galaxy_field() { sed -n "s/^$1:[[:space:]]*[\"']\{0,1\}\([A-Za-z0-9_]*\).*/\1/p" "$REPO/galaxy.yml"; }
NS=$(galaxy_field namespace)
NAME=$(galaxy_field name)
if [ -z "$NS" ] || [ -z "$NAME" ]; then
  echo "test.sh: cannot read namespace and name from $REPO/galaxy.yml" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/$NS-$NAME-test.XXXXXX")
WORK=$(cd "$WORK" && pwd -P)
COLLECTIONS=$WORK/collections
CDIR=$COLLECTIONS/ansible_collections/$NS/$NAME
PEERS_DIR=$WORK/peers
LC_PID=""
PEERS_STARTED=0
MARIADB_STARTED=0
CURRENT_STAGE=""
STAGE_T0=0
TIMINGS=()

now_ms() {
  local t=${EPOCHREALTIME//[!0-9]/}
  echo $((t / 1000))
}
RUN_T0=$(now_ms)
fmt_ms() { printf '%d.%ds' $(($1 / 1000)) $((($1 % 1000) / 100)); }

cleanup() {
  local rc=$? out i
  set +e
  trap - EXIT INT TERM
  if [ -n "$LC_PID" ]; then
    kill "$LC_PID" 2>/dev/null
    for i in $(seq 50); do
      kill -0 "$LC_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$LC_PID" 2>/dev/null
    wait "$LC_PID" 2>/dev/null
  fi
  if [ "$MARIADB_STARTED" = 1 ]; then
    if ! out=$(bash "$CDIR/tests/mariadb/stop.sh" "$WORK/mariadb" 2>&1); then
      printf 'test.sh: tests/mariadb/stop.sh %s failed:\n%s\n' "$WORK/mariadb" "$out" >&2
      [ "$rc" = 0 ] && rc=1
    fi
  fi
  if [ "$PEERS_STARTED" = 1 ]; then
    if ! out=$(bash "$CDIR/tests/peers/stop.sh" "$PEERS_DIR" 2>&1); then
      printf 'test.sh: tests/peers/stop.sh %s failed:\n%s\n' "$PEERS_DIR" "$out" >&2
      [ "$rc" = 0 ] && rc=1
    fi
  fi
  if [ "$rc" != 0 ] && [ -n "$CURRENT_STAGE" ]; then
    printf '\n==== FAILED: stage %s (exit %s) after %s ====\n' \
      "$CURRENT_STAGE" "$rc" "$(fmt_ms $(($(now_ms) - STAGE_T0)))" >&2
  fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stage NUMBER NAME FUNCTION: announce, time, and run one stage; set -e stops the run if it fails.
stage() {
  local no=$1 name=$2 dt
  CURRENT_STAGE="$no/10 $name"
  printf '\n==== [%s/10] %s ====\n' "$no" "$name"
  STAGE_T0=$(now_ms)
  "$3"
  dt=$(($(now_ms) - STAGE_T0))
  printf -- '---- [%s/10] %s: ok in %s\n' "$no" "$name" "$(fmt_ms "$dt")"
  TIMINGS+=("$(printf '%s %-22s %8s' "$no" "$name" "$(fmt_ms "$dt")")")
  CURRENT_STAGE=""
}

# skip NUMBER NAME REASON
skip() {
  printf '\n==== [%s/10] %s: SKIPPED (%s) ====\n' "$1" "$2" "$3"
  TIMINGS+=("$(printf '%s %-22s %8s  (%s)' "$1" "$2" "skipped" "$3")")
}

note() { printf 'NOTE: %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------------------
# 1. toolchain: apt packages (only when missing), the pinned venv, ansible-test's get-pip stand-in
stage_toolchain() {
  local pipv shim
  ensure_toolchain

  # ansible-test downloads get-pip-<pip version>.py for the venvs of its sanity tests; that host is not
  # reachable from CI, so put the stand-in where ansible-test looks first.
  pipv=$(python - <<'EOF'
import pathlib, re, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
EOF
)
  shim=$HOME/.ansible/test/cache/get_pip_${pipv//./_}.py
  mkdir -p "$(dirname "$shim")"
  cmp -s "$REPO/.ci/get_pip_shim.py" "$shim" || cp "$REPO/.ci/get_pip_shim.py" "$shim"
  echo "get-pip stand-in for pip $pipv: $shim"
}

# The working copy: tracked files plus untracked, non-ignored ones, and .git (ansible-test lists files with git).
make_copy() {
  local top
  CURRENT_STAGE="working copy"
  STAGE_T0=$(now_ms)
  printf '\n==== working copy: %s ====\n' "$CDIR"
  mkdir -p "$CDIR"
  top=$(git -C "$REPO" rev-parse --show-toplevel 2>/dev/null || true)
  if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$REPO" ]; then
    (
      cd "$REPO"
      git ls-files -z --cached --others --exclude-standard --deduplicate |
        while IFS= read -r -d '' f; do
          if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi # skip deleted tracked files
        done |
        tar --null --no-recursion -T - -cf - | tar -C "$CDIR" -xf -
    )
    cp -a "$REPO/.git" "$CDIR/.git"
  else
    note "$REPO is not the top of a git work tree: copying everything"
    cp -a "$REPO/." "$CDIR"
  fi
  rm -rf "$CDIR/tests/output" "$CDIR/.ansible" "$CDIR/.pytest_cache"
  echo "$(find "$CDIR" -path "$CDIR/.git" -prune -o -type f -print | wc -l) files in $(fmt_ms $(($(now_ms) - STAGE_T0)))"
  CURRENT_STAGE=""
}

# 2. real peers (upstream Glance/Keystone on 127.0.0.1), started by tests/peers
stage_peers() {
  bash tests/peers/install.sh
  PEERS_STARTED=1 # from here on, cleanup runs stop.sh even if start.sh fails half-way
  bash tests/peers/start.sh "$PEERS_DIR"
  if [ ! -s "$PEERS_DIR/peers.json" ]; then
    echo "test.sh: tests/peers/start.sh did not write $PEERS_DIR/peers.json" >&2
    return 1
  fi
  export OPENCLOUD_PEERS=$PEERS_DIR/peers.json
  echo "OPENCLOUD_PEERS=$OPENCLOUD_PEERS"
}

# MariaDB from Debian's packages, a private instance on 127.0.0.1 (for the mysql_backup role's scenarios)
start_mariadb() {
  bash tests/mariadb/install.sh
  MARIADB_STARTED=1 # from here on, cleanup runs stop.sh even if start.sh fails half-way
  bash tests/mariadb/start.sh "$WORK/mariadb"
  export OPENCLOUD_MARIADB=$WORK/mariadb/mariadb.json
  echo "OPENCLOUD_MARIADB=$OPENCLOUD_MARIADB"
}

# 8. the roles' molecule scenarios (extensions/molecule): real MariaDB, injected Windows facts, the local cloud
stage_molecule() {
  start_mariadb
  # Scenario state lives in ~/.ansible/tmp, shared by every checkout of this name: start clean.
  molecule reset --all >/dev/null 2>&1 || true
  ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS molecule test --all
}

# 3. the local cloud emulator, in the background until cleanup
stage_localcloud() {
  start_localcloud "$CDIR/tests"
  local url=$LOCALCLOUD_URL
  export OPENCLOUD_LOCALCLOUD_URL=$url
  # ansible-test does not pass the environment through to integration targets.
  mkdir -p tests/integration
  printf 'localcloud_url: "%s"\n' "$url" >tests/integration/integration_config.yml
  echo "OPENCLOUD_LOCALCLOUD_URL=$url (pid $LC_PID)"
}

# 4. ansible-test sanity, every test, and no ignore files
stage_sanity() {
  local ignores
  shopt -s nullglob
  ignores=(tests/sanity/ignore-*.txt)
  shopt -u nullglob
  if ((${#ignores[@]})); then
    echo "test.sh: sanity ignore files are not allowed here; fix the findings instead: ${ignores[*]}" >&2
    return 1
  fi
  ansible-test sanity --python "$PYV" --color no
}

# 5. ansible-test units
stage_units() {
  if [ -z "$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    note "skipped: no test_*.py under tests/unit"
    return 0
  fi
  ansible-test units --python "$PYV" --color no
}

# 6. ansible-test integration
stage_integration() {
  if [ -z "$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]; then
    note "skipped: no targets under tests/integration/targets"
    return 0
  fi
  ansible-test integration --python "$PYV" --color no
}

# 7. ansible-lint, production profile, no Galaxy
stage_lint() {
  ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS ansible-lint --offline --profile production --nocolor
}

# 9. build the tarball, install it alone, and check what a user of the installed collection gets
stage_build() {
  local tarballs modules=() fqcns=() m roles=() r
  ansible-galaxy collection build --force --output-path "$WORK/dist" "$CDIR"
  shopt -s nullglob
  tarballs=("$WORK"/dist/*.tar.gz)
  shopt -u nullglob
  if [ "${#tarballs[@]}" != 1 ]; then
    echo "test.sh: expected one tarball in $WORK/dist, found ${#tarballs[@]}" >&2
    return 1
  fi
  python - "${tarballs[0]}" <<'EOF'
import sys, tarfile
forbidden = ("tests/localcloud", "tests/peers", "tests/mariadb", "tests/contract", "tests/functional", ".ci", "scripts", "benchmarks")
with tarfile.open(sys.argv[1]) as tar:
    names = [n.removeprefix("./") for n in tar.getnames()]
bad = sorted(n for n in names if any(n == f or n.startswith(f + "/") for f in forbidden))
if bad:
    sys.exit("test.sh: the tarball ships files it must not (build_ignore in galaxy.yml):\n  " + "\n  ".join(bad))
print(f"tarball: {len(names)} entries, none under {', '.join(forbidden)}")
EOF

  # Outside the source tree, with only the installed copy on the collections path.
  (
    cd "$WORK"
    export ANSIBLE_COLLECTIONS_PATH=$WORK/inst
    ansible-galaxy collection install --no-deps -p "$WORK/inst" "${tarballs[0]}"
    for m in "$CDIR"/plugins/modules/*.py; do
      m=$(basename "$m" .py)
      if [ "$m" != __init__ ]; then
        modules+=("$m")
        fqcns+=("$NS.$NAME.$m")
      fi
    done
    if [ "${#modules[@]}" = 0 ]; then
      note "no modules in plugins/modules: nothing for ansible-doc to check"
      exit 0
    fi
    # ansible-doc exits 0 even for a module it cannot find or document, so check what it prints.
    ansible-doc --json "${fqcns[@]}" >"$WORK/doc.json"
    ansible-doc --json -l "$NS.$NAME" >"$WORK/doc-list.json"
    python - "$WORK/doc.json" "$WORK/doc-list.json" "${fqcns[@]}" <<'EOF'
import json, sys
docs = json.load(open(sys.argv[1]))
listed = json.load(open(sys.argv[2]))
problems = []
for fqcn in sys.argv[3:]:
    entry = docs.get(fqcn)
    if not entry:
        problems.append(f"{fqcn}: ansible-doc --json has no entry")
        continue
    doc = entry.get("doc") or {}
    for what, value in (("doc.description", doc.get("description")), ("doc.options", doc.get("options")),
                        ("examples", entry.get("examples")), ("return", entry.get("return"))):
        if not value or (isinstance(value, str) and not value.strip()):
            problems.append(f"{fqcn}: empty or missing {what}")
    if fqcn not in listed:
        problems.append(f"{fqcn}: not listed by ansible-doc -l")
if problems:
    sys.exit("test.sh: ansible-doc checks failed:\n  " + "\n  ".join(problems))
print(f"ansible-doc: {len(sys.argv) - 3} modules documented (description, options, examples, return) and listed")
EOF
    # Roles: ansible-doc -t role reads meta/argument_specs.yml; every role must document its variables.
    for r in "$CDIR"/roles/*/; do roles+=("$NS.$NAME.$(basename "$r")"); done
    if [ "${#roles[@]}" != 0 ]; then
      ansible-doc -t role --json "${roles[@]}" >"$WORK/roles.json"
      python - "$WORK/roles.json" "${roles[@]}" <<'EOF'
import json, sys
docs = json.load(open(sys.argv[1]))
problems = []
for fqcn in sys.argv[2:]:
    main = ((docs.get(fqcn) or {}).get("entry_points") or {}).get("main") or {}
    if not main.get("short_description") or not main.get("options"):
        problems.append(f"{fqcn}: no meta/argument_specs.yml main entry point with a description and options")
if problems:
    sys.exit("test.sh: role documentation checks failed:\n  " + "\n  ".join(problems))
print(f"ansible-doc: {len(sys.argv) - 2} roles documented (argument specs)")
EOF
    fi
  )
}

# 10. pytest: the local cloud's own tests, the contract tests, the functional tests
run_pytest() {
  local dirs=() d rc=0
  for d in tests/localcloud tests/contract tests/functional; do
    if [ -d "$d" ]; then dirs+=("$d"); fi
  done
  if [ "${#dirs[@]}" = 0 ]; then
    echo "test.sh: none of tests/localcloud, tests/contract, tests/functional exists" >&2
    return 1
  fi
  PYTHONPATH=$COLLECTIONS:$CDIR/tests:$CDIR/tests/peers ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS \
    python -m pytest -q -p no:cacheprovider -n 2 "${dirs[@]}" || rc=$?
  if [ "$rc" = 5 ]; then
    echo "test.sh: pytest collected no tests in ${dirs[*]}" >&2
  fi
  return "$rc"
}

# ---------------------------------------------------------------------------------------------------------
printf 'opencloud.images tests: %s%s\n  repo %s\n  work %s%s\n  dev home %s\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$([ "$QUICK" = 1 ] && echo ' (--quick)')" "$REPO" "$WORK" \
  "$([ "${KEEP_WORK:-0}" = 1 ] && echo ' (kept: KEEP_WORK=1)')" "$OPENCLOUD_DEV_HOME"

stage 1 toolchain stage_toolchain
make_copy
cd "$CDIR"
if [ "$QUICK" = 1 ]; then
  skip 2 "real peers" --quick
  if [ -z "${OPENCLOUD_PEERS:-}" ]; then export OPENCLOUD_SKIP_PEERS=1; fi # the peer tests skip, on purpose
  note "OPENCLOUD_PEERS=${OPENCLOUD_PEERS:-<unset>}"
else
  stage 2 "real peers" stage_peers
fi
stage 3 "local cloud" stage_localcloud
if [ "$QUICK" = 1 ]; then skip 4 sanity --quick; else stage 4 sanity stage_sanity; fi
stage 5 units stage_units
stage 6 integration stage_integration
if [ "$QUICK" = 1 ]; then skip 7 ansible-lint --quick; else stage 7 ansible-lint stage_lint; fi
stage 8 "roles (molecule)" stage_molecule
stage 9 "build, install, docs" stage_build

printf '\n==== timings ====\n'
printf '  %s\n' "${TIMINGS[@]}"
printf '  stages 1-9 took %s\n' "$(fmt_ms $(($(now_ms) - RUN_T0)))"

CURRENT_STAGE="10/10 pytest"
STAGE_T0=$(now_ms)
printf '\n==== [10/10] pytest ====\n'
run_pytest
CURRENT_STAGE=""
