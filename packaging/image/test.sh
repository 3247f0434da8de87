#!/usr/bin/env bash
# Tests the billing mock's image: `make image-test` runs this (after packaging/image/build.sh).
#
#   1. the image: FROM scratch with exactly the files it should hold, a non-root user,
#      BILLING_MOCK_ADDR=0.0.0.0:8080 (and, run in a network namespace of its own, it listens
#      there), port 8080 exposed, at most 20 MB, -version answers
#   2. runs it with host networking on a free loopback port (BILLING_MOCK_ADDR=127.0.0.1:0, the
#      port read from its banner: nothing assumes 8080 is free), describe answers 200
#   3. the contract suite against it (go run ./cmd/contracttest -base-url ...)
#
# Whatever happens, the container is removed by its id. Podman runs with packaging/image/
# containers.conf (runc, no default ulimits), which works where the sandbox forbids setting rlimits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

IMAGE=${IMAGE:-cloudplans/billing-mock:dev}
export CONTAINERS_CONF=$PWD/packaging/image/containers.conf
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; failed=$((failed + 1)); }

cid=''
created=''
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n $cid ]] && podman rm --force --time 2 "$cid" >/dev/null 2>&1 || true
  [[ -n $created ]] && podman rm --force "$created" >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

inspect() { podman image inspect --format "$1" "$IMAGE"; }

# --- 1. what the image holds -------------------------------------------------------------------------
echo "==> the image $IMAGE"
created=$(podman create "$IMAGE")
files=$(podman export "$created" | tar -t | grep -v '/$' | sort | tr '\n' ' ')
podman rm --force "$created" >/dev/null
created=''
# podman adds /etc/hosts, /etc/resolv.conf... only to running containers, never to the image.
want='billing-mock etc/group etc/passwd etc/ssl/certs/ca-certificates.crt '
if [[ $files == "$want" ]]; then ok "files: $files"; else fail "files: got '$files', want '$want'"; fi
user=$(inspect '{{.Config.User}}')
if [[ $user == 65532:65532 ]]; then ok "user $user (not root)"; else fail "user '$user', want 65532:65532"; fi
# (Into a variable first: grep -q exits at the first match, and under pipefail podman's SIGPIPE would
# fail the check.)
env_lines=$(inspect '{{range .Config.Env}}{{println .}}{{end}}')
if grep -qx 'BILLING_MOCK_ADDR=0.0.0.0:8080' <<<"$env_lines"; then
  ok "BILLING_MOCK_ADDR=0.0.0.0:8080"
else
  fail "BILLING_MOCK_ADDR=0.0.0.0:8080 is not in the image's environment"
fi
if [[ $(inspect '{{json .Config.ExposedPorts}}') == *'"8080/tcp"'* ]]; then ok "exposes 8080/tcp"; else fail "8080/tcp is not exposed"; fi
size=$(inspect '{{.Size}}')
if (( size <= 20000000 )); then ok "size $size bytes (at most 20 MB)"; else fail "size $size bytes, over 20 MB"; fi
if v=$(podman run --rm --network none "$IMAGE" -version) && [[ $v =~ ^billing-mock\ [^\ ]+\ \(go ]]; then
  ok "-version: $v"
else
  fail "-version answered '${v:-}'"
fi

# The default address, in a network namespace of its own (--network none: 8080 is free there, and
# nothing can reach it): the banner must say 0.0.0.0:8080, which Go reports as [::]:8080 where
# the wildcard socket takes IPv4 and IPv6 alike.
banner() { # banner CONTAINER: its first line of output once it has one ('' after 10 s)
  local line=''
  for _ in $(seq 1 100); do
    line=$(podman logs "$1" 2>/dev/null | head -n1 || true)
    [[ -n $line || $(podman inspect --format '{{.State.Running}}' "$1") != true ]] && break
    sleep 0.1
  done
  printf '%s' "$line"
}
cid=$(podman run --detach --network none "$IMAGE" -quiet)
line=$(banner "$cid")
if [[ $line == 'billing-mock listening on http://0.0.0.0:8080' || $line == 'billing-mock listening on http://[::]:8080' ]]; then
  ok "listens on every address, port 8080, by default ($line)"
else fail "default address: the banner said '$line'"; fi
podman rm --force --time 2 "$cid" >/dev/null
cid=''

# --- 2. run it -------------------------------------------------------------------------------------------
echo "==> podman run --network host -e BILLING_MOCK_ADDR=127.0.0.1:0 $IMAGE -quiet"
cid=$(podman run --detach --network host -e BILLING_MOCK_ADDR=127.0.0.1:0 "$IMAGE" -quiet)
url=''
line=$(banner "$cid")
if [[ $line =~ ^billing-mock\ listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]]; then
  url=${BASH_REMATCH[1]}
fi
if [[ -z $url ]]; then
  fail "the container printed no banner within 10 s"
  podman logs "$cid" >&2 || true
  exit 1
fi
ok "container ${cid:0:12} serves $url"

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Authorization: Bearer tok_owner' \
  "$url/v1/organizations/billing/describe?action=getorganization&org_id=org_acme")
if [[ $code == 200 ]]; then ok "describe answers 200"; else fail "describe answered $code"; fi

# --- 3. the contract suite -------------------------------------------------------------------------------
echo "==> go run ./cmd/contracttest -base-url $url"
if go run ./cmd/contracttest -base-url "$url"; then ok "the contract suite passes against the image"; else fail "the contract suite failed against the image"; fi

echo
echo "image-test: $passed passed, $failed failed"
(( failed == 0 ))
