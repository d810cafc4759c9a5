#!/usr/bin/env bash
# Installs the Debian 12 packages Steward builds and tests with (only what is missing).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libboost-json1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev sqlite3
  libcpp-httplib-dev libsqlitecpp-dev libexpected-dev libkainjow-mustache-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev
  tzdata ca-certificates curl openssl libcurl4-openssl-dev libgmime-3.0-dev
)
# Node.js runs the real SMTP server the email tests deliver to (npm smtp-server); use the
# machine's node when there is one, else Debian's.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "+ apt-get install ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "all Debian packages present"
fi

# npm packages of the test fakes, exactly as locked (only for the test command).
if [ "${STEWARD_NPM:-0}" = "1" ]; then
  # smtp-server and mailparser declare node >= 20; Debian 12's own nodejs is 18.
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$node_major" -lt 20 ]; then
    echo "install-deps: the email tests need Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))" >&2
    exit 1
  fi
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in tests/fakes/smtp; do
    echo "+ npm ci ($dir)"
    (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  done
fi
