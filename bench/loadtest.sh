#!/usr/bin/env bash
# The loopback load test of `make bench`: wrk against the mock and against a bare net/http server
# (bench/reference), each on CPU 0 while wrk runs on CPU 1, at 10 and 50 connections, for describe,
# history and an update; then start-up time, RSS idle, after ~1M requests and with 1,000 live
# sessions, and the contract suite's wall time against the mock. With PRISM=1 (the default when
# bench/prism/node_modules exists) Prism's mock of openapi.yaml is measured the same way.
#
# The servers compared run side by side and take turns: each request kind is measured REPEAT
# times on each server, the reference and the mock one after the other (in the reverse order every
# other round), and benchtool check takes the median of the runs. On a shared machine the speed
# drifts by ±10% within a minute, and one 2 s run of a server against the next server's differs by
# up to ±20%: many short turns, not a few long ones, are what make a median hold still.
#
# It prints the table and exits 1 when a target is missed. Everything listens on 127.0.0.1 only,
# and only the processes this script started are stopped, by PID.
#
# With BASELINE=<git revision> (make bench sets it to main), the mock built from that revision runs
# next to the new one, in the same rounds (with -validation-cache 0 too when NOCACHE=1), and
# benchtool check compares each req/s ratio to the reference with the baseline's: a ratio that
# lost more than 5% of its value fails the run. The revision is exported with git archive into a
# temporary directory, built there and deleted.
#
# The validating proxy (billing-mock -proxy, validation on) is measured in front of a mock, in the
# same rounds as a bare httputil.ReverseProxy (bench/reverseproxy) in front of the same mock, and,
# with PRISM=1, Prism's validating proxy (prism proxy) once; benchtool check holds it to at least
# 20× Prism's req/s and a p99 at most 2× the bare proxy's.
#
# Environment: DURATION (each wrk run, default 2s), REPEAT (runs of each kind, default 9), MILLION
# (requests of the memory run, default 1000000), PRISM (1/0), NOCACHE (1: also measure the mock
# with -validation-cache 0; default 1), BASELINE (a git revision; empty: no comparison),
# WRK_TIMEOUT (wrk's --timeout, default 10s), ONLY (proxy: only the validating proxy's part).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-2s}
REPEAT=${REPEAT:-9}
MILLION=${MILLION:-1000000}
NOCACHE=${NOCACHE:-1}
BASELINE=${BASELINE:-}
# A request slower than this is an error of wrk's; below it, a stall of the machine shows in the
# latencies instead of failing the run.
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
if [[ -z "${PRISM:-}" ]]; then
  PRISM=0
  [[ -x bench/prism/node_modules/.bin/prism ]] && PRISM=1
fi
OUT=bin/bench
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: >"$RESULTS"

PIDS=()
BASEDIR=
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$BASEDIR" ]]; then rm -rf "$BASEDIR"; fi
}
trap cleanup EXIT

