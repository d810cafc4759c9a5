#!/usr/bin/env bash
# Every benchmark in one run (Release build), each printing a markdown table:
#   1. ingest: signed form webhooks at 1/16/64 connections — Steward (durable), a bare Beast
#      200 handler (the ceiling), n8n 2.8.4 and Node-RED 4.1 (tests/bench/ingest/run.sh);
#   2. end to end: form POST → approval message at the fake Slack, 1,000 leads at a steady rate;
#   3. growth: ingest as the database grows to 1 M events (tests/bench/growth.sh);
#   4. SMTP submission vs nodemailer.
#   tests/bench/run.sh                 (env: WITH_N8N=0 WITH_NODERED=0 skip the peers,
#                                       GROWTH_TARGET=1000000, E2E_RUNS=1000, E2E_INTERVAL_MS=20)
set -euo pipefail
cd "$(dirname "$0")/../.."
STEWARD_NPM=1 scripts/install-deps.sh >/dev/null
TARGETS="steward bench_bare_beast bench_form_to_approval bench_smtp_throughput" BUILD_DIR=build-bench \
  BUILD_TYPE=Release scripts/build.sh >/dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -r)"
echo
echo "## 1. Ingest"
SKIP_BUILD=1 BUILD_DIR=build-bench tests/bench/ingest/run.sh
echo
echo "## 2. End to end (channel_interval 0: the fake Slack has no per-channel limit)"
build-bench/tests/bench/bench_form_to_approval build-bench/steward --runs "${E2E_RUNS:-1000}" \
  --interval-ms "${E2E_INTERVAL_MS:-20}" --channel-interval-ms 0
echo
echo "## 3. Growth"
BUILD_DIR=build-bench tests/bench/growth.sh "${GROWTH_TARGET:-1000000}"
echo
echo "## 4. SMTP"
build-bench/tests/bench/bench_smtp_throughput
