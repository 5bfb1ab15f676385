#!/usr/bin/env bash
# Installs the Debian packages named on the command line when any is missing: with apt-get when
# running as root, otherwise prints the exact command to run and fails. `@build` stands for
# what every build of the server needs (one list for run.sh, test.sh, stress.sh and the
# benchmark scripts).
set -euo pipefail
build=(g++ cmake make libboost1.81-dev libssl-dev rapidjson-dev libgtest-dev
  libgmock-dev libsqlite3-dev libbenchmark-dev libjemalloc-dev nettle-dev libpq-dev openssl curl
  ca-certificates)
packages=()
for arg in "$@"; do
  if [[ "$arg" == @build ]]; then packages+=("${build[@]}"); else packages+=("$arg"); fi
done
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ "$(id -u)" -ne 0 ]]; then
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
