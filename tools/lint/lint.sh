#!/usr/bin/env bash
# Lints the billing contract: `make lint` runs this.
#
#   1. Spectral (spectral:oas recommended, .spectral.yaml)  - zero errors and zero warnings
#   2. Redocly  (recommended, redocly.yaml)                 - zero errors and zero warnings
#   3. openapi-typescript + tsc --strict --noEmit            - the generated types compile,
#                                                              typecheck.ts uses them as intended, and
#                                                              each compile-fail line of mistakes.ts
#                                                              fails for the reason it names
#                                                              (expect-errors.mjs)
#   4. examples/frontend/check.sh                             - the typed openapi-fetch example
#                                                              compiles under tsc --strict and sends
#                                                              what the contract says
#   5. tools/prismcheck                                       - the contract suite through Prism's
#                                                              validating proxy (bench/prism, pinned)
#                                                              in front of the mock: no violation of
#                                                              an answer, nor of a request the mock
#                                                              accepted
#   6. tools/lint/breaking.sh                                 - the breaking-change gate: contracttest
#                                                              diff of openapi.yaml against the spec
#                                                              at the merge base with origin/main
#                                                              (DIFF_BASE=... to choose another);
#                                                              fails when an action breaks
#
# on ../../openapi.yaml and, when it exists, ../../controlapi.yaml (steps 1-3; for it, step 3 only
# checks that its generated types compile). The tools are pinned in package.json/package-lock.json
# and installed with `npm ci` when node_modules is missing or the lock file changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# No telemetry or update checks from the tools (the only network a run needs is the npm registry).
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export SCARF_ANALYTICS=false
export NO_UPDATE_NOTIFIER=1

step() { printf '\n==> %s\n' "$*"; }
bin=node_modules/.bin

# --- tools -------------------------------------------------------------------------------------------
stamp=node_modules/.lint-package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -x $bin/spectral || ! -x $bin/redocly || ! -x $bin/openapi-typescript || ! -x $bin/tsc ||
      ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  step "npm ci (tools pinned in tools/lint/package-lock.json)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
printf 'tools: spectral %s, redocly %s, openapi-typescript %s, typescript %s\n' \
  "$("$bin/spectral" --version)" \
  "$(node -p 'require("@redocly/cli/package.json").version')" \
  "$(node -p 'require("openapi-typescript/package.json").version')" \
  "$(node -p 'require("typescript/package.json").version')"

specs=(../../openapi.yaml)
if [[ -f ../../controlapi.yaml ]]; then
  specs+=(../../controlapi.yaml)
fi

failed=()

