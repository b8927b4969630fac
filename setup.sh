#!/usr/bin/env bash
# Switchyard's one entry point on a fresh Debian 12 machine: installs what is
# missing (Debian packages only), builds, then runs the gateway or the tests.
#
#   ./setup.sh run [switchyard options]   build and run with config/switchyard.yaml
#   ./setup.sh test                       build and run every test (ctest)
#   ./setup.sh build                      build only
#
# Environment: BUILD_DIR (default build), WERROR=ON to fail on warnings.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_PACKAGES=(g++ cmake ninja-build libboost1.81-dev libboost-json1.81-dev libssl-dev
  libyaml-cpp-dev prometheus-cpp-dev doctest-dev ca-certificates)
# promtool and a real Prometheus for the metrics tests; openssl makes test CAs.
TEST_PACKAGES=(prometheus openssl curl)

install_missing() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "setup: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

build() {
  install_missing "${BUILD_PACKAGES[@]}"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSWITCHYARD_WERROR="${WERROR:-OFF}" >/dev/null
  cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}

command=${1:-}
[[ $# -gt 0 ]] && shift
case "$command" in
  run)
    build
    exec "$BUILD_DIR/switchyard" --config config/switchyard.yaml "$@"
    ;;
  test)
    install_missing "${TEST_PACKAGES[@]}"
    build
    ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900
    ;;
  build)
    build
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
