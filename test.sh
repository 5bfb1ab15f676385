#!/usr/bin/env bash
# Installs what is missing, builds everything in a Debug build with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/), and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")"

tools/ensure-deps.sh @build chromium testssl.sh python3 postgresql

certs/make-dev-certs.sh

# Node test tools (tests/node/<name>/: the FHIR test server, jose, playwright-core, ...): installed from their committed
# lock files, only when node_modules is missing or older than the lock.
tools/ensure-deps.sh nodejs
for dir in tests/node/*/; do
  [[ -f "${dir}package-lock.json" ]] || continue  # a tool without npm dependencies
  if [[ ! -d "${dir}node_modules" || "${dir}package-lock.json" -nt "${dir}node_modules" ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# The Release build ./run.sh uses: optimised builds warn differently, and it must never break.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target cds-hooks-server cds-hooks-cli
# ... and it must answer every golden case as the sanitizer build does (the golden integration
# test below runs them against build-asan/; optimisation must not change an answer).
tools/check-golden.py build/cds-hooks-server

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCDS_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-asan
ctest --output-on-failure --timeout 600 -j"$(nproc)"