stop() { # stop one process this script started
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

if ! command -v wrk >/dev/null; then
  echo "loadtest: installing wrk from Debian" >&2
  apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
for tool in taskset curl; do
  command -v "$tool" >/dev/null || { echo "loadtest: $tool is needed" >&2; exit 2; }
done

go build -o bin/billing-mock ./cmd/billing-mock
go build -o bin/bench-reference ./bench/reference
go build -o bin/bench-reverseproxy ./bench/reverseproxy
go build -o bin/benchtool ./bench/benchtool
go build -o bin/contracttest ./cmd/contracttest
if [[ -n "$BASELINE" ]]; then
  rev=$(git rev-parse --verify -q "$BASELINE^{commit}") || { echo "loadtest: BASELINE=$BASELINE is not a git revision" >&2; exit 2; }
  BASEDIR=$(mktemp -d)
  git archive "$rev" | tar -x -C "$BASEDIR"
  out=$PWD/bin/billing-mock-baseline
  (cd "$BASEDIR" && go build -o "$out" ./cmd/billing-mock)
  echo "loadtest: baseline $BASELINE ($(git rev-parse --short "$rev")) built" >&2
fi

MOCK_PORT=${MOCK_PORT:-18080}
NOCACHE_PORT=${NOCACHE_PORT:-18081}
BASE_PORT=${BASE_PORT:-18082}
BASE_NOCACHE_PORT=${BASE_NOCACHE_PORT:-18083}
REF_PORT=${REF_PORT:-18090}
PRISM_PORT=${PRISM_PORT:-18100}
UPSTREAM_PORT=${UPSTREAM_PORT:-18110}
PROXY_PORT=${PROXY_PORT:-18111}
BAREPROXY_PORT=${BAREPROXY_PORT:-18112}
PRISMPROXY_PORT=${PRISMPROXY_PORT:-18113}
ONLY=${ONLY:-}
UPSTREAM_CPU=${UPSTREAM_CPU:-1}

wait_ready() { # URL: until it answers at all, 30 s at most
  local i
  for i in $(seq 1 300); do
    curl -s -o /dev/null -H 'Authorization: Bearer tok_owner' "$1" && return 0
    sleep 0.1
  done
  echo "loadtest: $1 did not answer" >&2
  return 1
}

# port_free PORT: nothing listens there yet, so that what answers next is the server this script
# starts, not a leftover one (which would be measured in its place).
port_free() {
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; then
    echo "loadtest: something already listens on 127.0.0.1:$1; stop it, or set MOCK_PORT/NOCACHE_PORT/BASE_PORT/BASE_NOCACHE_PORT/REF_PORT/PRISM_PORT/UPSTREAM_PORT/PROXY_PORT/BAREPROXY_PORT/PRISMPROXY_PORT" >&2
    exit 2
  fi
}

record() { echo "$1 $2" >>"$RESULTS"; }

# wrk_run NAME ENDPOINT CONNS URL METHOD BODY SESSION
wrk_run() {
  local name=$1 ep=$2 conns=$3 url=$4 method=$5 body=$6 session=$7 out line
  out=$(BENCH_METHOD=$method BENCH_BODY=$body BENCH_SESSION=$session \
    taskset -c 1 wrk -t1 -c"$conns" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency -s bench/wrk.lua "$url")
  line=$(grep '^RESULT' <<<"$out")
  [[ -n "$line" ]] || { echo "$out" >&2; return 1; }
  local rps p50 p99 errors
  rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.*p50=([0-9.]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line")
  errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
  record "$name.$ep.$conns.rps" "$rps"
  record "$name.$ep.$conns.p50" "$p50"
  record "$name.$ep.$conns.p99" "$p99"
  printf '%-12s %-9s c=%-3s %8s req/s  p50 %6s ms  p99 %6s ms  errors %s\n' "$name" "$ep" "$conns" "$rps" "$p50" "$p99" "$errors" >&2
  if [[ "$errors" != 0 && "$name" != prism* ]]; then
    echo "loadtest: $name $ep answered $errors errors (non-2xx or socket errors)" >&2
    return 1
  fi
}

API=/v1/organizations/billing
DESCRIBE="$API/describe?action=getorganization&org_id=org_acme"
HISTORY="$API/history?action=list_billing&org_id=org_acme"
UPDATE="$API/update?action=updatesubscription"
UPDATE_BODY='{"org_id":"org_acme","quantity":QTY}'

# measure ROUNDS NAME=BASE...: the three requests at 10 and 50 connections, ROUNDS times, the servers
# taking turns on each. Updates go to their own session, reset before and after each run: every
# update adds an invoice (hundreds of thousands in a run), and neither the next update run nor
# describe and history should be measured on a heap that holds them.
measure() {
  local rounds=$1 conns round ep server name base
  shift
  for conns in 10 50; do
    for round in $(seq 1 "$rounds"); do
      # Every other round takes the servers in the reverse order, so that a drift of the machine's
      # speed within a round does not always favour the same one.
      local order=("$@")
      if ((round % 2 == 0)); then
        local i
        order=()
        for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done
      fi
      for ep in describe history update; do
        for server in "${order[@]}"; do
          name=${server%%=*} base=${server#*=}
          case $ep in
          describe) wrk_run "$name" describe "$conns" "$base$DESCRIBE" GET "" "" ;;
          history) wrk_run "$name" history "$conns" "$base$HISTORY" GET "" "" ;;
          update)
            reset_update_session "$name" "$base"
            wrk_run "$name" update "$conns" "$base$UPDATE" POST "$UPDATE_BODY" bench-update
            reset_update_session "$name" "$base"
            ;;
          esac
        done
      done
    done
  done
}

