#!/usr/bin/env bash
# `npm run report [-- --min-mean-ms 50 --limit 20]`: slow queries and database health of the
# running local stack (STACK_DIR, default .stack/dev — the one `npm start` runs).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STACK_DIR=${STACK_DIR:-.stack/dev}
[ -f "$STACK_DIR/env" ] || { echo "no stack env in $STACK_DIR: run \`npm start\` first" >&2; exit 2; }
set -a
. "$STACK_DIR/env"
set +a
LOG_REQUESTS=0 exec "$ROOT/node_modules/.bin/deno" run -A --config deno.json scripts/report.ts "$@"
