# Shared by tests/mariadb/*.sh and tests/postgresql/*.sh (sourced, not run): what installing, starting and stopping a
# private database server for the tests has in common.
# shellcheck shell=bash

# free_port PORT: PORT when it is given and free (else the listener holding it is shown and the script exits);
# without PORT, a free port picked at random in 20000-39999. Prints the port.
free_port() {
  local port=${1:-} candidate
  port_in_use() { ss -Htln "sport = :$1" | grep -q .; }
  if [ -n "$port" ]; then
    if port_in_use "$port"; then
      echo "start.sh: port $port is already in use:" >&2
      ss -Htlnp "sport = :$port" >&2
      exit 1
    fi
    echo "$port"
    return 0
  fi
  for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! port_in_use "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  echo "start.sh: no free port found in 20000-39999" >&2
  exit 1
}

# fresh_run_dir RUN_DIR NAME...: RUN_DIR made when missing, and printed as an absolute path; the script exits when
# RUN_DIR already holds one of the NAMEs (an earlier run that was not stopped).
fresh_run_dir() {
  local dir=$1 name
  shift
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  for name in "$@"; do
    if [ -e "$dir/$name" ]; then
      echo "start.sh: $dir already holds a run ($name); use a fresh RUN_DIR or stop.sh it" >&2
      exit 1
    fi
  done
  echo "$dir"
}

# failed MESSAGE [LOG...]: (start.sh, which sets HERE, RUN_DIR and LOG, the server's log) print the tails of those
# logs (default: LOG) and stop the server with stop.sh RUN_DIR; exit 1. Uses show_log_tails (scripts/logs.sh).
failed() {
  echo "start.sh: FAILED: $1" >&2
  shift
  show_log_tails "${@:-$LOG}"
  bash "$HERE/stop.sh" "$RUN_DIR" >&2 || true
  exit 1
}

# stop_server_by_pid PID_FILE SIGNAL TIMEOUT NAME IS_OURS: the server whose pid PID_FILE holds gets SIGNAL, and
# SIGKILL when it still runs TIMEOUT seconds later; IS_OURS PID (a function) says whether the pid is still the server of
# this run (a recycled pid is left alone). PID_FILE is removed. Nothing to do without PID_FILE.
stop_server_by_pid() {
  local pid_file=$1 signal=$2 timeout=$3 name=$4 is_ours=$5 pid deadline
  [ -f "$pid_file" ] || return 0
  pid=$(cat "$pid_file")
  if ! "$is_ours" "$pid"; then
    rm -f "$pid_file"
    return 0
  fi
  kill "-$signal" "$pid" 2>/dev/null
  deadline=$((SECONDS + timeout))
  while "$is_ours" "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if "$is_ours" "$pid"; then
    echo "stop.sh: $name (pid $pid) still running ${timeout}s after $signal; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
    while "$is_ours" "$pid"; do sleep 0.1; done
  fi
  # reap it when this shell is its parent (start.sh's failure path)
  wait "$pid" 2>/dev/null
  rm -f "$pid_file"
  echo "stopped $name (pid $pid)"
}

# install_packages_without_starting NAME PACKAGE...: apt_install (scripts/installs.sh) the packages, as root or
# through sudo -n; apt_install keeps their postinst from starting a system server (the tests run private ones).
install_packages_without_starting() {
  local name=$1 log status=0
  shift
  log=$(mktemp "${TMPDIR:-/tmp}/$name-install.XXXXXX")
  echo "apt-get install $*"
  apt_install "$log" "$@" || status=$?
  rm -f "$log"
  return "$status"
}
