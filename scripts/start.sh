#!/usr/bin/env bash
# `npm start`: the backend on the local stack with the small demo seed; the functions gateway
# runs in the foreground and Ctrl-C stops everything `up` started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export STACK_DIR=${STACK_DIR:-.stack/dev}
DENO="$ROOT/node_modules/.bin/deno"
[ -x "$DENO" ] || npm install --no-audit --no-fund --loglevel=error >/dev/null

bash scripts/stack.sh up --no-gateway
set -a
. "$STACK_DIR/env"
set +a
"$DENO" run -A scripts/seed.ts --scale "${SEED_SCALE:-small}"
trap 'bash scripts/stack.sh down' EXIT
"$DENO" run -A scripts/stack/print-info.ts
# --quiet: workers starting and retiring stay out of this terminal (LOG_LEVEL=debug shows them).
"$DENO" run -A --config deno.json scripts/stack/gateway.ts --port "$API_PORT" --quiet
