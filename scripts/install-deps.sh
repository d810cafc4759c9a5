#!/usr/bin/env bash
# Installs the Debian 12 packages Steward builds and tests with (only what is missing).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libboost-json1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev sqlite3
  libcpp-httplib-dev libsqlitecpp-dev libexpected-dev libkainjow-mustache-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev
  tzdata ca-certificates curl openssl
)
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
