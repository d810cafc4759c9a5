#!/usr/bin/env bash
# One command for every test: install what is missing, check include rules, build, run the
# whole suite (unit, e2e and reliability tests), run it again under ASan+UBSan, run the
# concurrency tests under TSan, and fuzz every parser and verifier briefly.
#   QUICK=1 scripts/test.sh   only the first pass (no sanitizers, no fuzzing).
#   FUZZ_SECONDS=N            seconds per fuzz target (default 20; scripts/fuzz.sh for long runs).
# Long reliability modes (more kills, longer floods): scripts/reliability-long.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
STEWARD_NPM=1 scripts/install-deps.sh
scripts/check-includes.sh
scripts/check-format.sh
BUILD_DIR=build BUILD_TYPE=RelWithDebInfo scripts/build.sh
echo "+ ctest (build)"
ctest --test-dir build --output-on-failure -j2 --timeout 900
if [ "${QUICK:-0}" = "1" ]; then
  echo "all tests passed (QUICK=1: sanitizer and fuzz passes skipped)"
  exit 0
fi

BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DSTEWARD_SANITIZE=ON
echo "+ ctest (build-asan: ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 1800

# TSan: the tests whose subject is concurrency — the store's group-commit writer, the HTTP
# server's I/O threads, the runtime's orchestrator/outbox/sweeper threads — and the end-to-end
# and crash tests, which run a TSan-built steward binary (a race report there kills the child
# and fails the test).
TSAN_TARGETS="steward store_tests net_tests runtime_tests e2e_tests reliability_crash_tests"
BUILD_DIR=build-tsan BUILD_TYPE=Debug TARGETS="$TSAN_TARGETS" scripts/build.sh -DSTEWARD_TSAN=ON
echo "+ TSan: $TSAN_TARGETS"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66"
for t in build-tsan/tests/unit/store/store_tests build-tsan/tests/unit/net/net_tests \
  build-tsan/tests/unit/runtime/runtime_tests build-tsan/tests/e2e/e2e_tests \
  build-tsan/tests/reliability/reliability_crash_tests; do
  echo "+ $t"
  "$t" --gtest_brief=1
done
unset TSAN_OPTIONS

echo "+ fuzz (${FUZZ_SECONDS:-20} s per target)"
scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-20}"
echo "all tests passed"
