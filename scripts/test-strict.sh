#!/usr/bin/env bash
# The strict S3 tier (docs/decisions/002-strict-s3-tier.md): the S3 conformance suite and the
# app's integration suite with the app's S3 pointed at Ceph RADOS Gateway instead of s3rver.
#
#   npm run test:strict [-- <vitest args>]
#
# Starts one throwaway RGW for the whole run (test/strict-s3/start.sh) and always stops it, unless
# STRICT_S3_ENDPOINT is already set: then that server is used and left alone (with
# STRICT_S3_ACCESS_KEY_ID / STRICT_S3_SECRET_ACCESS_KEY, default the start.sh keys).
# Exits with vitest's exit code (or start.sh's, when RGW does not come up).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "[test:strict +${SECONDS}s] $*" >&2; }

if [[ -z "${STRICT_S3_ENDPOINT:-}" ]]; then
  DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/evergate-strict-s3.XXXXXX")"
  cleanup() {
    local rc=$?
    log "stopping RGW ($DATA_DIR)"
    test/strict-s3/stop.sh "$DATA_DIR" >&2 || true
    rm -rf "$DATA_DIR"
    exit "$rc"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # A free S3 port from 7480 up, so parallel runs (other checkouts, a dev's own RGW) coexist.
  port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  PORT=""
  for p in $(seq 7480 7579); do
    port_busy "$p" || { PORT=$p; break; }
  done
  [[ -n "$PORT" ]] || { log "no free port in 7480-7579"; exit 1; }

  log "starting RGW on 127.0.0.1:$PORT in $DATA_DIR"
  started="$(test/strict-s3/start.sh "$DATA_DIR" "$PORT")"
  STRICT_S3_ENDPOINT="$(sed -n 's/^S3_ENDPOINT=//p' <<<"$started")"
  STRICT_S3_ACCESS_KEY_ID="$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' <<<"$started")"
  STRICT_S3_SECRET_ACCESS_KEY="$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' <<<"$started")"
  [[ -n "$STRICT_S3_ENDPOINT" ]] || { log "start.sh printed no S3_ENDPOINT"; exit 1; }
else
  log "using the S3 server already at $STRICT_S3_ENDPOINT"
fi
export STRICT_S3_ENDPOINT
export STRICT_S3_ACCESS_KEY_ID="${STRICT_S3_ACCESS_KEY_ID:-evergate-strict}"
export STRICT_S3_SECRET_ACCESS_KEY="${STRICT_S3_SECRET_ACCESS_KEY:-evergate-strict-secret}"

log "vitest (strict config) against $STRICT_S3_ENDPOINT"
# In the background so a signal to this script is handled at once (bash defers traps while a
# foreground child runs). It is passed on as SIGTERM (a background job ignores SIGINT), and the
# EXIT trap then stops RGW.
node_modules/.bin/vitest run --config vitest.strict.config.ts "$@" &
VITEST=$!
trap 'kill -TERM "$VITEST" 2>/dev/null; wait "$VITEST"; exit 130' INT
trap 'kill -TERM "$VITEST" 2>/dev/null; wait "$VITEST"; exit 143' TERM
status=0
wait "$VITEST" || status=$?
log "vitest exited $status"
exit "$status"
