#!/usr/bin/env bash
# The test command of opencloud.images: `bash scripts/test.sh`. CI runs the same thing through .ci/run.
#
#   bash scripts/test.sh            every stage (what CI runs)
#   bash scripts/test.sh --quick    skip the real peers of stage 2, stages 4 (ansible-test sanity) and 8
#                                   (ansible-lint), and the sanity half of 6, for fast local iteration; not a
#                                   substitute for a full run
#
# Meant for a fresh Debian 12 machine, run as root (or as a user with passwordless sudo). It installs what it needs
# (README.md lists it): missing apt packages, and the Python venvs from their full locks (tests/requirements-dev.txt,
# -tools.txt, -core2.21-py3.12.txt and tests/peers/*.txt, made by scripts/lock.sh; installed without resolution and
# rebuilt only when a lock or an interpreter changes), under OPENCLOUD_DEV_HOME, and ansible-test's offline get-pip
# stand-in (.ci/get_pip_shim.py). Every stage runs with an empty HOME of this run's own (not the passwd home), and the
# caller's HOME must gain nothing but the dev home. It copies the working tree (tracked files plus untracked files
# that are not ignored, plus .git) to $WORK/collections/ansible_collections/<namespace>/<name>, WORK being a fresh
# temporary directory, and runs every stage from that copy:
#   1 toolchain   2 services: real peers, MariaDB and PostgreSQL (installed and started in the background from the start)
#   3 local cloud
#   4 sanity   5 units (4 and 5: ansible-core 2.19, Python 3.11)   6 sanity + units on ansible-core 2.21, Python 3.12
#   7 integration (every module and role has a target)   8 ansible-lint   9 roles (molecule scenarios, MariaDB)
#   10 build, what it ships (tests/tools/check_artifact.py), install,
#      ansible-doc, the playbooks by name, the shipped unit tests in the installed copy
#   11 release: changelog fragments and a trial release, reproducible build, the reference docs (docs/build.sh)
#   12 pytest (the AWX, execution-environment and pre-deploy hook tests use the tools venv through OPENCLOUD_TOOLS_BIN)
# Stages that do not depend on each other run at once, in lanes (their output shown whole as each lane ends):
# 4 | 6 | 5 then 7, then 9 | 8, 10, 11 | 12. Each stage's time is printed, and a table of them at the end.
# It stops at the first failing stage and always cleans up: stops the local cloud, the peers and MariaDB,
# removes WORK.
#
# Environment:
#   OPENCLOUD_DEV_HOME  long-lived installs (venvs, peers); default $HOME/.cache/opencloud-images-dev
#   KEEP_WORK=1         keep WORK (the copy, logs, the built tarball) after the run
#   PYTHON              interpreter for the venv; default python3.11
#   PYTHON312           Python 3.12 for stage 6; default python3.12 on PATH, else pyenv's newest 3.12
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
# Every stage runs with an empty HOME of this run's own (not the passwd home, as in CI containers), so that nothing can
# depend on what the user's home holds nor leave anything there; ansible-test alone has a HOME in the dev home
# (ANSIBLE_TEST_HOME), for its venvs. check_user_home then checks that the caller's HOME gained nothing but the dev home.
USER_HOME=$HOME
if [ -z "${PYENV_ROOT:-}" ] && [ -d "$USER_HOME/.pyenv" ]; then export PYENV_ROOT=$USER_HOME/.pyenv; fi # find_python
export HOME=$WORK/home
mkdir -p "$HOME"
touch "$WORK/started"
COLLECTIONS=$WORK/collections
CDIR=$COLLECTIONS/ansible_collections/$NS/$NAME
# Stages 4 and 6 run their ansible-test in copies of their own, beside the ansible-test of stages 5 and 7 in CDIR
# (ansible-test keeps its state in the tree).
SANITY_DIR=$WORK/sanity/ansible_collections/$NS/$NAME
CORE2_DIR=$WORK/core$CORE2/ansible_collections/$NS/$NAME
PEERS_DIR=$WORK/peers
LC_PID=""
MARIADB_PID=""
POSTGRESQL_PID=""
PEERS_PID=""
SERVICES_T0=0
PEERS_STARTED=0
DB_SERVERS_STARTED="" # the private database servers whose stop.sh cleanup runs
CURRENT_STAGE=""
STAGE_T0=0
STAGES=12
TIMINGS=$WORK/stage-times # one line per stage that ended, appended by stage() and skip() (also from lanes)

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
  # a service still starting in the background ends first (its start script stops what it started if it fails)
  for i in $MARIADB_PID $POSTGRESQL_PID $PEERS_PID; do wait "$i" 2>/dev/null; done
  for i in $DB_SERVERS_STARTED; do
    if ! out=$(bash "$CDIR/tests/$i/stop.sh" "$WORK/$i" 2>&1); then
      printf 'test.sh: tests/%s/stop.sh %s failed:\n%s\n' "$i" "$WORK/$i" "$out" >&2
      [ "$rc" = 0 ] && rc=1
    fi
  done
  if [ "$PEERS_STARTED" = 1 ]; then
    if ! out=$(bash "$CDIR/tests/peers/stop.sh" "$PEERS_DIR" 2>&1); then
      printf 'test.sh: tests/peers/stop.sh %s failed:\n%s\n' "$PEERS_DIR" "$out" >&2
      [ "$rc" = 0 ] && rc=1
    fi
  fi
  if [ -s "$TIMINGS" ]; then
    printf '\n==== stage times (stages in lanes ran at once) ====\n'
    sort -n "$TIMINGS" | sed 's/^/  /'
    printf '  %s in all\n' "$(fmt_ms $(($(now_ms) - RUN_T0)))"
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
  CURRENT_STAGE="$no/$STAGES $name"
  printf '\n==== [%s/%s] %s ====\n' "$no" "$STAGES" "$name"
  STAGE_T0=$(now_ms)
  "$3"
  dt=$(($(now_ms) - STAGE_T0))
  printf -- '---- [%s/%s] %s: ok in %s\n' "$no" "$STAGES" "$name" "$(fmt_ms "$dt")"
  printf '%2s %-26s %8s\n' "$no" "$name" "$(fmt_ms "$dt")" >>"$TIMINGS"
  CURRENT_STAGE=""
}