reset_update_session() { # NAME BASE: the mock's update session back to the seed
  if [[ "$1" == mock* || "$1" == baseline* ]]; then
    curl -s -o /dev/null -X POST -H 'X-Mock-Session: bench-update' "$2/_mock/reset"
  elif [[ "$1" == *proxy ]]; then # a proxy: its upstream's session
    curl -s -o /dev/null -X POST -H 'X-Mock-Session: bench-update' "http://127.0.0.1:$UPSTREAM_PORT/_mock/reset"
  fi
}

# proxy_part: the validating proxy and the bare reverse proxy in front of one mock, in turns, and
# Prism's proxy in front of the same mock once. The proxies run on CPU 0; the upstream mock runs
# on CPU 1 with wrk (UPSTREAM_CPU), so that a proxy's own cost, not the upstream's, is measured.
proxy_part() {
  echo "== the validating proxy: billing-mock -proxy, a bare httputil.ReverseProxy and Prism's proxy, in front of one mock" >&2
  local pids=() pid
  port_free "$UPSTREAM_PORT"
  taskset -c "$UPSTREAM_CPU" bin/billing-mock -quiet -addr "127.0.0.1:$UPSTREAM_PORT" >/dev/null &
  PIDS+=("$!") pids+=("$!")
  wait_ready "http://127.0.0.1:$UPSTREAM_PORT$DESCRIBE"
  port_free "$BAREPROXY_PORT"
  taskset -c 0 bin/bench-reverseproxy -addr "127.0.0.1:$BAREPROXY_PORT" -upstream "http://127.0.0.1:$UPSTREAM_PORT" &
  PIDS+=("$!") pids+=("$!")
  wait_ready "http://127.0.0.1:$BAREPROXY_PORT$DESCRIBE"
  port_free "$PROXY_PORT"
  taskset -c 0 bin/billing-mock -quiet -addr "127.0.0.1:$PROXY_PORT" -proxy "http://127.0.0.1:$UPSTREAM_PORT" >/dev/null &
  PIDS+=("$!") pids+=("$!")
  wait_ready "http://127.0.0.1:$PROXY_PORT$DESCRIBE"
  local servers=("bareproxy=http://127.0.0.1:$BAREPROXY_PORT" "proxy=http://127.0.0.1:$PROXY_PORT")
  if [[ "$PRISM" == 1 ]]; then
    port_free "$PRISMPROXY_PORT"
    taskset -c 0 bench/prism/node_modules/.bin/prism proxy -h 127.0.0.1 -p "$PRISMPROXY_PORT" --errors=false openapi.yaml "http://127.0.0.1:$UPSTREAM_PORT" >"$OUT/prismproxy.log" 2>&1 &
    PIDS+=("$!") pids+=("$!")
    wait_ready "http://127.0.0.1:$PRISMPROXY_PORT$DESCRIBE"
    servers+=("prismproxy=http://127.0.0.1:$PRISMPROXY_PORT")
  fi
  # Prism's proxy takes its turn in every round too: measured once, minutes apart from the
  # others, its rate moved with the machine's load by a factor of five.
  measure "$REPEAT" "${servers[@]}"
  if [[ "$(curl -s "http://127.0.0.1:$PROXY_PORT/_mock/violations")" != *'"response_violations":0'* ]]; then
    echo "loadtest: the validating proxy found violations in the mock's answers" >&2
    return 1
  fi
  for pid in "${pids[@]}"; do stop "$pid"; done
}

if [[ "$ONLY" == proxy ]]; then
  proxy_part
  bin/benchtool check "$RESULTS"
  exit
fi

echo "== load test: wrk on CPU 1, the servers on CPU 0, $REPEAT × $DURATION per request kind and server" >&2

port_free "$REF_PORT"
taskset -c 0 bin/bench-reference -addr "127.0.0.1:$REF_PORT" &
REF_PID=$!
PIDS+=("$REF_PID")
wait_ready "http://127.0.0.1:$REF_PORT/"
SERVERS=("reference=http://127.0.0.1:$REF_PORT")

LOAD_PIDS=()
# serve NAME BIN PORT ARGS...: start a mock for the rounds, on CPU 0.
serve() {
  local name=$1 bin=$2 port=$3
  shift 3
  port_free "$port"
  taskset -c 0 "$bin" -quiet -addr "127.0.0.1:$port" "$@" >/dev/null &
  PIDS+=("$!")
  LOAD_PIDS+=("$!")
  wait_ready "http://127.0.0.1:$port$DESCRIBE"
  SERVERS+=("$name=http://127.0.0.1:$port")
}

if [[ -n "$BASELINE" ]]; then serve baseline bin/billing-mock-baseline "$BASE_PORT"; fi
serve mock bin/billing-mock "$MOCK_PORT"
if [[ "$NOCACHE" == 1 ]]; then
  if [[ -n "$BASELINE" ]]; then serve baselinenocache bin/billing-mock-baseline "$BASE_NOCACHE_PORT" -validation-cache 0; fi
  serve mocknocache bin/billing-mock "$NOCACHE_PORT" -validation-cache 0
fi

measure "$REPEAT" "${SERVERS[@]}"
stop "$REF_PID"
for pid in "${LOAD_PIDS[@]}"; do stop "$pid"; done

if [[ "$PRISM" == 1 ]]; then
  # Prism is a hundred times slower: one round is enough to place it.
  port_free "$PRISM_PORT"
  taskset -c 0 bench/prism/node_modules/.bin/prism mock -h 127.0.0.1 -p "$PRISM_PORT" openapi.yaml >"$OUT/prism.log" 2>&1 &
  PRISM_PID=$!
  PIDS+=("$PRISM_PID")
  wait_ready "http://127.0.0.1:$PRISM_PORT$DESCRIBE"
  measure 1 "prism=http://127.0.0.1:$PRISM_PORT"
  stop "$PRISM_PID"
fi

proxy_part

echo "== start-up, memory and the contract suite" >&2
port_free "$MOCK_PORT"
line=$(taskset -c 1 bin/benchtool startup taskset -c 0 bin/billing-mock -quiet -addr "127.0.0.1:$MOCK_PORT")
MOCK_PID=${line##*pid=}
PIDS+=("$MOCK_PID")
startup=${line#startup_ms=}
record startup.ms "${startup%% *}"
sleep 1
record rss.idle "$(bin/benchtool rss "$MOCK_PID")"
bin/benchtool sessions "http://127.0.0.1:$MOCK_PORT" 1000
record rss.sessions "$(bin/benchtool rss "$MOCK_PID")"
stop "$MOCK_PID"

# ~1M requests (describe, 50 connections), sized from the describe rate measured above.
rate=$(awk '$1=="mock.describe.50.rps"{r=$2} END{print r}' "$RESULTS")
secs=$(awk -v r="$rate" -v n="$MILLION" 'BEGIN{s=int(n/r)+2; if (s>120) s=120; print s}')
port_free "$MOCK_PORT"
taskset -c 0 bin/billing-mock -quiet -addr "127.0.0.1:$MOCK_PORT" >/dev/null &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_ready "http://127.0.0.1:$MOCK_PORT$DESCRIBE"
out=$(BENCH_METHOD=GET taskset -c 1 wrk -t1 -c50 -d"${secs}s" -s bench/wrk.lua "http://127.0.0.1:$MOCK_PORT$DESCRIBE")
record million.requests "$(grep '^RESULT' <<<"$out" | sed -E 's/.*requests=([0-9]+).*/\1/')"
record rss.million "$(bin/benchtool rss "$MOCK_PID")"
stop "$MOCK_PID"

port_free "$MOCK_PORT"
taskset -c 0 bin/billing-mock -quiet -addr "127.0.0.1:$MOCK_PORT" >/dev/null &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_ready "http://127.0.0.1:$MOCK_PORT$DESCRIBE"
t0=$(date +%s%N)
taskset -c 1 bin/contracttest -base-url "http://127.0.0.1:$MOCK_PORT" >"$OUT/contracttest.txt" 2>&1 || {
  cat "$OUT/contracttest.txt" >&2
  echo "loadtest: the contract suite failed against the mock" >&2
  exit 1
}
t1=$(date +%s%N)
record contracttest.s "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}')"
stop "$MOCK_PID"

{
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr), $(go version | cut -d' ' -f3)"
  echo "wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2) -t1 -d$DURATION --latency, median of $REPEAT interleaved runs; servers on CPU 0, wrk on CPU 1"
  if [[ -n "$BASELINE" ]]; then echo "baseline: $BASELINE ($(git rev-parse --short "$BASELINE^{commit}"))"; fi
} | tee "$OUT/machine.txt"
bin/benchtool check "$RESULTS"
