#!/usr/bin/env bash
# `npm run faults [-- --quick]`: the fault suite (bench/faults/run.ts) on a stack of its own
# (.stack/faults, ports 263xx, small seed) with two processes per function; tears down what it
# started. Writes bench/results/faults-*.{json,md} (--quick: bench/results/tmp/).
#
#   --quick   a few seconds per fault, shorter deadline (2 s) and replay interval (0.5 s) and
#             breaker (1 s) so that every bound is crossed quickly; `npm test` runs it. The cache's
#             staleness bound is the default's (CACHE_STALE_BOUND_MS, 1 s) in both modes.
#   FAULTS_USE_RUNNING_STACK=1  use the stack whose env is exported (as scripts/test.sh does);
#             its gateway is replaced by the suite's own for the run and started again after.
# Exits non-zero when a property fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DENO="$ROOT/node_modules/.bin/deno"
QUICK=0
for arg in "$@"; do [ "$arg" = --quick ] && QUICK=1; done
log() { printf '[faults.sh] %s\n' "$*" >&2; }

[ -x "$DENO" ] || npm install --no-audit --no-fund --loglevel=error >/dev/null
if [ $QUICK = 1 ]; then
  export REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS:-2000}
  export CACHE_REPLAY_INTERVAL_MS=${CACHE_REPLAY_INTERVAL_MS:-500}
  # An L2 breaker that reopens to reads after 1 s (not 10): a missed invalidation would show
  # within the probe's short watch.
  export CACHE_BREAKER_OPEN_MS=${CACHE_BREAKER_OPEN_MS:-1000}
fi

# The load comes from one user (or a few) on one IP: limits that high still run the limiter (its
# cost is in the figures) but never refuse the load.
export RATE_LIMIT_WRITES=${RATE_LIMIT_WRITES:-1000000/10s}
export RATE_LIMIT_EXPENSIVE=${RATE_LIMIT_EXPENSIVE:-1000000/10s}
export RATE_LIMIT_PER_IP=${RATE_LIMIT_PER_IP:-1000000/10s}

run_suite() {
  "$DENO" run -A --config "$ROOT/deno.json" "$ROOT/bench/faults/run.ts" "$@"
}

if [ "${FAULTS_USE_RUNNING_STACK:-}" = 1 ]; then
  [ -n "${STACK_DIR:-}" ] && [ -n "${DB_DIRECT_URL:-}" ] ||
    { log "FAULTS_USE_RUNNING_STACK=1 but no stack env is exported"; exit 2; }
  # The suite runs its own gateway (two instances) on the stack's API port.
  bash scripts/stack.sh stop-gateway
  rc=0
  run_suite "$@" || rc=$?
  bash scripts/stack.sh start gateway || true
  exit $rc
fi

export STACK_DIR=${FAULTS_STACK_DIR:-.stack/faults}
export API_PORT=${FAULTS_API_PORT:-26321} DB_PORT=${FAULTS_DB_PORT:-26322}
export POOLER_PORT=${FAULTS_POOLER_PORT:-26343} REDIS_PORT=${FAULTS_REDIS_PORT:-26379}
export REDIS_REST_PORT=${FAULTS_REDIS_REST_PORT:-26380} SCHEDULER_PORT=${FAULTS_SCHEDULER_PORT:-26390}
export PROMETHEUS_PORT=${FAULTS_PROMETHEUS_PORT:-26391} DASHBOARD_PORT=${FAULTS_DASHBOARD_PORT:-26392}
trap 'bash scripts/stack.sh down >/dev/null 2>&1 || true' EXIT
log "stack in $STACK_DIR (gateway :$API_PORT, postgres :$DB_PORT, pooler :$POOLER_PORT)"
bash scripts/stack.sh reset >/dev/null 2>&1 || true
bash scripts/stack.sh up --no-gateway
set -a
. "$STACK_DIR/env"
set +a
"$DENO" run -A scripts/seed.ts --scale small >/dev/null
run_suite "$@"
