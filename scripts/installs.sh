# What the test and demo scripts install, and how (sourced, not run, by scripts/common.sh, scripts/lock.sh,
# tests/peers/install.sh and tests/mariadb/install.sh): Debian packages, and Python environments from full locks.
#
# Every venv the tests and the demo build has two files: NAME.in, the packages asked for (top-level pins, edited
# by hand), and NAME.txt, its full lock (every package with its exact version, transitive ones included), written
# by `bash scripts/lock.sh NAME.in` from a clean venv and never edited by hand. A venv is installed from the lock
# with `pip install --no-deps` and then `pip check`: no resolution happens, so a fresh machine gets exactly the
# packages that were locked, and a lock that misses a dependency fails the install instead of pulling in whatever
# is newest. Upgrading is an explicit act: edit the .in file, run scripts/lock.sh, commit both.
# shellcheck shell=bash

# apt_install LOG PACKAGE...: apt-get install, as root or through `sudo -n`; apt's output goes to LOG, and is shown
# when it fails. One at a time (the scripts install in parallel; apt-get would fail on dpkg's lock). No package may
# start a system service while it installs (MariaDB, PostgreSQL, sshd, memcached: the tests run private ones, and
# there is no systemd here): when the machine has no /usr/sbin/policy-rc.d, a temporary one that denies every
# start is in place during the install.
apt_install() {
  local log=$1 sudo=() lockfd policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  shift
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "need root (or sudo) to install: $*" >&2
      return 1
    fi
    sudo=(sudo -n)
  fi
  exec {lockfd}>"${TMPDIR:-/tmp}/opencloud-images-apt.lock"
  flock "$lockfd"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from scripts/installs.sh apt_install: no service starts during the install\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 0755 "$policy" && made_policy=1
  fi
  {
    "${sudo[@]}" apt-get update -qq &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  } >"$log" 2>&1 || rc=$?
  if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
  exec {lockfd}>&-
  if [ "$rc" != 0 ]; then
    cat "$log" >&2
    echo "apt-get install $* failed (log: $log)" >&2
    return 1
  fi
}

# lock_input_sha256 IN: what a lock of IN records as its input (the hash of the .in file).
lock_input_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# lock_python_version IN: the Python version IN is locked for (its '# python: X.Y' line).
lock_python_version() { sed -n 's/^# python: \([0-9.]*\)$/\1/p' "$1"; }

# check_lock LOCK: the lock is current for its .in file (else say how to make it so).
check_lock() {
  local lock=$1 input=${1%.txt}.in recorded
  if [ ! -f "$lock" ] || [ ! -f "$input" ]; then
    echo "no lock $lock for $input: run bash scripts/lock.sh $input" >&2
    return 1
  fi
  recorded=$(sed -n 's/^# input-sha256: \([0-9a-f]*\)$/\1/p' "$lock")
  if [ "$recorded" != "$(lock_input_sha256 "$input")" ]; then
    echo "$input changed since $lock was made: run bash scripts/lock.sh $input and commit both" >&2
    return 1
  fi
}

# venv_from_lock VENV PYTHON LOCK: VENV holds exactly the packages of LOCK, on PYTHON. Kept as it is when it was
# built from the same lock and interpreter (the stamp VENV/.lock.sha256 holds the hash of both, written last, so a
# half-built venv never looks current); rebuilt from scratch otherwise. One builder at a time per venv. pip's
# output goes to VENV.pip.log, shown when it fails.
venv_from_lock() {
  local venv=$1 python=$2 lock=$3 want rc=0 t0=$SECONDS
  check_lock "$lock" || return 1
  # the base interpreter, not a venv's (maybe this very venv's, first on PATH): the stamp then names the same
  # interpreter whichever PATH found it, and the venv is never rebuilt by its own python
  python=$("$python" -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))') ||
    return 1
  want=$({
    cat "$lock"
    "$python" -c 'import sys; print(sys.version, sys.executable)'
  } | sha256sum | cut -d' ' -f1)
  mkdir -p "$(dirname "$venv")"
  exec {lockfd}>"$(dirname "$venv")/.$(basename "$venv").lock"
  flock "$lockfd"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '' 2>/dev/null &&
    [ "$(cat "$venv/.lock.sha256" 2>/dev/null)" = "$want" ]; then
    echo "venv up to date: $venv"
  else
    echo "building venv: $venv (from $lock, no resolution; $(grep -vc '^#' "$lock") packages, pip's output in $venv.pip.log)"
    rm -rf "$venv"
    if {
      "$python" -m venv "$venv" &&
        "$venv/bin/python" -m pip install --no-input --no-deps -r "$lock" &&
        "$venv/bin/python" -m pip check
    } >"$venv.pip.log" 2>&1; then
      echo "$want" >"$venv/.lock.sha256"
      echo "built $venv in $((SECONDS - t0)) s"
    else
      cat "$venv.pip.log" >&2
      echo "building $venv from $lock failed (log: $venv.pip.log)" >&2
      rc=1
    fi
  fi
  exec {lockfd}>&-
  return "$rc"
}

# find_python VERSION [FIRST]: the path of a Python VERSION (X.Y) interpreter with venv and ensurepip: FIRST when
# given and it is one, else pythonVERSION on PATH when it runs (a pyenv shim may not), else one of pyenv's VERSION.*
# (Debian 12 has python3.11 only; 3.12 comes from pyenv or FIRST).
find_python() {
  local version=$1 candidate
  for candidate in "${2:-}" "python$version" "${PYENV_ROOT:-$HOME/.pyenv}/versions/$version".*/bin/"python$version"; do
    if [ -n "$candidate" ] &&
      "$candidate" -c 'import sys, venv, ensurepip; assert "%d.%d" % sys.version_info[:2] == sys.argv[1]' "$version" 2>/dev/null; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  echo "no Python $version found (python$version on PATH, pyenv's versions${2:+, $2})" >&2
  return 1
}
