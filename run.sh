#!/usr/bin/env bash
# Installs what is missing, builds the Release server in build/, creates the dev certificates
# and a demo EHR signing key on first run, and starts the server on https://localhost:8443 with
# authentication on: it trusts the demo EHR (pinned key set in certs/dev/) and the CDS Hooks
# Sandbox (through its published jku). Extra arguments are passed to the server (see
# build/cds-hooks-server --help); with --port, also give --public-base-url.
set -euo pipefail
cd "$(dirname "$0")"

tools/ensure-deps.sh @build

certs/make-dev-certs.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target cds-hooks-server cds-hooks-cli

# The admin token of the review page (/admin/), made once (var/ is git-ignored).
mkdir -p var && chmod 700 var
if [[ ! -s var/admin-token ]]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '/+=\n' > var/admin-token)
fi

# The demo EHR: an ES384 key pair (git-ignored, like all of certs/dev/) whose public JWK Set the
# server pins; `build/cds-hooks-cli token` signs with the private key.
if [[ ! -s certs/dev/demo-ehr-key.pem ]]; then
  (umask 077 && openssl ecparam -name secp384r1 -genkey -noout -out certs/dev/demo-ehr-key.pem)
  echo "demo EHR key written to certs/dev/demo-ehr-key.pem"
fi
build/cds-hooks-cli token --jwks --key certs/dev/demo-ehr-key.pem > certs/dev/demo-ehr-jwks.json

cat <<MSG

CDS Hooks stewardship service: https://localhost:8443/cds-services
  discovery:  curl --cacert certs/dev/ca.pem https://localhost:8443/cds-services
  a call (each needs a fresh token: a token is accepted once):
    URL=https://localhost:8443/cds-services/antimicrobial-stewardship-order-select
    curl --cacert certs/dev/ca.pem -H 'Content-Type: application/json' \\
      -H "Authorization: Bearer \$(build/cds-hooks-cli token --aud \$URL)" \\
      --data-binary @tests/data/golden/realistic-kpc-bacteremia-meropenem-on-divalproex/01-order-select.request.json \$URL
  browser:    trust certs/dev/ca.pem, then open https://localhost:8443/cds-services
  audit:      https://localhost:8443/admin/ with the token in var/admin-token
              (calls, cards and feedback are recorded in var/audit.db; docs/audit.md)
  trusted:    https://demo-ehr.invalid (certs/dev/demo-ehr-jwks.json, pinned) and
              https://sandbox.cds-hooks.org (jku https://sandbox.cds-hooks.org/.well-known/jwks.json)
Stop with Ctrl-C (in-flight requests finish first).

MSG
exec build/cds-hooks-server --admin-token-file var/admin-token \
  --public-base-url https://localhost:8443 \
  --trust-issuer https://demo-ehr.invalid=certs/dev/demo-ehr-jwks.json \
  --trust-issuer https://sandbox.cds-hooks.org=https://sandbox.cds-hooks.org/.well-known/jwks.json \
  "$@"
