#!/usr/bin/env bash
# Installs what is missing, builds the Release server in build/, creates the dev certificates
# on first run, and starts the server with the embedded defaults (https://127.0.0.1:8443).
# Extra arguments are passed to the server (see build/cds-hooks-server --help).
set -euo pipefail
cd "$(dirname "$0")"

tools/ensure-deps.sh g++ cmake make libboost1.81-dev libssl-dev rapidjson-dev libgtest-dev \
  libgmock-dev libsqlite3-dev libbenchmark-dev openssl curl ca-certificates

certs/make-dev-certs.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target cds-hooks-server cds-hooks-cli

cat <<MSG

CDS Hooks stewardship service: https://127.0.0.1:8443/cds-services
  discovery:  curl --cacert certs/dev/ca.pem https://127.0.0.1:8443/cds-services
  a call:     curl --cacert certs/dev/ca.pem -H 'Content-Type: application/json' \\
                --data-binary @tests/data/golden/realistic-kpc-bacteremia-meropenem-on-divalproex/01-order-select.request.json \\
                https://127.0.0.1:8443/cds-services/antimicrobial-stewardship-order-select
  browser:    trust certs/dev/ca.pem, then open https://localhost:8443/cds-services
Stop with Ctrl-C (in-flight requests finish first).

MSG
exec build/cds-hooks-server "$@"
