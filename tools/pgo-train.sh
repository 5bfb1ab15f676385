#!/usr/bin/env bash
# Trains a profile-guided build (tools/build-release.sh): runs the instrumented server given as
# $1 on loopback and sends it what a hospital's EHR sends, so that the compiler learns which
# paths are hot. Every golden request in tests/data/golden (all rules, order-select and
# order-sign) in turn, the realistic benchmark bodies (bench/data), and the usual bad requests
# (malformed JSON, wrong types, unknown services, bad tokens); then SIGTERM, on which the
# instrumented binary writes its profile. When the CLI was built beside the server, a second
# run has authentication on, as in production: a fresh ES384 or RS384 token per call (signed
# by `cds-hooks-cli token --count`), and replays. Usage: tools/pgo-train.sh SERVER_BINARY [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
server=$1
seconds=${2:-4}

work=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start() {  # server arguments... → sets $pid and $base
  "$server" --port 0 "$@" >"$work/out" 2>"$work/log" &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening on https' "$work/out" && break; sleep 0.1; done
  base=$(sed -n 's/^listening on //p' "$work/out" | head -1)
  [[ -n "$base" ]] || { echo "pgo-train: $server did not start" >&2; cat "$work/log" >&2; exit 1; }
}
stop() {  # SIGTERM: the instrumented server writes its profile as it exits
  kill -TERM "$pid"
  wait "$pid"
  pid=
}
bench() {  # seconds url wrk-script [env...]
  local s=$1 url=$2 script=$3
  shift 3
  env "$@" wrk -t2 -c16 -d"${s}s" -s "$script" "$url" | grep '^RESULT'
}

# The golden cases are evaluated as of their fixed instant, so their lookbacks match.
start --insecure-no-auth --now 2026-11-21T12:00:00Z --audit-db "$work/audit.db"
select=$base/cds-services/antimicrobial-stewardship-order-select
sign=$base/cds-services/antimicrobial-stewardship-order-sign

find tests/data/golden -name '*order-select.request.json' | sort >"$work/select.txt"
find tests/data/golden -name '*order-sign.request.json' | sort >"$work/sign.txt"
bench "$seconds" "$select" bench/rotate.lua CDS_BENCH_BODIES="$work/select.txt"
bench "$((seconds / 2 + 1))" "$sign" bench/rotate.lua CDS_BENCH_BODIES="$work/sign.txt"
bench "$seconds" "$select" bench/order-select.lua
bench "$((seconds / 2 + 1))" "$select" bench/order-select.lua \
  CDS_BENCH_BODY=bench/data/order-select-50k.json

# Bad requests: each must be answered with an error, never a crash.
curl_() { curl -sk -o /dev/null -w '%{http_code} ' "$@"; }
for _ in $(seq 20); do
  curl_ -X POST -H 'Content-Type: application/json' --data '{"hook":' "$select"
  curl_ -X POST -H 'Content-Type: application/json' --data '{"hook":"order-select","hookInstance":7}' "$select"
  curl_ -X POST -H 'Content-Type: application/json' --data '{}' "$base/cds-services/unknown"
  curl_ -X POST -H 'Content-Type: text/plain' --data 'x' "$select"
  curl_ -X POST -H 'Content-Type: application/json' --data '[]' "$sign"
  curl_ "$base/cds-services"
done
echo
stop

cli=$(dirname "$server")/cds-hooks-cli
if [[ -x "$cli" ]]; then
  public=https://cds.train.test
  path=/cds-services/antimicrobial-stewardship-order-select
  openssl ecparam -name secp384r1 -genkey -noout -out "$work/es384.pem"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rs384.pem" 2>/dev/null
  trust=()
  for alg in es384 rs384; do
    "$cli" token --jwks --key "$work/$alg.pem" >"$work/$alg-jwks.json"
    trust+=(--trust-issuer "https://$alg.train.test=$work/$alg-jwks.json")
  done
  echo '{"limits": {"issuer_requests_per_second": 0}}' >"$work/config.jsonc"
  start --config "$work/config.jsonc" --public-base-url "$public" "${trust[@]}" \
    --audit-db "$work/audit-auth.db"
  for alg in es384 rs384; do
    "$cli" token --count 1000 --key "$work/$alg.pem" --iss "https://$alg.train.test" \
      --aud "$public$path" >"$work/$alg.tokens"
    # Past its half of the tokens each wrk thread replays its last one: the replay path too.
    bench 2 "$base$path" bench/order-select-tokens.lua CDS_BENCH_TOKENS="$work/$alg.tokens" \
      WRK_THREADS=2
  done
  # Tokens that are not JWTs, or not signed by a trusted key: 401s.
  for _ in $(seq 20); do
    curl_ -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer a.b.c' \
      --data-binary @bench/data/order-select-10k.json "$base$path"
    curl_ -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $(head -1 "$work/es384.tokens")x" \
      --data-binary @bench/data/order-select-10k.json "$base$path"
  done
  echo
  stop
fi
echo "pgo-train: profile written"
