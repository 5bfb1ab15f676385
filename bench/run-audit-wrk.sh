#!/usr/bin/env bash
# Hook throughput with the audit trail off, on (the defaults: synchronous=FULL, commit_delay_us
# 2000) and on without the commit delay (commit_delay_us 0), in the same run: wrk POSTs the realistic order-select call (it fires two
# cards) over HTTPS keep-alive to three Release servers, in alternating rounds so that machine
# noise hits every configuration alike. Usage: bench/run-audit-wrk.sh [seconds] [connections]
# [rounds]. Prints a Markdown table and the ratios for docs/performance.md. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
rounds=${3:-3}
threads=${WRK_THREADS:-2}

tools/ensure-deps.sh wrk sqlite3 bc
certs/make-dev-certs.sh
# BUILD_DIR=build-release measures the LTO + PGO build of tools/build-release.sh.
source bench/build-dir.sh
use_build cds-hooks-server

mkdir -p bench/results
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo '{"audit": {"commit_delay_us": 0}}' > "$work/nodelay.jsonc"
declare -A url
start() {  # name args...
  local name=$1
  shift
  "$build/cds-hooks-server" --port 0 --insecure-no-auth "$@" >"$work/$name.out" 2>"bench/results/server-$name.log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^listening on https' "$work/$name.out" && break; sleep 0.1; done
  url[$name]=$(sed -n 's/^listening on //p' "$work/$name.out" | head -1)
  [[ -n "${url[$name]}" ]] || { echo "server $name did not start" >&2; exit 1; }
}
start off --no-audit
start full --audit-db "$work/full.db"
start nodelay --audit-db "$work/nodelay.db" --config "$work/nodelay.jsonc"

declare -A sum
names=(off full nodelay)
for name in "${names[@]}"; do sum[$name]=0; done
echo "wrk -t$threads -c$connections -d${seconds}s x $rounds rounds, HTTPS keep-alive, $(nproc) cores, $build, $(date -u +%F)"
echo
echo "| round | audit | req/s | p50 ms | p99 ms | errors | non-2xx |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    line=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/order-select.lua \
           "${url[$name]}/cds-services/antimicrobial-stewardship-order-select" | grep '^RESULT')
    rps=$(echo "$line" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p')
    sum[$name]=$(echo "${sum[$name]} + $rps" | bc -l)
    echo "$line" | awk -v round="$round" -v name="$name" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", round, name, v["rps"], v["p50_ms"], v["p99_ms"], v["errors"], v["non2xx"]
    }'
  done
done
echo
for name in full nodelay; do
  ratio=$(echo "${sum[$name]} / ${sum[off]}" | bc -l)
  printf "mean req/s with audit %s / without: %.3f (cost %.1f %%)\n" "$name" "$ratio" \
    "$(echo "(1 - $ratio) * 100" | bc -l)"
done
# What the store holds after the run, and the group commit it achieved.
calls=$(sqlite3 "$work/full.db" 'SELECT count(*) FROM calls')
cards=$(sqlite3 "$work/full.db" 'SELECT count(*) FROM cards')
echo "audit full: $calls calls, $cards cards recorded"
kill "${pids[1]}" && wait "${pids[1]}" 2>/dev/null || true
grep '"audit trail closed"' bench/results/server-full.log || true
