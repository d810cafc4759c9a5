#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/). Extra arguments go to cmake.
#   BUILD_DIR=build-asan scripts/build.sh -DSTEWARD_SANITIZE=ON
#   TARGETS=steward scripts/build.sh
#   WERROR=OFF scripts/build.sh        (warnings are errors by default here and in CI)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
build_type=${BUILD_TYPE:-RelWithDebInfo}
echo "+ cmake -B $build_dir ($build_type) $*"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
  -DSTEWARD_WERROR="${WERROR:-ON}" "$@" >/dev/null
# TARGETS="a b" builds only those targets.
cmake --build "$build_dir" -j"${JOBS:-$(nproc)}" ${TARGETS:+--target $TARGETS}
