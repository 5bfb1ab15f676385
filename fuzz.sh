#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/*_fuzz.cpp) for N seconds each (default 60), built with
# clang + ASan + UBSan in build-fuzz/. New corpus entries go to build-fuzz/corpus/<target>/ (the
# committed seed corpus in fuzz/corpus/ is read, not written). A crash stops with the input
# saved as build-fuzz/crash-<target>-*: copy it to fuzz/regressions/<target>/ (replayed by ctest)
# and fix. Prints executions/s per target for docs/security.md.
# Usage: ./fuzz.sh [seconds-per-target] [target...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true

tools/ensure-deps.sh clang-14 libclang-rt-14-dev cmake make libboost1.81-dev libssl-dev \
  rapidjson-dev libsqlite3-dev nettle-dev libpq-dev
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCDS_FUZZ=ON -DCDS_BUILD_TESTS=OFF -DCDS_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  short=${target%_fuzz}
  mkdir -p "build-fuzz/corpus/$short"
  log="build-fuzz/$target.log"
  echo "== $target: ${seconds}s"
  set +e
  "build-fuzz/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/crash-$short-" \
    "build-fuzz/corpus/$short" "fuzz/corpus/$short" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [[ $rc -ne 0 ]]; then
    echo "   FINDING (exit $rc): see $log and build-fuzz/crash-$short-*"
    status=1
  fi
  echo "   runs=${runs:-?} exec/s=${secs:-?} ${cov:-}"
done
exit $status
