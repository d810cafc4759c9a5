#!/usr/bin/env bash
# The long modes of the reliability tests (the CI run uses the short defaults). Builds into
# BUILD_DIR (default build/) unless SKIP_BUILD=1, then runs each long mode through ctest.
#   scripts/reliability-long.sh
#   BUILD_DIR=build-asan SKIP_BUILD=1 STEWARD_CRASH_KILLS=50 scripts/reliability-long.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  BUILD_DIR="$build_dir" scripts/build.sh
fi

# Crash durability: kill -9 under load, 200 times (CI: 20).
echo "+ crash durability: ${STEWARD_CRASH_KILLS:=200} kills"
STEWARD_CRASH_KILLS=$STEWARD_CRASH_KILLS \
  ctest --test-dir "$build_dir" -R '^ReliabilityCrash\.' --output-on-failure -V

# Overload: a 10-minute flood against a full inbox (CI: 60 s).
echo "+ overload: ${STEWARD_FLOOD_SECONDS:=600} s flood"
STEWARD_FLOOD_SECONDS=$STEWARD_FLOOD_SECONDS \
  ctest --test-dir "$build_dir" -R '^Overload\.' --output-on-failure -V --timeout 3600

echo "reliability long modes passed"
