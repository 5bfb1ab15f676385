#!/usr/bin/env bash
# wrk over HTTPS keep-alive against the Release server: discovery, a realistic order-select
# call, and the same order-select body against the transport-only baseline server (same TLS/HTTP
# stack, constant reply: bench/baseline_server.cpp), all in one run so the ratios can be read.
# The baseline runs twice: replying {"cards":[]} (as issue 8 describes it), and replying the
# server's real response to this body, byte for byte, so that encrypting and sending a reply of
# the real size counts as transport too.
# Usage: bench/run-wrk.sh [seconds] [connections]
# Prints a Markdown table for docs/performance.md. Not a test: figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
threads=${WRK_THREADS:-2}

tools/ensure-deps.sh wrk
certs/make-dev-certs.sh
# BUILD_DIR=build-release measures the LTO + PGO build of tools/build-release.sh.
source bench/build-dir.sh
use_build cds-hooks-server cds_baseline_server

mkdir -p bench/results
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done' EXIT
start() {  # binary log → sets $base
  local out
  out=$(mktemp)
  "$1" --port 0 ${SERVER_ARGS:-} >"$out" 2>"bench/results/$2" &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^listening on https' "$out" && break; sleep 0.1; done
  base=$(sed -n 's/^listening on //p' "$out" | head -1)
  rm -f "$out"
  [[ -n "$base" ]] || { echo "$1 did not start" >&2; exit 1; }
}
# Authentication off: this measures the decision path (bench/run-jwt-wrk.sh measures tokens).
SERVER_ARGS="--insecure-no-auth ${SERVER_ARGS:-}" start "$build/cds-hooks-server" server.log
server_base=$base
start "$build/cds_baseline_server" baseline.log
baseline_base=$base
reply=bench/results/order-select-response.json
curl -sSfk -X POST -H 'Content-Type: application/json' --data-binary @bench/data/order-select-10k.json \
  -o "$reply" "$server_base/cds-services/antimicrobial-stewardship-order-select"
CDS_BASELINE_REPLY="$reply" start "$build/cds_baseline_server" baseline-real-reply.log
baseline_real_base=$base
base=$server_base

run() {  # name script path
  local line
  line=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "bench/$2" "$base$3" |
         grep '^RESULT')
  echo "$1 $line" >&2
  echo "$line" | awk -v name="$1" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "| %s | %s | %s | %s | %s | %s |\n", name, v["rps"], v["p50_ms"], v["p99_ms"], v["errors"], v["non2xx"]
  }'
}

echo "wrk -t$threads -c$connections -d${seconds}s, HTTPS keep-alive, $(nproc) cores, $build, $(date -u +%F)"
echo
echo "| run | req/s | p50 ms | p99 ms | socket errors | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
run "GET /cds-services (baseline)" discovery.lua /cds-services
run "POST order-select ($(wc -c < bench/data/order-select-10k.json) B)" order-select.lua \
  /cds-services/antimicrobial-stewardship-order-select
base=$baseline_base
run "POST same body, transport-only baseline" order-select.lua \
  /cds-services/antimicrobial-stewardship-order-select
base=$baseline_real_base
run "POST same body, baseline replying the real response ($(wc -c < "$reply") B)" order-select.lua \
  /cds-services/antimicrobial-stewardship-order-select
