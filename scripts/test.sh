#!/usr/bin/env bash
# One command for every test: install what is missing, check include rules, build, run the
# whole suite, then build and run it again under ASan+UBSan.
#   QUICK=1 scripts/test.sh   skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
STEWARD_NPM=1 scripts/install-deps.sh
scripts/check-includes.sh
BUILD_DIR=build BUILD_TYPE=RelWithDebInfo scripts/build.sh
echo "+ ctest (build)"
ctest --test-dir build --output-on-failure -j2 --timeout 300
if [ "${QUICK:-0}" != "1" ]; then
  BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DSTEWARD_SANITIZE=ON
  echo "+ ctest (build-asan: ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j2 --timeout 600
fi
echo "all tests passed"
