#!/usr/bin/env bash
# Switchyard's one entry point on a fresh Debian 12 machine: installs what is
# missing (Debian packages only), builds, then runs the gateway or the tests.
#
#   ./setup.sh run [switchyard options]   build and run with config/switchyard.yaml
#   ./setup.sh test                       every test (ctest), then sanitize, then fuzz
#   ./setup.sh build                      build only
#   ./setup.sh sanitize                   the tests again under ASan + UBSan (build-asan/)
#   ./setup.sh fuzz [SECONDS]             each fuzz target for SECONDS, default 20 (build-asan/)
#
# Environment: BUILD_DIR (default build), WERROR=ON to fail on warnings.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_PACKAGES=(g++ cmake ninja-build libboost1.81-dev libboost-json1.81-dev libssl-dev
  libyaml-cpp-dev prometheus-cpp-dev doctest-dev ca-certificates)
# promtool and a real Prometheus for the metrics tests; openssl makes test CAs.
TEST_PACKAGES=(prometheus openssl curl)
# Debian's clang 14 builds the sanitized tests and, with libFuzzer, the fuzz targets.
FUZZ_PACKAGES=(clang-14 libfuzzer-14-dev)
SANITIZE_DIR=${SANITIZE_DIR:-build-asan}
FUZZ_DIR=$SANITIZE_DIR  # the fuzz targets live in the sanitized build
# UBSan findings abort (the build also says -fno-sanitize-recover), so a
# finding fails the test that hit it, in the gateway process as in the tests.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Prints how long the phase that just ended took, for CI logs and budgets.
phase_started=$SECONDS
phase_done() {
  echo "setup: $1 took $((SECONDS - phase_started)) s" >&2
  phase_started=$SECONDS
}

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

# The official npm clients the integration tests drive (tests/clients), from
# the committed lock file, only when they are not installed yet.
node_clients() {
  [[ -d tests/clients/node_modules ]] && return 0
  # By command, not package: a node from elsewhere may bring its own npm.
  command -v node >/dev/null || install_missing nodejs
  command -v npm >/dev/null || install_missing npm
  (cd tests/clients && npm ci --no-audit --no-fund --loglevel=error)
}

build() {
  install_missing "${BUILD_PACKAGES[@]}"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSWITCHYARD_WERROR="${WERROR:-OFF}" >/dev/null
  cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}

# The suites under AddressSanitizer and UBSan, built with clang 14 at -O1
# (assertions on, no benchmarks) in their own directory, beside the fuzz
# targets (same sanitizers, one build). The integration suite is the release
# build's harness driving the sanitized gateway binary (SWITCHYARD_TEST_BINARY):
# what it tests is that process, and compiling the harness a second time
# would cost CI minutes for nothing. Warnings are not errors here: the release
# build already holds the code to -Werror.
configure_sanitized() {
  install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
  cmake -S . -B "$SANITIZE_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DSWITCHYARD_SANITIZE=ON -DSWITCHYARD_FUZZ=ON \
    -DSWITCHYARD_BENCH=OFF -DSWITCHYARD_WERROR=OFF >/dev/null
}

sanitize() {
  [[ -x "$BUILD_DIR/tests/integration_tests" ]] || build
  configure_sanitized
  cmake --build "$SANITIZE_DIR" --parallel "$(nproc)" --target switchyard unit_tests fuzz_targets
  phase_done "sanitizer build (gateway, unit tests and fuzz targets)"
  ctest --test-dir "$SANITIZE_DIR" --output-on-failure --timeout 900 --exclude-regex '^integration$'
  local sanitized_gateway
  sanitized_gateway=$(realpath "$SANITIZE_DIR/switchyard")
  echo "setup: integration tests against $sanitized_gateway"
  (cd "$BUILD_DIR/tests" && SWITCHYARD_TEST_BINARY=$sanitized_gateway timeout 900 ./integration_tests)
  phase_done "sanitizer tests"
}

# Each libFuzzer target for a fixed time, starting from its checked-in corpus
# (which holds every crash input found so far, so those re-run first). New
# inputs go to $FUZZ_DIR/corpus, crashes to $FUZZ_DIR/artifacts.
fuzz() {
  local seconds=${1:-20}
  configure_sanitized
  cmake --build "$FUZZ_DIR" --target fuzz_targets --parallel "$(nproc)"
  phase_done "fuzz build"
  local failed=0 passed=0
  for seeds in tests/fuzz/corpus/*/; do
    local target
    target=$(basename "$seeds")
    mkdir -p "$FUZZ_DIR/corpus/$target" "$FUZZ_DIR/artifacts"
    local log="$FUZZ_DIR/$target.log"
    # A fixed seed and run count make the run a deterministic sequence (a
    # slower machine stops early on the time cap, within the same sequence),
    # so a test run cannot fail by chance; a long run (README) varies both.
    if "$FUZZ_DIR/tests/fuzz/fuzz_$target" -seed="${FUZZ_SEED:-1}" -runs="${FUZZ_RUNS:-20000}" \
      -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$FUZZ_DIR/artifacts/$target-" \
      "$FUZZ_DIR/corpus/$target" "$seeds" >"$log" 2>&1; then
      passed=$((passed + 1))
      echo "fuzz $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1)"
    else
      failed=$((failed + 1))
      echo "fuzz $target: FAILED (input kept in $FUZZ_DIR/artifacts)" >&2
      tail -40 "$log" >&2
    fi
  done
  phase_done "fuzz runs"
  echo "fuzz: $passed passed, $failed failed"
  ((failed == 0))
}

command=${1:-}
[[ $# -gt 0 ]] && shift
case "$command" in
  run)
    build
    exec "$BUILD_DIR/switchyard" --config config/switchyard.yaml "$@"
    ;;
  test)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    phase_done "package check"
    node_clients
    phase_done "npm clients"
    build
    phase_done "build"
    ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900
    phase_done "tests"
    sanitize
    fuzz "${FUZZ_SECONDS:-20}"
    ;;
  sanitize)
    sanitize
    ;;
  fuzz)
    fuzz "$@"
    ;;
  build)
    build
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
