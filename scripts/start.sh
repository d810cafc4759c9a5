#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and start Steward on its embedded
# defaults (SQLite in var/, no outside accounts) — or with the config file given as $1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
STEWARD_TESTS=OFF
# A newcomer's compiler may warn about things ours does not: warnings are not errors here.
BUILD_DIR=${BUILD_DIR:-build} WERROR=OFF scripts/build.sh -DSTEWARD_TESTS=OFF
if [ $# -ge 1 ]; then
  exec "${BUILD_DIR:-build}/steward" serve --config "$1"
fi
echo "Steward starts on http://127.0.0.1:8080 with its demo defaults (form 'website')."
echo "Send a lead:  scripts/send-form.sh website examples/lead.json"
exec "${BUILD_DIR:-build}/steward" serve --demo
