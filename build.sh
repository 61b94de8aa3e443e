#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine, safe to run again (quick when nothing changed):
#   ./build.sh run    install what is missing, build, start tradingd in sandbox mode
#   ./build.sh test   install what is missing, build, run the whole test suite (ctest)
#   ./build.sh build  install and build only
# Environment: BUILD_DIR (default build), BUILD_TYPE (Release), SANITIZE=1 (ASan+UBSan),
# CI=true turns warnings into errors and makes the fixture tests mandatory.
set -euo pipefail
cd "$(dirname "$0")"

action="${1:-build}"
shift || true
build_dir="${BUILD_DIR:-build}"
build_type="${BUILD_TYPE:-Release}"

packages=(build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libsimdjson-dev libconcurrentqueue-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libcli11-dev libsqlite3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  local werror=OFF sanitize=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  [ "${SANITIZE:-0}" = "1" ] && sanitize=ON
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
    -DTRADINGD_WERROR="$werror" -DTRADINGD_SANITIZE="$sanitize" >/dev/null
  # Two cores, and the Beast translation unit alone needs ~1 GiB: -j2 is the sweet spot.
  cmake --build "$build_dir" -j "${JOBS:-2}"
}

install_missing
configure_and_build

case "$action" in
  run)
    exec "$build_dir/app/tradingd" run --config configs/sandbox.toml "$@"
    ;;
  test)
    cd "$build_dir"
    exec ctest --output-on-failure -j 2 --timeout 600 "$@"
    ;;
  build)
    ;;
  *)
    echo "usage: $0 run|test|build" >&2
    exit 2
    ;;
esac
