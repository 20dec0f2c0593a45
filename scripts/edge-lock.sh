#!/usr/bin/env bash
# `npm run edge:lock`: writes scripts/edge-runtime/deno.lock, the functions' lockfile, with the
# Edge Runtime's own Deno (it cannot read the v5 deno.lock the tooling's Deno writes). Every
# module a worker runs: each function's entrypoint, the bench's and the tests' functions, the host.
# Run it after changing import_map.json or the runtime's Deno (docs/edge-runtime.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EDGE_DENO="$ROOT/scripts/edge-runtime/node_modules/deno/deno"
bash scripts/edge-runtime/install.sh
rm -f scripts/edge-runtime/deno.lock
DENO_TLS_CA_STORE=system "$EDGE_DENO" cache --config deno.json --lock=scripts/edge-runtime/deno.lock \
  scripts/stack/edge-host.ts functions/*/index.ts bench/functions/*/index.ts \
  tests/integration/stack/fixtures/functions/*/index.ts tests/integration/stack/fixtures/edge/*/index.ts
echo "wrote scripts/edge-runtime/deno.lock"
