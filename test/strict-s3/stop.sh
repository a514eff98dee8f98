#!/usr/bin/env bash
# Stop the strict-S3 cluster that start.sh started in DATA_DIR.
#
#   test/strict-s3/stop.sh DATA_DIR
#
# Kills exactly the PIDs listed in DATA_DIR/pids (never by name), gateway first
# and monitor last, waits for each to be gone, and exits 0. A PID is only
# signalled if its command line still points at DATA_DIR/ceph.conf, so a
# recycled PID belonging to something else is left alone.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DATA_DIR" >&2; exit 2; }
[[ -d "$1" ]] || exit 0 # nothing was ever started there
DATA="$(cd "$1" && pwd)"
PIDS="$DATA/pids"
[[ -f "$PIDS" ]] || exit 0
GRACE="${STRICT_S3_STOP_GRACE:-20}" # seconds before SIGKILL

ours() { # is $1 alive and still one of our daemons?
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$DATA/ceph.conf"
}

# Reverse start order: rgw, osd, mon (clients go before the servers they need).
mapfile -t entries < <(tac "$PIDS")
for entry in "${entries[@]}"; do
  read -r name pid <<<"$entry"
  ours "$pid" || continue
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + GRACE))
  while ours "$pid"; do
    if ((SECONDS >= deadline)); then
      echo "[strict-s3] $name (pid $pid) ignored SIGTERM for ${GRACE}s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 5))
    fi
    sleep 0.2
  done
done
rm -f "$PIDS"
