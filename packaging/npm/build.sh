#!/usr/bin/env bash
# Builds the npm packages into bin/npm/: `make npm` runs this. Installs the pinned build tools
# (package-lock.json: typescript, openapi-typescript, the types of @playwright/test and Node) with
# npm ci when node_modules is missing or stale, then runs build.mjs with the arguments given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export NO_UPDATE_NOTIFIER=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.npm-build-package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -x node_modules/.bin/tsc || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "==> npm ci (build tools pinned in packaging/npm/package-lock.json)"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi
exec node build.mjs "$@"
