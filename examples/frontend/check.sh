#!/usr/bin/env bash
# Type-checks the frontend example: `make lint` runs this (through tools/lint/lint.sh).
#   1. npm ci from package-lock.json (openapi-typescript, openapi-fetch, typescript, pinned), when
#      node_modules is missing or the lock file changed
#   2. openapi-typescript: ../../openapi.yaml -> src/generated/billing.d.ts
#   3. tsc --strict --noEmit over src/ (tsconfig.json)
#   4. wire-check.mjs: what each call of src/billing.ts puts on the wire (a recording fetch, no server)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export NO_UPDATE_NOTIFIER=1

stamp=node_modules/.example-package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -x node_modules/.bin/openapi-typescript || ! -x node_modules/.bin/tsc || ! -d node_modules/openapi-fetch ||
      ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "npm ci (examples/frontend/package-lock.json)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
rm -rf src/generated
node_modules/.bin/openapi-typescript ../../openapi.yaml --output src/generated/billing.d.ts
node_modules/.bin/tsc -p tsconfig.json --strict --noEmit
node wire-check.mjs
echo "ok: examples/frontend type-checks against openapi.yaml (openapi-fetch $(node -p 'require("openapi-fetch/package.json").version'), typescript $(node -p 'require("typescript/package.json").version'))"
