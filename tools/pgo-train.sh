#!/usr/bin/env bash
# Trains a profile-guided build (tools/build-release.sh): runs the instrumented server given as
# $1 on loopback and sends it what a hospital's EHR sends, so that the compiler learns which
# paths are hot. Every golden request in tests/data/golden (all rules, order-select and
# order-sign) in turn, the realistic benchmark bodies (bench/data), and the usual bad requests
# (malformed JSON, wrong types, unknown services, bad tokens); then SIGTERM, on which the
# instrumented binary writes its profile. Usage: tools/pgo-train.sh SERVER_BINARY [seconds]
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

# The golden cases are evaluated as of their fixed instant, so their lookbacks match.
"$server" --port 0 --insecure-no-auth --now 2026-11-21T12:00:00Z --audit-db "$work/audit.db" \
  >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on https' "$work/out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/out" | head -1)
[[ -n "$base" ]] || { echo "pgo-train: $server did not start" >&2; cat "$work/log" >&2; exit 1; }
select=$base/cds-services/antimicrobial-stewardship-order-select
sign=$base/cds-services/antimicrobial-stewardship-order-sign

find tests/data/golden -name '*order-select.request.json' | sort >"$work/select.txt"
find tests/data/golden -name '*order-sign.request.json' | sort >"$work/sign.txt"
bench() {  # seconds url [env...]
  local s=$1 url=$2
  shift 2
  env "$@" wrk -t2 -c16 -d"${s}s" -s "${script:-bench/order-select.lua}" "$url" | grep '^RESULT'
}
script=bench/rotate.lua bench "$seconds" "$select" CDS_BENCH_BODIES="$work/select.txt"
script=bench/rotate.lua bench "$((seconds / 2 + 1))" "$sign" CDS_BENCH_BODIES="$work/sign.txt"
bench "$seconds" "$select"
bench "$((seconds / 2 + 1))" "$select" CDS_BENCH_BODY=bench/data/order-select-50k.json

# Bad requests: each must be answered with an error, never a crash.
curl_() { curl -sk -o /dev/null -w '%{http_code} ' "$@"; }
for _ in $(seq 20); do
  curl_ -X POST -H 'Content-Type: application/json' --data '{"hook":' "$select"
  curl_ -X POST -H 'Content-Type: application/json' --data '{"hook":"order-select","hookInstance":7}' "$select"
  curl_ -X POST -H 'Content-Type: application/json' --data '{}' "$base/cds-services/unknown"
  curl_ -X POST -H 'Content-Type: text/plain' --data 'x' "$select"
  curl_ -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer a.b.c' --data '{}' "$sign"
  curl_ "$base/cds-services"
done
echo
kill -TERM "$pid"
wait "$pid"
pid=
echo "pgo-train: profile written"