# skip NUMBER NAME REASON
skip() {
  printf '\n==== [%s/%s] %s: SKIPPED (%s) ====\n' "$1" "$STAGES" "$2" "$3"
  printf '%2s %-26s %8s  (%s)\n' "$1" "$2" "skipped" "$3" >>"$TIMINGS"
}

# lanes LANE...: the lanes at once, each a list of stages run one after the other, "NO:NAME:FUNCTION;NO:NAME:FUNCTION".
# Each lane is a subshell (so a stage in a lane must not set anything the later stages need) with its output in
# WORK/lane-N.log, shown whole when it ends, in lane order. After every lane has ended, the run stops if one failed,
# naming the stage that did.
lanes() {
  local i spec pids=() failed="" banner=()
  for i in $(seq $#); do
    spec=${!i}
    (
      trap '[ $? = 0 ] || echo "$CURRENT_STAGE" >"$WORK/lane-$i.failed"' EXIT
      IFS=';' read -r -a steps <<<"$spec"
      for step in "${steps[@]}"; do
        IFS=: read -r no name fn <<<"$step"
        stage "$no" "$name" "$fn"
      done
    ) >"$WORK/lane-$i.log" 2>&1 &
    pids+=($!)
  done
  for spec in "$@"; do banner+=("$(tr ';' '\n' <<<"$spec" | cut -d: -f2 | paste -sd, -)"); done
  printf '\n==== at once: %s ====\n' "$(IFS='|' && echo "${banner[*]}")"
  STAGE_T0=$(now_ms)
  for i in $(seq $#); do
    wait "${pids[$((i - 1))]}" || failed=${failed:-$(cat "$WORK/lane-$i.failed" 2>/dev/null || echo "lane $i")}
    cat "$WORK/lane-$i.log"
  done
  if [ -n "$failed" ]; then
    CURRENT_STAGE=$failed
    return 1
  fi
}

note() { printf 'NOTE: %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------------------
# 1. toolchain: apt packages (only when missing), the pinned venvs, ansible-test's get-pip stand-ins
stage_toolchain() {
  ensure_toolchain
  ensure_test_packages
  ensure_extra_venvs
  get_pip_shim python
  get_pip_shim "$CORE2_VENV/bin/python"
  export OPENCLOUD_TOOLS_BIN=$TOOLS_VENV/bin # for the AWX and execution-environment tests
}

# The Debian packages only the tests use (the services' own: tests/peers, tests/mariadb, tests/postgresql install.sh).
ensure_test_packages() {
  local pkgs=()
  # tests/functional/test_realistic_timing.py runs the modules under a faster clock
  compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || pkgs+=(libfaketime)
  # the local cloud's guests: a real sshd per server, and ssh/ssh-keygen for image_verify's SSH check
  [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null || pkgs+=(openssh-server openssh-client)
  if ((${#pkgs[@]})); then
    echo "apt-get install ${pkgs[*]}"
    apt_install "$WORK/apt-tests.log" "${pkgs[@]}"
  else
    echo "apt: nothing to install for the tests (libfaketime, sshd, ssh-keygen present)"
  fi
}

# copy_tree DEST: tracked files plus untracked, non-ignored ones, and .git (ansible-test lists files with git).
copy_tree() {
  local dest=$1 top
  mkdir -p "$dest"
  top=$(git -C "$REPO" rev-parse --show-toplevel 2>/dev/null || true)
  if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$REPO" ]; then
    (
      cd "$REPO"
      git ls-files -z --cached --others --exclude-standard --deduplicate |
        while IFS= read -r -d '' f; do
          if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi # skip deleted tracked files
        done |
        tar --null --no-recursion -T - -cf - | tar -C "$dest" -xf -
    )
    cp -a "$REPO/.git" "$dest/.git"
  else
    note "$REPO is not the top of a git work tree: copying everything"
    cp -a "$REPO/." "$dest"
  fi
  rm -rf "$dest/tests/output" "$dest/.ansible" "$dest/.pytest_cache"
}

# The working copy that every stage runs in, and a snapshot of it as it was before any stage (WORK/pristine.tar).
make_copy() {
  CURRENT_STAGE="working copy"
  STAGE_T0=$(now_ms)
  printf '\n==== working copy: %s ====\n' "$CDIR"
  copy_tree "$CDIR"
  copy_tree "$SANITY_DIR"
  copy_tree "$CORE2_DIR"
  tar -C "$CDIR" --exclude=./.git -cf "$WORK/pristine.tar" .
  echo "$(find "$CDIR" -path "$CDIR/.git" -prune -o -type f -print | wc -l) files in $(fmt_ms $(($(now_ms) - STAGE_T0)))"
  CURRENT_STAGE=""
}

# 2. the services: the real peers (upstream Glance, Keystone and Swift on 127.0.0.1, tests/peers; not with --quick), a
# private MariaDB and a private PostgreSQL from Debian's packages on 127.0.0.1 (tests/mariadb, tests/postgresql, for the
# roles' integration targets), installed and started in the background while the stages that need none run;
# stage_services waits for them.
start_services() {
  # from here on, cleanup runs the stop scripts even if a start fails half-way
  DB_SERVERS_STARTED="mariadb postgresql"
  export OPENCLOUD_MARIADB=$WORK/mariadb/mariadb.json
  { bash tests/mariadb/install.sh && bash tests/mariadb/start.sh "$WORK/mariadb" && now_ms >"$WORK/mariadb.ready"; } \
    >"$WORK/mariadb.log" 2>&1 &
  MARIADB_PID=$!
  export OPENCLOUD_POSTGRESQL=$WORK/postgresql/postgresql.json
  { bash tests/postgresql/install.sh && bash tests/postgresql/start.sh "$WORK/postgresql" && now_ms >"$WORK/postgresql.ready"; } \
    >"$WORK/postgresql.log" 2>&1 &
  POSTGRESQL_PID=$!
  if [ "$QUICK" = 1 ]; then
    if [ -z "${OPENCLOUD_PEERS:-}" ]; then export OPENCLOUD_SKIP_PEERS=1; fi # the peer tests skip, on purpose
    note "--quick: no real peers; OPENCLOUD_PEERS=${OPENCLOUD_PEERS:-<unset>}"
    return 0
  fi
  PEERS_STARTED=1
  export OPENCLOUD_PEERS=$PEERS_DIR/peers.json
  { bash tests/peers/install.sh && bash tests/peers/start.sh "$PEERS_DIR" && now_ms >"$WORK/peers.ready"; } \
    >"$WORK/peers.log" 2>&1 &
  PEERS_PID=$!
}
# await_service NAME: NAME (mariadb, postgresql, peers) is up, from a lane too (which cannot `wait` for the parent's jobs); a start
# that failed fails here, with its log.
await_service() {
  local pid
  case $1 in
    mariadb) pid=$MARIADB_PID ;;
    postgresql) pid=$POSTGRESQL_PID ;;
    *) pid=$PEERS_PID ;;
  esac
  while [ ! -e "$WORK/$1.ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null && [ ! -e "$WORK/$1.ready" ]; then
      cat "$WORK/$1.log" >&2
      echo "test.sh: $1 did not start (above)" >&2
      return 1
    fi
    sleep 0.5
  done
}

stage_services() {
  local failed=0 ready
  wait "$MARIADB_PID" || failed=1
  cat "$WORK/mariadb.log"
  echo "OPENCLOUD_MARIADB=$OPENCLOUD_MARIADB"
  wait "$POSTGRESQL_PID" || failed=1
  cat "$WORK/postgresql.log"
  echo "OPENCLOUD_POSTGRESQL=$OPENCLOUD_POSTGRESQL"
  if [ -n "$PEERS_PID" ]; then
    wait "$PEERS_PID" || failed=1
    cat "$WORK/peers.log"
    echo "OPENCLOUD_PEERS=$OPENCLOUD_PEERS"
  fi
  if [ "$failed" = 1 ]; then
    echo "test.sh: a service did not start (above)" >&2
    return 1
  fi
  ready=$(cat "$WORK"/*.ready | sort -n | tail -n 1)
  echo "ready $(fmt_ms $((ready - SERVICES_T0))) after they were started (in the background)"
  printf '%2s %-26s %8s\n' 2 "services (in background)" "$(fmt_ms $((ready - SERVICES_T0)))" >>"$TIMINGS"
}

# 9. the roles' molecule scenarios (extensions/molecule): real MariaDB, injected Windows facts, the local cloud
stage_molecule() {
  NO_COLOR=1 ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS molecule test --all
}

# 3. the local cloud emulator, in the background until cleanup
stage_localcloud() {
  start_localcloud "$CDIR/tests"
  local url=$LOCALCLOUD_URL
  export OPENCLOUD_LOCALCLOUD_URL=$url
  mkdir -p tests/integration
  printf 'localcloud_url: "%s"\n' "$url" >tests/integration/integration_config.yml
  echo "OPENCLOUD_LOCALCLOUD_URL=$url (pid $LC_PID)"
}

# 4. ansible-test sanity, every test, and no ignore files
stage_sanity() { (cd "$SANITY_DIR" && stage_sanity_with "$PYV"); }
stage_sanity_with() {
  local ignores
  shopt -s nullglob
  ignores=(tests/sanity/ignore-*.txt)
  shopt -u nullglob
  if ((${#ignores[@]})); then
    echo "test.sh: sanity ignore files are not allowed here; fix the findings instead: ${ignores[*]}" >&2
    return 1
  fi
  HOME=$ANSIBLE_TEST_HOME ansible-test sanity --python "$1" --color no
}

# 5. ansible-test units
stage_units() {
  if [ -z "$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    note "skipped: no test_*.py under tests/unit"
    return 0
  fi
  ansible-test units --python "$PYV" --color no
}

# 6. the second ansible-core line (the newest for Python 3.12): sanity (not with --quick) and units, in its venv and
# its copy of the tree
stage_core2() {
  (
    cd "$CORE2_DIR"
    VIRTUAL_ENV=$CORE2_VENV PATH=$CORE2_VENV/bin:$PATH core2_tests
  )
}
core2_tests() {
  ansible --version | sed -n 1p
  if [ "$QUICK" = 1 ]; then
    note "--quick: no sanity on ansible-core $CORE2"
  else
    stage_sanity_with "$PYV2"
  fi
  ansible-test units --python "$PYV2" --color no
}

# 7. ansible-test integration
# (ansible-test does not pass the environment through to the targets: integration_config.yml does, with the local
# cloud of stage 3, and the MariaDB and PostgreSQL of stage 2 for role_mysql_backup and role_postgresql_backup.)
stage_integration() {
  await_service mariadb
  await_service postgresql
  printf 'opencloud_mariadb: "%s"\nopencloud_postgresql: "%s"\n' "$OPENCLOUD_MARIADB" "$OPENCLOUD_POSTGRESQL" \
    >>tests/integration/integration_config.yml
  ansible-test integration --python "$PYV" --color no
}

# 8. ansible-lint, production profile, no Galaxy
stage_lint() {
  ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS ansible-lint --offline --profile production --nocolor
}

# 10. build the tarball, install it alone, and check what a user of the installed collection gets
stage_build() {
  local tarballs
  ansible-galaxy collection build --force --output-path "$WORK/dist" "$CDIR"
  shopt -s nullglob
  tarballs=("$WORK"/dist/*.tar.gz)
  shopt -u nullglob
  if [ "${#tarballs[@]}" != 1 ]; then
    echo "test.sh: expected one tarball in $WORK/dist, found ${#tarballs[@]}" >&2
    return 1
  fi
  python tests/tools/check_artifact.py "${tarballs[0]}"
  # What a user gets, outside the source tree, with only the installed copy on the collections path: the
  # documentation, the playbooks by their full names (as docs/README.md and README.md tell), and the unit tests it
  # ships running with nothing but what it ships.
  (
    cd "$WORK"
    export ANSIBLE_COLLECTIONS_PATH=$WORK/inst
    ansible-galaxy collection install --no-deps -p "$WORK/inst" "${tarballs[0]}"
    python "$CDIR/tests/tools/check_docs.py" "$NS.$NAME" "$CDIR"
    for playbook in "$CDIR"/playbooks/*.yml; do
      ansible-playbook -i localhost, --syntax-check "$NS.$NAME.$(basename "$playbook" .yml)" >/dev/null
    done
    echo "playbooks: every one found by its full name in the installed collection"
    cd "$WORK/inst/ansible_collections/$NS/$NAME"
    ansible-test units --python "$PYV" --color no
  )
}

# 11. release hygiene: the changelog, a reproducible artifact, the reference docs (with the tools venv)
stage_release() {
  PATH=$TOOLS_VENV/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS release_checks
}
release_checks() {
  check_changelog
  check_reproducible_build
  bash docs/build.sh "$WORK/reference"
}

# The fragments lint; galaxy.yml's version is a release; a trial release (in a copy) of that version works and its
# changelog names every module, role and playbook; CHANGELOG.md is what antsibull-changelog generates.
check_changelog() {
  local version trial=$WORK/changelog-trial/ansible_collections/$NS/$NAME
  antsibull-changelog lint
  antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
  version=$(galaxy_version)
  if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "test.sh: galaxy.yml's version '$version' is not a release version (X.Y.Z)" >&2
    return 1
  fi
  pristine_copy "$trial"
  ANSIBLE_COLLECTIONS_PATH=$WORK/changelog-trial trial_release "$trial" "$version"
}

# trial_release DIR VERSION: in a copy, release VERSION (or regenerate CHANGELOG.md when it is released already), then
# check that the changelog names every module, role and playbook.
trial_release() {
  local version=$2
  (
    cd "$1"
    if python "$CDIR/tests/tools/check_changelog.py" released "$version"; then
      antsibull-changelog generate
      git diff --no-index --exit-code "$CDIR/CHANGELOG.md" CHANGELOG.md ||
        {
          echo "test.sh: CHANGELOG.md is not what antsibull-changelog generates; run it (docs/releasing.md)" >&2
          return 1
        }
    else
      antsibull-changelog release --version "$version" >"$WORK/changelog-trial.log" 2>&1 ||
        {
          cat "$WORK/changelog-trial.log" >&2
          return 1
        }
    fi
    python "$CDIR/tests/tools/check_changelog.py" names "$version"
  )
}

galaxy_version() { sed -n "s/^version:[[:space:]]*[\"']\{0,1\}\([^\"' ]*\).*/\1/p" "$CDIR/galaxy.yml"; }

pristine_copy() {
  mkdir -p "$1"
  tar -C "$1" -xf "$WORK/pristine.tar"
}

# A build of the working copy after every earlier stage ran in it holds the same files as one of the copy as it was
# before (tests/tools/compare_builds.py).
check_reproducible_build() {
  local fresh=$WORK/fresh/ansible_collections/$NS/$NAME
  pristine_copy "$fresh"
  ansible-galaxy collection build --force --output-path "$WORK/build-a" "$CDIR" >/dev/null
  ansible-galaxy collection build --force --output-path "$WORK/build-b" "$fresh" >/dev/null
  python tests/tools/compare_builds.py "$WORK"/build-a/*.tar.gz "$WORK"/build-b/*.tar.gz
}

# 12. pytest: the local cloud's own tests, the contract tests, the functional tests, the fault matrix. 4 workers on 2
# cores: the tests wait (on ansible-playbook runs, Retry-After, slow answers) about as much as they compute. The 20
# slowest tests are listed at the end, to see where the time goes.
run_pytest() {
  local dirs=() d rc=0
  for d in tests/localcloud tests/contract tests/functional tests/reliability; do
    if [ -d "$d" ]; then dirs+=("$d"); fi
  done
  if [ "${#dirs[@]}" = 0 ]; then
    echo "test.sh: none of tests/localcloud, tests/contract, tests/functional, tests/reliability exists" >&2
    return 1
  fi
  PYTHONPATH=$COLLECTIONS:$CDIR/tests:$CDIR/tests/peers ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS \
    python -m pytest -q -p no:cacheprovider -n 4 --durations=20 "${dirs[@]}" || rc=$?
  if [ "$rc" = 5 ]; then
    echo "test.sh: pytest collected no tests in ${dirs[*]}" >&2
  fi
  return "$rc"
}

# The caller's HOME gained nothing during the run but the dev home (every stage had a HOME of its own): a path a
# tool derived from the passwd home, or an install outside the dev home, shows up here.
check_user_home() {
  local new kept=(-path "$OPENCLOUD_DEV_HOME")
  if [ ! -d "$USER_HOME" ]; then # a HOME that does not exist (as some CI runners give) gained nothing either
    echo "$USER_HOME: does not exist, so nothing was written there"
    return 0
  fi
  if [ -n "${PYENV_ROOT:-}" ]; then kept+=(-o -path "$PYENV_ROOT"); fi # the interpreters' own files
  new=$(find "$USER_HOME" -xdev -mindepth 1 \( "${kept[@]}" \) -prune -o -newer "$WORK/started" ! -type d -print 2>/dev/null |
    head -20)
  if [ -n "$new" ]; then
    printf 'test.sh: the run wrote into %s (outside the dev home %s):\n%s\n' "$USER_HOME" "$OPENCLOUD_DEV_HOME" "$new" >&2
    return 1
  fi
  echo "$USER_HOME: nothing new but the dev home"
}

# ---------------------------------------------------------------------------------------------------------
printf 'opencloud.images tests: %s%s\n  repo %s\n  work %s%s\n  dev home %s\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$([ "$QUICK" = 1 ] && echo ' (--quick)')" "$REPO" "$WORK" \
  "$([ "${KEEP_WORK:-0}" = 1 ] && echo ' (kept: KEEP_WORK=1)')" "$OPENCLOUD_DEV_HOME"

make_copy
cd "$CDIR"
SERVICES_T0=$(now_ms)
start_services # they need nothing of stage 1, which they overlap on a fresh machine
stage 1 toolchain stage_toolchain
stage 3 "local cloud" stage_localcloud
# What needs neither the peers nor each other runs at once: sanity on both ansible-core lines beside units and
# integration; then the roles beside lint, the build and the release checks, and beside pytest.
if [ "$QUICK" = 1 ]; then
  skip 4 sanity --quick
  lanes "6:ansible-core $CORE2 (py$PYV2):stage_core2" "5:units:stage_units;7:integration:stage_integration"
else
  lanes "4:sanity:stage_sanity" "6:ansible-core $CORE2 (py$PYV2):stage_core2" \
    "5:units:stage_units;7:integration:stage_integration"
fi
stage 2 "services (waited for)" stage_services
if [ "$QUICK" = 1 ]; then
  skip 8 ansible-lint --quick
  lanes "9:roles (molecule):stage_molecule" "10:build, install, docs:stage_build;11:release, reference:stage_release" \
    "12:pytest:run_pytest"
else
  lanes "9:roles (molecule):stage_molecule" \
    "8:ansible-lint:stage_lint;10:build, install, docs:stage_build;11:release, reference:stage_release" \
    "12:pytest:run_pytest"
fi
check_user_home
