# Shared by tests/peers/start.sh and tests/mariadb/start.sh (sourced, not run).
# shellcheck shell=bash

# show_log_tails LOG...: the last 25 lines of each LOG that is not empty (access logs left out), on stderr: what a
# service said before it failed to start.
show_log_tails() {
  local f
  for f in "$@"; do
    case $f in */access.log) continue ;; esac
    [ -s "$f" ] || continue
    echo "----- tail of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}
