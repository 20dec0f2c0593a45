#!/usr/bin/env bash
# `npm run bench [-- --quick]`: brings up the benchmark's own stacks, loads the seeds, runs
# bench/run.ts, and tears down what it started.
#
#   full   .stack/bench (offset 2500) with the LARGE seed for every scenario, plus
#          .stack/bench-small (offset 2600) with the small seed and .stack/bench-xlarge (offset
#          2700) with the xlarge seed (large with 10x the payments) for "how cost grows".
#          BENCH_SKIP_XLARGE=1 leaves the xlarge stack out (the report says so).
#   --quick  the small stack only, ~2-3 s per scenario; results in bench/results/tmp/.
#
# The job-queue benchmark beside pg-boss (bench/jobs/run.ts) runs inside bench/run.ts on the
# primary stack (small with --quick: a few hundred jobs, checks that every job is drained once).
# BENCH_SKIP_JOBS=1 leaves it out.
#
# BENCH_USE_RUNNING_STACK=1: use the stack whose env is already exported (SUPABASE_URL,
# DB_DIRECT_URL, ...) — as scripts/test.sh does — and leave it running. BENCH_SEED names its
# seed in the report (default small with --quick, else large).
# Env: BENCH_STACK_DIR, BENCH_STACK_PORT_OFFSET, BENCH_SMALL_STACK_DIR,
# BENCH_SMALL_STACK_PORT_OFFSET, BENCH_XLARGE_STACK_DIR, BENCH_XLARGE_STACK_PORT_OFFSET,
# BENCH_SKIP_XLARGE. Exits non-zero only when the harness breaks, never on a target.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DENO="$ROOT/node_modules/.bin/deno"
QUICK=0
for arg in "$@"; do [ "$arg" = --quick ] && QUICK=1; done

log() { printf '[bench.sh] %s\n' "$*" >&2; }
die() { printf '[bench.sh] error: %s\n' "$*" >&2; exit 2; }

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -x "$DENO" ] || die "deno missing: run npm install"
# c=1000 needs a descriptor per connection in wrk, the gateway and the function processes.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The load comes from one user (or a few) on one IP: limits that high still run the limiter (its
# cost is in the figures) but never refuse the load.
export RATE_LIMIT_WRITES=${RATE_LIMIT_WRITES:-1000000/10s}
export RATE_LIMIT_EXPENSIVE=${RATE_LIMIT_EXPENSIVE:-1000000/10s}
export RATE_LIMIT_PER_IP=${RATE_LIMIT_PER_IP:-1000000/10s}

run_harness() {
  "$DENO" run -A --config "$ROOT/deno.json" "$ROOT/bench/run.ts" "$@"
}

if [ "${BENCH_USE_RUNNING_STACK:-}" = 1 ]; then
  [ -n "${DB_DIRECT_URL:-}" ] && [ -n "${DB_POOLER_URL:-}" ] ||
    die "BENCH_USE_RUNNING_STACK=1 but no stack env is exported (DB_DIRECT_URL, DB_POOLER_URL)"
  default_seed=large
  [ $QUICK = 1 ] && default_seed=small
  run_harness --seed "${BENCH_SEED:-$default_seed}" "$@"
  exit $?
fi

LARGE_DIR=${BENCH_STACK_DIR:-.stack/bench}
LARGE_OFFSET=${BENCH_STACK_PORT_OFFSET:-2500}
SMALL_DIR=${BENCH_SMALL_STACK_DIR:-.stack/bench-small}
SMALL_OFFSET=${BENCH_SMALL_STACK_PORT_OFFSET:-2600}
XLARGE_DIR=${BENCH_XLARGE_STACK_DIR:-.stack/bench-xlarge}
XLARGE_OFFSET=${BENCH_XLARGE_STACK_PORT_OFFSET:-2700}
for offset in "$LARGE_OFFSET" "$SMALL_OFFSET" "$XLARGE_OFFSET"; do
  [ "$offset" != 0 ] && [ "$offset" != 1000 ] ||
    die "port offset $offset belongs to the dev or test stack"
done

STARTED=()
teardown() {
  local dir
  for dir in "${STARTED[@]}"; do
    log "stopping the stack in $dir"
    STACK_DIR="$dir" bash scripts/stack.sh down || true
  done
}
trap teardown EXIT

# stack_up DIR OFFSET SCALE: starts the stack unless it already runs, then loads the seed (the
# seed script skips a scale that is already loaded, so a second run pays no load: the xlarge
# seed takes minutes).
stack_up() {
  local dir=$1 offset=$2 scale=$3 t0 schema
  # `db push` never re-applies an edited migration: a data dir from an older schema is wiped.
  schema=$(cat supabase/migrations/*.sql | md5sum | cut -d' ' -f1)
  if [ -f "$dir/bench-schema.md5" ] && [ "$(cat "$dir/bench-schema.md5")" != "$schema" ]; then
    log "the migrations changed since $dir was seeded: resetting it"
    STACK_DIR="$dir" STACK_PORT_OFFSET="$offset" bash scripts/stack.sh reset >&2
  fi
  # The bench never runs the stack's own gateway, so "already up" means Postgres is running.
  if ! STACK_DIR="$dir" STACK_PORT_OFFSET="$offset" bash scripts/stack.sh status 2>/dev/null |
    grep -q '^postgres: running'; then
    STARTED+=("$dir")
  fi
  log "stack $dir (offset $offset)"
  # The CLI's pgx tries TLS first and the local Postgres has none. The stack's ports sit in
  # the kernel's ephemeral range, so a client socket can hold one for a moment: retry once.
  local attempt
  for attempt in 1 2 3; do
    PGSSLMODE=disable STACK_DIR="$dir" STACK_PORT_OFFSET="$offset" \
      bash scripts/stack.sh up --no-gateway --bare >&2 && break
    [ $attempt = 3 ] && die "stack $dir did not come up"
    log "stack $dir did not come up; retrying in 10 s"
    sleep 10
  done
  [ -f scripts/seed.ts ] || die "scripts/seed.ts does not exist yet"
  t0=$(date +%s)
  log "seed --scale $scale into $dir"
  (
    set -a
    . "$dir/env"
    set +a
    "$DENO" run -A --config "$ROOT/deno.json" scripts/seed.ts --scale "$scale" >&2
  ) || die "seeding $dir failed"
  echo "$schema" >"$dir/bench-schema.md5"
  log "seed $scale ready in $(($(date +%s) - t0)) s"
}

rc=0
if [ $QUICK = 1 ]; then
  stack_up "$SMALL_DIR" "$SMALL_OFFSET" small
  run_harness --env-file "$SMALL_DIR/env" --seed small "$@" || rc=$?
else
  stack_up "$SMALL_DIR" "$SMALL_OFFSET" small
  stack_up "$LARGE_DIR" "$LARGE_OFFSET" large
  xlarge_args=()
  if [ "${BENCH_SKIP_XLARGE:-}" = 1 ]; then
    log "BENCH_SKIP_XLARGE=1: no xlarge stack"
  else
    stack_up "$XLARGE_DIR" "$XLARGE_OFFSET" xlarge
    xlarge_args=(--xlarge-env-file "$XLARGE_DIR/env")
  fi
  run_harness --env-file "$LARGE_DIR/env" --seed large --small-env-file "$SMALL_DIR/env" \
    ${xlarge_args[@]+"${xlarge_args[@]}"} "$@" || rc=$?
fi
exit $rc
