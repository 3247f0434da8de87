#!/usr/bin/env bash
# Browser end-to-end tests: `make e2e` runs this.
#
#   1. Debian's chromium (apt-get install, only when /usr/bin/chromium is missing; needs root)
#   2. the pinned test tools: `npm ci` from e2e/package-lock.json (playwright-core, axe-core), when
#      node_modules is missing or the lock file changed
#   3. builds billing-mock and starts it on a free loopback port (-addr 127.0.0.1:0, read from its
#      one-line banner)
#   4. runs e2e/tests/*.test.mjs with node's built-in test runner, one file at a time, MOCK_URL set
#   5. builds the npm package @cloudplans/billing-mock and this machine's binary package
#      (packaging/npm/build.sh --out, no tarballs), puts them into node_modules as npm would, and
#      runs e2e/playwright/*.spec.mjs with @playwright/test (playwright.config.mjs): the package's
#      Playwright fixture, its global setup starting the mock from the package's own binary
#
# Whatever happens, it stops what it started (the mock by its PID, the test runner's process group,
# which holds Chromium and the app server) and deletes its temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export NO_UPDATE_NOTIFIER=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # Debian's chromium only; never a browser build of Playwright's
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
E2E_TIMEOUT=${E2E_TIMEOUT:-300} # seconds for the whole test run (it takes about 20)

step() { printf '\n==> %s\n' "$*"; }

# --- 1. browser ------------------------------------------------------------------------------------
if [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "e2e: $CHROMIUM is missing; install Debian's chromium (sudo apt-get install chromium)" >&2
    exit 1
  fi
  step "apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM" --version 2>/dev/null # (Debian's wrapper script complains on stderr about an unrelated test)

# --- 2. test tools -----------------------------------------------------------------------------------
stamp=node_modules/.e2e-package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules/playwright-core || ! -d node_modules/@playwright/test || ! -d node_modules/axe-core ||
      ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  step "npm ci (playwright-core, @playwright/test, axe-core pinned in e2e/package-lock.json)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# --- 3. the mock -------------------------------------------------------------------------------------
tmp=$(mktemp -d)
mock_pid=''
tests_pid=''
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $tests_pid ]] && kill -0 "$tests_pid" 2>/dev/null; then
    kill -TERM -- "-$tests_pid" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$tests_pid" 2>/dev/null || true
  fi
  if [[ -n $mock_pid ]] && kill -0 "$mock_pid" 2>/dev/null; then
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "go build ./cmd/billing-mock"
(cd .. && go build -o "$tmp/billing-mock" ./cmd/billing-mock)

"$tmp/billing-mock" -addr 127.0.0.1:0 -quiet >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
MOCK_URL=''
for _ in $(seq 1 100); do
  if read -r line <"$tmp/mock.out" 2>/dev/null && [[ $line =~ ^billing-mock\ listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]]; then
    MOCK_URL=${BASH_REMATCH[1]}
    break
  fi
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $MOCK_URL ]]; then
  echo "e2e: billing-mock did not print its banner within 10 s" >&2
  cat "$tmp/mock.err" >&2
  exit 1
fi
echo "billing-mock (pid $mock_pid) on $MOCK_URL"
export MOCK_URL

# --- 4. the tests ------------------------------------------------------------------------------------
step "node --test tests/*.test.mjs"
# In a process group of its own (setsid), so that cleanup can stop it and every Chromium it started.
export TMPDIR="$tmp"
setsid timeout -k 10 "$E2E_TIMEOUT" node --test --test-concurrency=1 --test-force-exit --test-reporter=spec tests/*.test.mjs &
tests_pid=$!
rc=0
wait "$tests_pid" || rc=$?
tests_pid=''

# --- 5. the npm package's Playwright fixture ---------------------------------------------------------
host=$(node -p 'process.platform + "-" + process.arch')
step "the npm package for $host (packaging/npm/build.sh --out), into node_modules/@cloudplans"
bash ../packaging/npm/build.sh --platforms "$host" --out "$tmp/npm" --no-pack
rm -rf node_modules/@cloudplans
mkdir -p node_modules/@cloudplans
cp -R "$tmp/npm/packages/billing-mock" "$tmp/npm/packages/billing-mock-$host" node_modules/@cloudplans/

step "npx playwright test (playwright/*.spec.mjs: the fixture, two workers, one mock for the run)"
# BILLING_MOCK_URL unset: the fixture's global setup starts the mock from the package.
(unset BILLING_MOCK_URL; exec setsid timeout -k 10 "$E2E_TIMEOUT" npx --offline playwright test -c playwright.config.mjs) &
tests_pid=$!
pw_rc=0
wait "$tests_pid" || pw_rc=$?
tests_pid=''
(( rc == 0 )) && rc=$pw_rc
exit "$rc"
