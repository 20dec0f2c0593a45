#!/usr/bin/env bash
# Installs the Edge Runtime's Deno pinned in package.json beside this file, unless that version is
# already here (scripts/stack/edge-runtime.ts). No lockfile: npm 11 writes one that lists only this
# machine's platform package, which `npm ci` then refuses as out of sync; the version is exact.
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
want=$(node -p "require('$DIR/package.json').dependencies.deno")
have=$("$DIR/node_modules/deno/deno" --version 2>/dev/null | head -1 | cut -d' ' -f2 || true)
[ "$have" = "$want" ] && exit 0
npm install --prefix "$DIR" --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null
