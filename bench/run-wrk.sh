#!/usr/bin/env bash
# wrk over HTTPS keep-alive against the Release server: discovery (the baseline of the same
# run) and a realistic order-select call. Usage: bench/run-wrk.sh [seconds] [connections]
# Prints a Markdown table for docs/performance.md. Not a test: figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
threads=${WRK_THREADS:-2}

tools/ensure-deps.sh wrk
certs/make-dev-certs.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target cds-hooks-server >/dev/null

mkdir -p bench/results
out=$(mktemp)
build/cds-hooks-server --port 0 ${SERVER_ARGS:-} >"$out" 2>bench/results/server.log &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q '^listening on https' "$out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$out" | head -1)
[[ -n "$base" ]] || { echo "server did not start" >&2; exit 1; }

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

echo "wrk -t$threads -c$connections -d${seconds}s, HTTPS keep-alive, $(nproc) cores, $(date -u +%F)"
echo
echo "| run | req/s | p50 ms | p99 ms | socket errors | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
run "GET /cds-services (baseline)" discovery.lua /cds-services
run "POST order-select ($(wc -c < bench/data/order-select-10k.json) B)" order-select.lua \
  /cds-services/antimicrobial-stewardship-order-select
