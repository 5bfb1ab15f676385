#!/usr/bin/env bash
# Hook throughput with JWT authentication on, every call carrying its own fresh token (signed
# beforehand with jose, so no replay), ES384 and RS384, audit on: wrk over HTTPS keep-alive
# against the Release server, with `openssl speed` for the raw verify rate measured in the same
# run (the bound for ES384). Usage: bench/run-jwt-wrk.sh [seconds] [connections]
# SERVERS="new=build/cds-hooks-server old=/path/to/other/cds-hooks-server" compares binaries in
# the same run (each algorithm's rows back to back; tokens are single-use per server, and each
# server has its own replay store, so the same tokens serve every binary).
# A label starting with "pg" runs its server with the shared PostgreSQL replay store
# (--replay-postgres): REPLAY_POSTGRES=CONNINFO names the database, else a throwaway cluster is
# started on loopback for the run (Debian's postgresql); its table is emptied before each row.
# SERVERS="memory=build/cds-hooks-server pg=build/cds-hooks-server" compares the two stores.
# Prints a Markdown table for docs/performance.md. Not a test: figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
connections=${2:-32}
threads=${WRK_THREADS:-2}
export WRK_THREADS=$threads

tools/ensure-deps.sh wrk nodejs
certs/make-dev-certs.sh
if [[ ! -d tests/node/stress/node_modules ]]; then
  (cd tests/node/stress && npm ci --no-audit --no-fund --loglevel=error)
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target cds-hooks-server >/dev/null

work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "kept $work (KEEP_WORK)" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
read -r -a servers <<<"${SERVERS:-this=build/cds-hooks-server}"
pg_bin=
if [[ " ${servers[*]}" == *" pg"* && -z "${REPLAY_POSTGRES:-}" ]]; then
  # A throwaway PostgreSQL for the pg rows (as the postgres user when running as root).
  tools/ensure-deps.sh postgresql
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  as=()
  [[ $(id -u) -eq 0 ]] && { mkdir -p "$work/pg"; chown postgres "$work" "$work/pg"; as=(runuser -u postgres --); }
  "${as[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U cds -A trust --no-sync >/dev/null
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
  REPLAY_POSTGRES="host=127.0.0.1 port=$pg_port user=cds dbname=postgres"
  stop_pg() { "${as[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null || true; cleanup; }
  trap stop_pg EXIT
fi
public=https://cds.bench.test
path=/cds-services/antimicrobial-stewardship-order-select
iss=https://bench-ehr.test
echo '{"limits": {"issuer_requests_per_second": 0}}' > "$work/config.jsonc"

echo "wrk -t$threads -c$connections -d${seconds}s, HTTPS keep-alive, a fresh token per call, audit on, $(nproc) cores, $(date -u +%F)"
echo
es384=()
echo "| alg | req/s | p50 ms | p99 ms | errors | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
# "none": the same server and body with authentication off, the same run's reference.
for alg in none ES384 RS384; do
  mkdir -p "$work/$alg"
  if [[ $alg == none ]]; then
    auth=(--insecure-no-auth)
    script=bench/order-select.lua
  else
    case $alg in ES384) count=${ES_TOKENS:-20000} ;; RS384) count=${RS_TOKENS:-150000} ;; esac
    node tests/node/stress/bench-tokens.mjs "$work/$alg" "$alg" "$count" "$public$path" "$iss"
    auth=(--trust-issuer "$iss=$work/$alg/jwks.json")
    script=bench/order-select-tokens.lua
  fi
  # The verify rate right before the ES384 rounds too: this machine's speed drifts over minutes.
  if [[ $alg == ES384 ]]; then
    verifies_before=$(openssl speed -seconds 2 ecdsap384 2>/dev/null | awk '/nistp384/ {print $NF}')
  fi
  for server in "${servers[@]}"; do
    label=${server%%=*}
    binary=${server#*=}
    name=$alg
    [[ ${#servers[@]} -gt 1 ]] && name="$alg ($label)"
    out="$work/$alg/server.out"
    rm -f "$work/$alg/audit.db"*
    replay=()
    if [[ $label == pg* && $alg != none ]]; then
      replay=(--replay-postgres "$REPLAY_POSTGRES")
      psql -X -q "$REPLAY_POSTGRES" -c 'TRUNCATE cds_jti' 2>/dev/null || true
    fi
    "$binary" --port 0 --config "$work/config.jsonc" --public-base-url "$public" \
      "${auth[@]}" "${replay[@]}" --audit-db "$work/$alg/audit.db" >"$out" 2>"$work/$alg/server.log" &
    pid=$!
    for _ in $(seq 100); do grep -q '^listening on https' "$out" && break; sleep 0.1; done
    base=$(sed -n 's/^listening on //p' "$out" | head -1)
    [[ -n "$base" ]] || { echo "server did not start" >&2; cat "$work/$alg/server.log" >&2; exit 1; }
    line=$(CDS_BENCH_TOKENS="$work/$alg/tokens.txt" wrk -t"$threads" -c"$connections" \
           -d"${seconds}s" --latency -s "$script" "$base$path" | grep '^RESULT')
    rps=$(echo "$line" | sed -n 's/.* rps=\([0-9]*\).*/\1/p')
    [[ $alg == ES384 ]] && es384+=("$name: $rps")
    echo "$line" | awk -v name="$name" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "| %s | %s | %s | %s | %s | %s |\n", name, v["rps"], v["p50_ms"], v["p99_ms"], v["errors"], v["non2xx"]
    }'
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
done
echo
echo "openssl speed -seconds 2 ecdsap384 rsa2048 (same run, one core):"
speed=$(openssl speed -seconds 2 ecdsap384 rsa2048 2>/dev/null | grep -E 'ecdsa \(nistp384\)|^rsa 2048')
echo "$speed"
# The ES384 bound of issue 8: OpenSSL's P-384 verifies per second per core, times the cores
# (the mean of the rates measured right before the ES384 rounds and after all rounds).
verifies_after=$(echo "$speed" | awk '/nistp384/ {print $NF}')
verifies=$(awk -v a="$verifies_before" -v b="$verifies_after" 'BEGIN {print (a + b) / 2}')
echo
echo "ecdsap384 verifies/s per core: $verifies_before before the ES384 rounds, $verifies_after after"
for row in "${es384[@]}"; do
  awk -v row="$row" -v v="$verifies" -v cores="$(nproc)" 'BEGIN {
    split(row, kv, ": "); bound = v * cores
    printf "%s req/s = %.0f %% of the verify bound (%.0f/s per core x %d cores = %.0f/s)\n", row, 100 * kv[2] / bound, v, cores, bound
  }'
done