# --- 1. Spectral ---------------------------------------------------------------------------------------
for spec in "${specs[@]}"; do
  name=${spec#../../}
  step "Spectral: $name (spectral:oas recommended; fails on any error or warning)"
  if "$bin/spectral" lint "$spec" --ruleset .spectral.yaml --fail-severity=warn; then
    echo "ok: $name has no Spectral errors or warnings"
  else
    failed+=("spectral $name")
  fi
done

# --- 2. Redocly ----------------------------------------------------------------------------------------
# redocly lint exits non-zero only on errors. redocly.yaml extends recommended with its default
# severities and options, so any "warning" line in the stylish output fails the step. The Node 20
# deprecation banner Redocly prints is dropped.
for spec in "${specs[@]}"; do
  name=${spec#../../}
  step "Redocly: $name (recommended, default options; fails on any error or warning)"
  rc=0
  out=$("$bin/redocly" lint "$spec" --config redocly.yaml --lint-config=error --format=stylish 2>&1) || rc=$?
  printf '%s\n' "$out" | grep -vE '^[[:space:]]*[╔║╚]' | cat -s  || true
  if (( rc != 0 )) || grep -qE '^[[:space:]]+[0-9]+:[0-9]+[[:space:]]+warning[[:space:]]|You have [0-9]+ warnings?' <<<"$out"; then
    failed+=("redocly $name")
  else
    echo "ok: $name has no Redocly errors or warnings"
  fi
done

# --- 3. TypeScript ---------------------------------------------------------------------------------------
rm -rf generated
mkdir -p generated
step "openapi-typescript: openapi.yaml -> tools/lint/generated/billing.d.ts"
if "$bin/openapi-typescript" ../../openapi.yaml --output generated/billing.d.ts; then
  step "tsc --strict --noEmit: typecheck.ts and mistakes.ts against the generated types (tsconfig.json)"
  if "$bin/tsc" -p tsconfig.json --strict --noEmit; then
    echo "ok: the generated types compile, typecheck.ts type-checks, every @ts-expect-error line of mistakes.ts fails"
  else
    failed+=("tsc openapi.yaml")
  fi
  step "compile-fail lines: each marked line of mistakes.ts fails for the reason it names (expect-errors.mjs)"
  if ! node expect-errors.mjs mistakes.ts; then
    failed+=("compile-fail lines of mistakes.ts")
  fi
else
  failed+=("openapi-typescript openapi.yaml")
fi

if [[ -f ../../controlapi.yaml ]]; then
  step "openapi-typescript: controlapi.yaml -> tools/lint/generated/controlapi.d.ts"
  if "$bin/openapi-typescript" ../../controlapi.yaml --output generated/controlapi.d.ts; then
    step "tsc --strict --noEmit: generated/controlapi.d.ts (tsconfig.controlapi.json)"
    if "$bin/tsc" -p tsconfig.controlapi.json --strict --noEmit; then
      echo "ok: the generated control API types compile"
    else
      failed+=("tsc controlapi.yaml")
    fi
  else
    failed+=("openapi-typescript controlapi.yaml")
  fi
fi

# --- 4. the frontend example --------------------------------------------------------------------------
# examples/frontend: a typed client (openapi-typescript types, openapi-fetch calls) under tsc --strict;
# its own pinned tools, installed by its check.sh with npm ci from its lock file.
if [[ -f ../../examples/frontend/check.sh ]]; then
  step "examples/frontend: openapi-typescript + openapi-fetch under tsc --strict (examples/frontend/check.sh)"
  if bash ../../examples/frontend/check.sh; then
    :
  else
    failed+=("tsc examples/frontend")
  fi
fi

# --- 5. Prism's validating proxy --------------------------------------------------------------------------
# Prism reads openapi.yaml as any generic tool does (x-actions unknown to it). tools/prismcheck serves
# the mock on a free port, starts `prism proxy` in front of it on another, runs the contract suite
# through it and stops Prism (its process group) when done; bounded by -timeout.
prism_dir=../../bench/prism
prism_stamp=$prism_dir/node_modules/.prism-package-lock.sha256
prism_want=$(sha256sum "$prism_dir/package-lock.json" | cut -d' ' -f1)
if [[ ! -x $prism_dir/node_modules/.bin/prism || ! -f $prism_stamp || "$(cat "$prism_stamp")" != "$prism_want" ]]; then
  step "npm ci (Prism pinned in bench/prism/package-lock.json)"
  (cd "$prism_dir" && npm ci --no-audit --no-fund) && echo "$prism_want" > "$prism_stamp"
fi
step "Prism's validating proxy: the contract suite through it, in front of the mock (tools/prismcheck)"
if ! (cd ../.. && go run ./tools/prismcheck -prism bench/prism/node_modules/.bin/prism -spec openapi.yaml -timeout 3m); then
  failed+=("prism proxy")
fi

# --- 6. the breaking-change gate ------------------------------------------------------------------------
# contracttest diff, per action, against the spec at the merge base (breaking.sh says which commit
# and why; it skips, saying so, when that spec predates the format contracttest reads).
step "contracttest diff: openapi.yaml against the spec at the base (tools/lint/breaking.sh)"
if ! bash breaking.sh; then
  failed+=("contracttest diff (a breaking change of openapi.yaml)")
fi

# --- summary -------------------------------------------------------------------------------------------
echo
if (( ${#failed[@]} > 0 )); then
  printf 'lint: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "lint: ok (${specs[*]#../../}: Spectral and Redocly report 0 errors and 0 warnings; TypeScript types, compile-fail lines and examples/frontend check; Prism's proxy agrees with the mock; contracttest diff finds no breaking change, or says why it skipped)"
