# Sourced by the wrk scripts: `use_build TARGET...` sets $build to the directory whose binaries
# they measure. BUILD_DIR=build-release: the LTO + PGO build of tools/build-release.sh, which
# must already hold the targets; otherwise build/, configured (Release, no tests) and built
# here with the targets named.
use_build() {
  build=${BUILD_DIR:-build}
  if [[ "$build" == build ]]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCDS_BUILD_TESTS=OFF >/dev/null
    cmake --build build -j"$(nproc)" --target "$@" >/dev/null
  fi
  local target
  for target in "$@"; do
    [[ -x "$build/$target" ]] ||
      { echo "no $target in $build (tools/build-release.sh builds build-release/)" >&2; exit 1; }
  done
}
