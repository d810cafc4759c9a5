#!/usr/bin/env bash
# Builds (Release) and runs the benchmarks; prints markdown tables.
#   tests/bench/run.sh [--runs N] [--interval-ms MS]
set -euo pipefail
cd "$(dirname "$0")/../.."
STEWARD_NPM=1 scripts/install-deps.sh >/dev/null
TARGETS="steward bench_form_to_approval bench_smtp_throughput" BUILD_DIR=build-bench BUILD_TYPE=Release \
  scripts/build.sh >/dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -r)"
build-bench/tests/bench/bench_form_to_approval build-bench/steward "$@"
build-bench/tests/bench/bench_smtp_throughput
