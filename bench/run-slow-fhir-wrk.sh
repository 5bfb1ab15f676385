#!/usr/bin/env bash
# Issue 8 budget: calls whose prefetch waits on a FHIR server that takes 1 s must not slow calls
# that need no fetch (no thread blocked on I/O). wrk POSTs the complete order-select body for
# N seconds twice against the same Release server: alone, then while 32 calls at a time wait on
# a 1 s FHIR server (tests/node/stress/slow-fhir-load.mjs). Usage: bench/run-slow-fhir-wrk.sh [N]
# CONNECTIONS (default 32) sets wrk's connections; SERVER another binary (default the Release
# build's).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
tools/ensure-deps.sh wrk nodejs
certs/make-dev-certs.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target cds-hooks-server >/dev/null
work=$(mktemp -d)
fport=$((20000 + RANDOM % 20000))
"${SERVER:-build/cds-hooks-server}" --port 0 --insecure-no-auth --audit-db "$work/audit.db" --allow-http-fhir \
  --fhir-allow "http://127.0.0.1:$fport" >"$work/out" 2>"$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^listening on https' "$work/out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/out" | head -1)
port=${base##*:}
path=/cds-services/antimicrobial-stewardship-order-select
echo "| run | req/s | p50 ms | p99 ms | errors | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
row() {
  wrk -t2 -c"${CONNECTIONS:-32}" -d"${seconds}s" --latency -s bench/order-select.lua "$base$path" | grep '^RESULT' |
    awk -v name="$1" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "| %s | %s | %s | %s | %s | %s |\n", name, v["rps"], v["p50_ms"], v["p99_ms"], v["errors"], v["non2xx"] }'
}
row "no-fetch calls alone"
node tests/node/stress/slow-fhir-load.mjs --port "$port" --fhir-port "$fport" \
  --seconds $((seconds + 2)) --concurrency 32 --source-dir "$PWD" >"$work/slow.json" &
slow=$!
sleep 1
row "no-fetch calls while 32 calls wait on a 1 s FHIR server"
wait $slow
echo
echo "slow calls: $(cat "$work/slow.json")"
