#!/usr/bin/env bash
# Fails when a file includes a module it may not use (ARCHITECTURE.md, "Who may include whom").
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
# check DIR REGEX-OF-FORBIDDEN-INCLUDE-PREFIXES
check() {
  local dir=$1 forbidden=$2
  [ -d "$dir" ] || return 0
  local hits
  hits=$(grep -rnE "#include \"($forbidden)" "$dir" --include='*.hpp' --include='*.cpp' || true)
  if [ -n "$hits" ]; then
    echo "include rule broken in $dir (may not include ${forbidden//|/, }):"
    echo "$hits"
    status=1
  fi
}
check bot/core 'bot/toml|bot/net|bot/store|bot/runtime|bot/dashboard|connectors/|agents/|policies/'
check bot/toml 'bot/net|bot/store|bot/runtime|bot/dashboard|connectors/|agents/|policies/'
check bot/net 'bot/toml|bot/store|bot/runtime|bot/dashboard|connectors/|agents/|policies/'
check bot/store 'bot/toml|bot/net|bot/runtime|bot/dashboard|connectors/|agents/|policies/'
check bot/runtime 'connectors/|agents/'
check policies/engine 'bot/net|bot/store|bot/runtime|connectors/|agents/'
for d in connectors/*/; do
  name=$(basename "$d")
  [ "$name" = common ] && continue
  others=$(ls -d connectors/*/ | xargs -n1 basename | grep -vE "^($name|common)$" | sed 's#^#connectors/#' | paste -sd"|" - || true)
  check "$d" "bot/store|bot/runtime|bot/dashboard|agents/|policies/${others:+|$others}"
done
for d in agents/*/; do
  name=$(basename "$d")
  others=$(ls -d agents/*/ | xargs -n1 basename | grep -vE "^($name|common)$" | sed 's#^#agents/#' | paste -sd"|" - || true)
  check "$d" "bot/net|bot/store|bot/runtime|bot/dashboard|connectors/|policies/${others:+|$others}"
done
# Beast/Asio stay inside bot/net (compile time, and the I/O model).
hits=$(grep -rlE '#include <boost/(beast|asio)' bot connectors agents policies --include='*.hpp' --include='*.cpp' | grep -v '^bot/net/' | grep -v '^bot/main.cpp' || true)
if [ -n "$hits" ]; then echo "Beast/Asio used outside bot/net:"; echo "$hits"; status=1; fi
[ $status -eq 0 ] && echo "include rules OK"
exit $status
