#!/usr/bin/env bash
# Does Steward slow down as its database grows? Fills one database to TARGET events (default
# 1,000,000) with signed form webhooks at 64 keep-alive connections, slice by slice, and prints
# per slice: events in the database, ingest requests/s, p50/p99, CPU per request, RSS, the size
# of the database, and the time of GET /metrics, GET /readyz and a restart to ready.
#   tests/bench/growth.sh [TARGET]        (env: SLICE_SECONDS=10 CONNS=64 BUILD_DIR=build-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TARGET=${1:-1000000}
SLICE_SECONDS=${SLICE_SECONDS:-10}
CONNS=${CONNS:-64}
BUILD_DIR=${BUILD_DIR:-build-bench}
PORT=${PORT:-18791}
SECRET=growth-bench-secret
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
TARGETS=steward BUILD_DIR=$BUILD_DIR BUILD_TYPE=Release scripts/build.sh >/dev/null
case "$BUILD_DIR" in /*) BIN=$BUILD_DIR/steward ;; *) BIN=$ROOT/$BUILD_DIR/steward ;; esac
WORK=$(mktemp -d -t steward-growth.XXXXXX)
trap 'kill $(cat "$WORK/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat > "$WORK/steward.toml" <<TOML
[server]
listen = "127.0.0.1:$PORT"
[store]
path = "steward.db"
[inbox]
max_pending = 100000000
[email]
from = "Acme Sales <sales@acme.example>"
maildir = "mail"
[forms.website]
format = "json"
secret = "$SECRET"
TOML
CLK_TCK=$(getconf CLK_TCK)
start() {
  local t0 t1
  t0=$(date +%s%N)
  "$BIN" serve --config "$WORK/steward.toml" >> "$WORK/steward.log" 2>&1 &
  echo $! > "$WORK/pid"
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    kill -0 "$(cat "$WORK/pid")" 2>/dev/null || { cat "$WORK/steward.log" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  READY_MS=$(( (t1 - t0) / 1000000 ))
}
ms_of() { curl -s -o /dev/null -w '%{time_total}' "$1" | awk '{printf "%.1f", $1*1000}'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
start
echo "machine: $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -r); slices of ${SLICE_SECONDS}s at $CONNS connections"
echo "| events in db | req/s | p50 ms | p99 ms | CPU µs/req | RSS MiB | db MiB | processed | /metrics ms | /readyz ms | restart→ready ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
slice=0
events=0
while [ "$events" -lt "$TARGET" ]; do
  slice=$((slice + 1))
  # 14k/s is above anything this machine sustains: no request is sent twice in a slice.
  python3 tests/bench/ingest/gen_requests.py --prefix "$WORK/req" --threads 2 \
    --count $((SLICE_SECONDS * 14000)) --tag "g$slice" --secret "$SECRET"
  pid=$(cat "$WORK/pid")
  c0=$(cpu_ticks "$pid")
  REQS="$WORK/req" wrk -t2 -c"$CONNS" -d"${SLICE_SECONDS}s" --latency -s tests/bench/ingest/post.lua \
    "http://127.0.0.1:$PORT/hooks/forms/website" > "$WORK/wrk.out" 2>&1 || true
  c1=$(cpu_ticks "$pid")
  line=$(grep '^WRKRESULT' "$WORK/wrk.out")
  eval "$(echo "${line#WRKRESULT }" | tr ' ' '\n' | sed 's/^/W_/')"
  ok=$(awk '/^WRKSTATUS /{print $2}' "$WORK/wrk.out" | tr '+' '\n' | awk -Fx '$1>=200 && $1<300 {s+=$2} END{print s+0}')
  read -r events processed < <(sqlite3 -cmd '.timeout 5000' -separator ' ' "$WORK/steward.db" \
    "select count(*), sum(status <> 'pending') from inbox")
  rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
  dbmb=$(du -cm "$WORK"/steward.db* | awk 'END{print $1}')
  metrics=$(ms_of "http://127.0.0.1:$PORT/metrics")
  readyz=$(ms_of "http://127.0.0.1:$PORT/readyz")
  restart="-"
  if [ $((slice % 5)) -eq 0 ] || [ "$events" -ge "$TARGET" ]; then
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    start; restart=$READY_MS
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$events" \
    "$(awk -v r="$ok" -v d="$W_duration_us" 'BEGIN{printf "%.0f", r/(d/1e6)}')" \
    "$(awk -v v="$W_p50_us" 'BEGIN{printf "%.2f", v/1000}')" \
    "$(awk -v v="$W_p99_us" 'BEGIN{printf "%.2f", v/1000}')" \
    "$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v r="$ok" 'BEGIN{printf "%.0f", t*1e6/hz/r}')" \
    "$rss" "$dbmb" "$processed" "$metrics" "$readyz" "$restart"
done
t0=$(date +%s%N)
"$BIN" audit verify --config "$WORK/steward.toml" > "$WORK/verify.out" 2>&1 || true
echo
echo "audit verify over the whole chain: $(( ($(date +%s%N) - t0) / 1000000 )) ms — $(tail -1 "$WORK/verify.out")"
