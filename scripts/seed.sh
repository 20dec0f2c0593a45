#!/usr/bin/env bash
# `npm run seed -- --scale small|large|xlarge [--force]` against the running dev stack (or STACK_DIR).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export STACK_DIR=${STACK_DIR:-.stack/dev}
[ -f "$STACK_DIR/env" ] || bash scripts/stack.sh up --no-gateway
set -a
. "$STACK_DIR/env"
set +a
exec "$ROOT/node_modules/.bin/deno" run -A scripts/seed.ts "$@"
