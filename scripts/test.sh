#!/usr/bin/env bash
# `npm test`: a fresh stack of its own (.stack/test, ports 253xx — works beside `npm start`),
# the small seed, then every check (static checks, Deno tests, pgTAP, the bench and the fault
# suite in their quick variants); prints `N passed, M failed` last, non-zero on any failure.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export STACK_DIR=${TEST_STACK_DIR:-.stack/test}
# Ports of its own, below Linux's ephemeral range (32768+) so no outgoing connection can hold
# one when Postgres or Redis binds; override any of them like the dev stack's.
export API_PORT=${TEST_API_PORT:-25321} DB_PORT=${TEST_DB_PORT:-25322}
export POOLER_PORT=${TEST_POOLER_PORT:-25343} REDIS_PORT=${TEST_REDIS_PORT:-25379}
export REDIS_REST_PORT=${TEST_REDIS_REST_PORT:-25380} SCHEDULER_PORT=${TEST_SCHEDULER_PORT:-25390}
export PROMETHEUS_PORT=${TEST_PROMETHEUS_PORT:-25391} DASHBOARD_PORT=${TEST_DASHBOARD_PORT:-25392}
# Plain output so the runners' summary lines can be read.
export NO_COLOR=1
DENO="$ROOT/node_modules/.bin/deno"

# Deno, and playwright-core for the browser step (package.json devDependencies).
{ [ -x "$DENO" ] && [ -d "$ROOT/node_modules/playwright-core" ]; } ||
  npm install --no-audit --no-fund --loglevel=error >/dev/null || { echo "npm install failed"; exit 1; }
# The Edge Runtime's Deno (scripts/stack/edge-runtime.ts): the functions run and are checked on it.
EDGE_DENO="$ROOT/scripts/edge-runtime/node_modules/deno/deno"
bash scripts/edge-runtime/install.sh || { echo "installing the Edge Runtime's Deno failed"; exit 1; }

passed=0
failed=0
results=()
record() { # name rc
  if [ "$2" = 0 ]; then passed=$((passed + 1)); results+=("ok      $1"); else failed=$((failed + 1)); results+=("FAILED  $1"); fi
}
finish() {
  bash scripts/stack.sh down >/dev/null 2>&1
  echo
  printf '%s\n' "${results[@]}"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit $?
}

count_deno() { # name rc log: adds a deno test run's own pass/fail counts
  local summary p f
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$3" | tail -1)
  if [ -n "$summary" ]; then
    p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
    f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
    passed=$((passed + p)); failed=$((failed + f))
    results+=("$1: $p passed, $f failed")
    [ "$2" != 0 ] && [ "$f" = 0 ] && record "$1 exit code" "$2"
  else
    record "$1 (no summary)" 1
  fi
}

echo "== static checks"
"$DENO" fmt --check >/tmp/crew-fmt.log 2>&1; rc=$?; [ $rc = 0 ] || tail -30 /tmp/crew-fmt.log; record "deno fmt --check" $rc
"$DENO" lint; record "deno lint" $?
"$DENO" check functions/ shared/ scripts/ tests/ bench/ examples/ client/; record "deno check" $?
# What runs in a worker, type-checked by the runtime's own Deno (its TypeScript is older).
# --no-lock: it cannot read the tooling's v5 deno.lock, and its checker wants @types/node in
# scripts/edge-runtime/deno.lock without ever writing it there (what runs uses that lock).
DENO_TLS_CA_STORE=system "$EDGE_DENO" check --config deno.json --no-lock \
  functions/ shared/ scripts/stack/edge-host.ts
record "deno check on the Edge Runtime's Deno ($("$EDGE_DENO" --version | head -1))" $?

# The unit tier first and on its own: no stack, no stack env (a unit test that touched the
# network would fail, not pass against a running service).
echo "== deno test tests/unit (no stack)"
env -u DB_POOLER_URL -u SUPABASE_DB_URL -u UPSTASH_REDIS_REST_URL -u UPSTASH_REDIS_REST_TOKEN \
  -u UPSTASH_REDIS_URL -u UPSTASH_REDIS_TOKEN -u REDIS_URL \
  "$DENO" test -A --no-check tests/unit 2>&1 | tee /tmp/crew-deno-unit.log
count_deno "deno test tests/unit" "${PIPESTATUS[0]}" /tmp/crew-deno-unit.log

echo "== local stack ($STACK_DIR, gateway :$API_PORT, postgres :$DB_PORT, pooler :$POOLER_PORT)"
bash scripts/stack.sh reset >/dev/null 2>&1
if ! bash scripts/stack.sh up; then
  record "stack up" 1
  finish
fi
set -a
. "$STACK_DIR/env"
set +a
export LOG_REQUESTS=0

echo "== seed (small)"
"$DENO" run -A scripts/seed.ts --scale small; rc=$?; record "seed small" $rc

# Supabase's own security and performance lints (what the dashboard's Advisors show) on the
# pushed and seeded schema, before the tests add scratch schemas of their own: none at warn or
# above (docs/security.md).
echo "== supabase db advisors --level warn"
"$ROOT/node_modules/.bin/supabase" db advisors --level warn --fail-on warn \
  --db-url "postgresql://postgres:${DB_PASSWORD:-postgres}@127.0.0.1:$DB_PORT/postgres?sslmode=disable"
record "supabase db advisors (no warning)" $?

echo "== deno test tests/integration tests/e2e"
"$DENO" test -A --no-check tests/integration tests/e2e 2>&1 | tee /tmp/crew-deno-test.log
count_deno "deno test" "${PIPESTATUS[0]}" /tmp/crew-deno-test.log

# The ops dashboard in headless chromium (Node + playwright-core); writes docs/dashboard.png.
echo "== browser (dashboard)"
node --test --test-reporter=spec --test-timeout=180000 tests/browser/dashboard.test.mjs
record "browser dashboard" $?

echo "== pg_prove supabase/tests"
PGPASSWORD=postgres pg_prove -v -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres supabase/tests/*.sql \
  >/tmp/crew-pgtap.log 2>&1
rc=$?
grep -E '^(not ok|# )|^supabase|Failed|Result' /tmp/crew-pgtap.log | tail -40
p=$(grep -cE '^\s*ok [0-9]' /tmp/crew-pgtap.log)
f=$(grep -cE '^\s*not ok [0-9]' /tmp/crew-pgtap.log)
passed=$((passed + p)); failed=$((failed + f))
results+=("pg_prove: $p passed, $f failed")
[ "$rc" != 0 ] && [ "$f" = 0 ] && record "pg_prove exit code" "$rc"

echo "== bench --quick (harness smoke check, no timing assertions)"
BENCH_USE_RUNNING_STACK=1 bash scripts/bench.sh --quick; record "bench --quick" $?

# Last: it kills and restarts the stack's parts.
echo "== faults --quick (one fault per phase, a few seconds each, two processes per function)"
FAULTS_USE_RUNNING_STACK=1 bash scripts/faults.sh --quick; record "faults --quick" $?

finish
