#!/usr/bin/env bash
# The production build of the server: link-time and profile-guided optimisation (GCC).
#   1. build-pgo/: an instrumented Release server and CLI (CDS_PGO=generate, with LTO);
#   2. tools/pgo-train.sh runs it on loopback with every golden request, the benchmark bodies
#      and bad requests, then with authentication on (fresh ES384 and RS384 tokens, replays),
#      and stops it, which writes the profile to build-pgo/profile/;
#   3. build-release/: the server, the CLI and the transport baseline built with that profile
#      (CDS_PGO=use, with LTO);
#   4. tools/check-golden.py: the optimised server must answer every golden case as expected.
# Prints the path of the server it built. The same code as ./run.sh's build/, which has neither
# LTO nor a profile; docs/performance.md ("LTO and PGO") has what each gains. Takes ~8 minutes
# on 2 cores. Later runs rebuild the instrumented server only where the sources changed, but
# retrain and rebuild all of build-release/: the build tool cannot see that a new profile
# changes every object.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/ensure-deps.sh @build wrk python3
certs/make-dev-certs.sh

profile=$PWD/build-pgo/profile
cmake -S . -B build-pgo -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF -DCDS_BUILD_BENCH=OFF \
  -DCDS_LTO=ON -DCDS_PGO=generate -DCDS_PGO_DIR="$profile" >/dev/null
cmake --build build-pgo -j"$(nproc)" --target cds-hooks-server cds-hooks-cli >&2

rm -rf "$profile"  # counts from an older build of a changed file would not match it
tools/pgo-train.sh build-pgo/cds-hooks-server >&2
[[ -n "$(find "$profile" -name '*.gcda' -print -quit)" ]] || {
  echo "build-release: the training wrote no profile to $profile" >&2
  exit 1
}

cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF -DCDS_LTO=ON \
  -DCDS_PGO=use -DCDS_PGO_DIR="$profile" >/dev/null
cmake --build build-release -j"$(nproc)" --clean-first --target cds-hooks-server cds-hooks-cli \
  cds_baseline_server >&2
tools/check-golden.py build-release/cds-hooks-server >&2
echo "$PWD/build-release/cds-hooks-server"
