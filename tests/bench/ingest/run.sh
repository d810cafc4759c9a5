#!/usr/bin/env bash
# Ingest benchmark: signed form webhooks over keep-alive HTTP/1.1 at 1/16/64 connections against
#   steward   POST /hooks/forms/website   (verified, parsed, committed to SQLite before the 200)
#   bare      POST /hooks/forms/website   (bench_bare_beast: Beast, reads the request, answers 200;
#                                          the ceiling on this machine)
#   n8n       POST /webhook/bench         (Webhook trigger -> Set node scoring the lead; default
#                                          execution saving; recipe in ../shared/bench/n8n-anchor beside
#                                          the repository, $ANCHOR to override)
#   node-red  POST /bench                 (http in -> function scoring the lead -> http response)
# Every server gets the same ~630-byte lead JSON bodies; Steward gets a fresh, unique, signed set
# per run (it deduplicates identical bodies). Load: wrk (Debian) + post.lua.
#
#   tests/bench/ingest/run.sh
# Knobs (env): DURATION=10 REPEAT=3 CONCURRENCY="1 16 64" WARMUP=3 IDLE_SETTLE=5
#   WITH_STEWARD=1 WITH_BARE=1 WITH_N8N=1 WITH_NODERED=1 BENCH_SCRATCH=../bench-scratch
#   (beside the repository; where n8n and Node-RED are installed)
#   BUILD_DIR=build-bench (relative to the repo) JOBS=$(nproc) SKIP_BUILD=0 MAX_RPS=15000
#   (sizes Steward's request sets: DURATION*MAX_RPS per run) WRK_TIMEOUT=10s PERF=0 (1: perf
#   record -g on steward during the first c=64 run; top symbols into the results) DRAIN_MAX=15
#   (after each run, wait until the server is idle, at most this many seconds)
#   STEWARD_MAX_PENDING=100000000 ([inbox] max_pending for Steward; empty: the product default,
#   whose back-pressure then shows up as 503s) STEWARD_PORT=18480 BARE_PORT=18481 N8N_PORT=5678 NODERED_PORT=1880
# Output: markdown on stdout and in $BUILD_DIR/ingest-results.md; raw files in
# $BUILD_DIR/ingest-runs/<timestamp>/. All traffic is on 127.0.0.1; every process started here is
# stopped by PID on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
cd "$REPO"
# The anchor recipe and the n8n/Node-RED installs live beside the repository on every machine.
ANCHOR=${ANCHOR:-$REPO/../shared/bench/n8n-anchor}

DURATION=${DURATION:-10}
REPEAT=${REPEAT:-3}
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
WARMUP=${WARMUP:-3}
IDLE_SETTLE=${IDLE_SETTLE:-5}
WITH_STEWARD=${WITH_STEWARD:-1}
WITH_BARE=${WITH_BARE:-1}
WITH_N8N=${WITH_N8N:-1}
WITH_NODERED=${WITH_NODERED:-1}
BENCH_SCRATCH=${BENCH_SCRATCH:-$REPO/../bench-scratch}
BUILD_DIR=${BUILD_DIR:-build-bench}
MAX_RPS=${MAX_RPS:-15000}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
DRAIN_MAX=${DRAIN_MAX:-15}
PERF=${PERF:-0}
STEWARD_PORT=${STEWARD_PORT:-18480}
BARE_PORT=${BARE_PORT:-18481}
N8N_PORT=${N8N_PORT:-5678}
NODERED_PORT=${NODERED_PORT:-1880}
N8N_VERSION=${N8N_VERSION:-2.8.4}
NODERED_VERSION=${NODERED_VERSION:-4.1.15}
STEWARD_MAX_PENDING=${STEWARD_MAX_PENDING-100000000}
FORM_SECRET=bench-form-secret-0123456789abcdef
PERF_OK=0

case "$BUILD_DIR" in /*) B=$BUILD_DIR ;; *) B="$REPO/$BUILD_DIR" ;; esac
RUN="$B/ingest-runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
CELLS="$RUN/cells.tsv"      # one line per wrk run
SERVERS="$RUN/servers.tsv"  # one line per server instance
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" | tee -a "$RUN/run.log" >&2; }

# ------------------------------------------------------------------ process bookkeeping
STARTED_PIDS=()
descendants() {
  local p=$1 c
  echo "$p"
  for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do descendants "$c"; done
}
stop_pid() {  # one process we started, then any descendants it left, by PID only
  local pid=$1 kids i k
  kill -0 "$pid" 2>/dev/null || return 0
  kids=$(descendants "$pid" | tail -n +2 || true)
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  for k in $kids; do kill -0 "$k" 2>/dev/null && kill -TERM "$k" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local p
  for p in "${STARTED_PIDS[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CLK_TCK=$(getconf CLK_TCK)
now_ns() { date +%s%N; }
tree_rss_kb() {
  ps -e -o pid=,ppid=,rss= | awk -v root="$1" '
    { pp[$1]=$2; r[$1]=$3 }
    END { s=0; for (p in pp) { q=p; n=0; while (q!="" && q+0>1 && n<64) { if (q+0==root+0) { s+=r[p]; break }; q=pp[q]; n++ } } print s }'
}
tree_cpu_ticks() {  # utime+stime of the tree (live processes), clock ticks
  local s=0 p t
  for p in $(descendants "$1"); do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12+$13}') || t=0
    s=$((s + ${t:-0}))
  done
  echo "$s"
}
start_sampler() {  # max tree RSS of $1 every 200 ms into $2; sets SAMPLER_PID
  local root=$1 out=$2
  echo 0 > "$out"
  ( m=0; while kill -0 "$root" 2>/dev/null; do v=$(tree_rss_kb "$root"); if [ "$v" -gt "$m" ]; then m=$v; echo "$m" > "$out"; fi; sleep 0.2; done ) > /dev/null 2>&1 &
  SAMPLER_PID=$!
}
stop_sampler() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
drain() {  # until the tree uses < 10% of a core for 2 s in a row, at most DRAIN_MAX s; sets DRAIN_S
  local root=$1 c0 c1 quiet=0 i=0
  DRAIN_S=0
  while [ "$i" -lt "$DRAIN_MAX" ]; do
    i=$((i + 1)); DRAIN_S=$i
    c0=$(tree_cpu_ticks "$root"); sleep 1; c1=$(tree_cpu_ticks "$root")
    if [ $(( (c1 - c0) * 100 / CLK_TCK )) -lt 10 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    [ "$quiet" -ge 2 ] && break
  done
  return 0
}

# ------------------------------------------------------------------ tools, build, installs
install_tools() {
  local need=()
  command -v wrk >/dev/null || need+=(wrk)
  command -v sqlite3 >/dev/null || need+=(sqlite3)
  command -v curl >/dev/null || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >/dev/null
  fi
}
build() {
  [ "${SKIP_BUILD:-0}" = 1 ] && return 0
  log "building steward bench_bare_beast (Release) in $B"
  TARGETS="steward bench_bare_beast" BUILD_DIR="$B" BUILD_TYPE=Release scripts/build.sh \
    > "$RUN/build.log" 2>&1 || { tail -30 "$RUN/build.log" >&2; exit 1; }
}
install_n8n() {  # the anchor's recipe: n8n 2.8.4 (newest for Node 20), xlsx pinned to npm's last
  local d="$BENCH_SCRATCH/n8n" have=""
  mkdir -p "$d"
  [ -f "$d/node_modules/n8n/package.json" ] && have=$(node -p "require('$d/node_modules/n8n/package.json').version")
  if [ "$have" != "$N8N_VERSION" ]; then
    printf '%s\n' '{"name":"n8n-anchor","private":true,"overrides":{"xlsx":"0.18.5"}}' > "$d/package.json"
    log "npm install n8n@$N8N_VERSION into $d (several minutes)"
    (cd "$d" && npm install "n8n@$N8N_VERSION" --no-audit --no-fund > "$RUN/npm-n8n.log" 2>&1)
  fi
  N8N_BIN="$d/node_modules/.bin/n8n"
}
install_nodered() {
  local d="$BENCH_SCRATCH/node-red" have=""
  mkdir -p "$d"
  [ -f "$d/node_modules/node-red/package.json" ] && have=$(node -p "require('$d/node_modules/node-red/package.json').version")
  if [ "$have" != "$NODERED_VERSION" ]; then
    printf '%s\n' '{"name":"nodered-anchor","private":true}' > "$d/package.json"
    log "npm install node-red@$NODERED_VERSION into $d"
    (cd "$d" && npm install "node-red@$NODERED_VERSION" --no-audit --no-fund > "$RUN/npm-node-red.log" 2>&1)
  fi
  NODERED_JS="$d/node_modules/node-red/red.js"
}

# ------------------------------------------------------------------ requests
gen() {  # $1 prefix, $2 wrk threads, $3 count, $4 tag
  python3 "$HERE/gen_requests.py" --prefix "$1" --threads "$2" --count "$3" --tag "$4" --secret "$FORM_SECRET"
}
# The shared set (servers that do not deduplicate may see a body again); the probe set.
gen "$RUN/common-t1" 1 20000 common
gen "$RUN/common-t2" 2 20000 common
gen "$RUN/probe" 1 1 probe-$$

# ------------------------------------------------------------------ start + ready + idle
# start_server NAME URL LOGFILE CMD... : sets SPID, READY_MS, IDLE_KB. The ready probe is armed
# before the exec, so READY_MS is exec -> first 2xx on the hook.
start_server() {
  local name=$1 url=$2 logf=$3 armed="$RUN/$1.armed" out="$RUN/$1.ready" t0 t1 i
  shift 3
  rm -f "$armed" "$out"
  local port=${url#http://127.0.0.1:}; port=${port%%/*}
  if ss -ltn "sport = :$port" | grep -q LISTEN; then
    log "port $port is already in use"; exit 1
  fi
  python3 "$HERE/ready.py" "$url" "$RUN/probe.1" "$out" "$armed" 2 180 &
  local probe=$!
  for i in $(seq 1 500); do [ -f "$armed" ] && break; sleep 0.01; done
  t0=$(now_ns)
  "$@" > "$logf" 2>&1 &
  SPID=$!
  STARTED_PIDS+=("$SPID")
  while kill -0 "$probe" 2>/dev/null; do  # give up at once if the server exits
    kill -0 "$SPID" 2>/dev/null || { kill "$probe" 2>/dev/null || true; break; }
    sleep 0.05
  done
  wait "$probe" 2>/dev/null || true
  t1=$(cat "$out" 2>/dev/null || echo -1)
  if [ "$t1" = -1 ] || ! kill -0 "$SPID" 2>/dev/null; then
    log "$name did not become ready; log tail:"; tail -20 "$logf" >&2; exit 1
  fi
  T0_NS=$t0
  READY_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1e6}')
}
idle_rss() {  # after IDLE_SETTLE s; sets IDLE_KB
  sleep "$IDLE_SETTLE"
  IDLE_KB=$(tree_rss_kb "$1")
}

# ------------------------------------------------------------------ one wrk run
# run_wrk SERVER C REP URL PID REQPREFIX : appends a line to $CELLS
run_wrk() {
  local server=$1 c=$2 rep=$3 url=$4 pid=$5 reqs=$6 t=2 tag sp cpu0 cpu1 cpu2 line ok=0 ok non2xx perfpid=""
  [ "$c" -lt 2 ] && t=1
  tag="$server-c$c-r$rep"
  start_sampler "$pid" "$RUN/$tag.peak"; sp=$SAMPLER_PID
  cpu0=$(tree_cpu_ticks "$pid")
  if [ "$PERF" = 1 ] && [ "$server" = steward ] && [ "$c" = 64 ] && [ "$rep" = 1 ]; then
    perf record -g -F 999 -p "$pid" -o "$RUN/steward-c64.perf.data" -- sleep "$DURATION" \
      > "$RUN/perf-record.log" 2>&1 &
    perfpid=$!
    # group commits: one fdatasync of the WAL per commit; pwrite64 = WAL frames + checkpoints
    perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_pwrite64 \
      -p "$pid" -o "$RUN/steward-c64.syscalls.csv" -- sleep "$DURATION" > /dev/null 2>&1 &
    perfpid="$perfpid $!"
    for t in /proc/"$pid"/task/*; do echo "$(basename "$t") $(tr ' ' _ < "$t/comm") $(awk '{print $14+$15}' "$t/stat")"; done | sort > "$RUN/steward-c64.threads0"
  fi
  REQS="$reqs" wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout "$WRK_TIMEOUT" --latency \
    -s "$HERE/post.lua" "$url" > "$RUN/$tag.wrk" 2>&1 || true
  cpu1=$(tree_cpu_ticks "$pid")
  if [ -n "$perfpid" ]; then
    for t in /proc/"$pid"/task/*; do echo "$(basename "$t") $(tr ' ' _ < "$t/comm") $(awk '{print $14+$15}' "$t/stat")"; done | sort > "$RUN/steward-c64.threads1"
    wait $perfpid || true
  fi
  # let queued background work (Steward's agent runs, n8n executions) settle before the next
  # run; CPU used for it after wrk stopped is reported separately (drain column)
  drain "$pid"
  cpu2=$(tree_cpu_ticks "$pid")
  stop_sampler "$sp"
  line=$(grep '^WRKRESULT' "$RUN/$tag.wrk" || true)
  [ -n "$line" ] || { log "wrk failed for $tag:"; cat "$RUN/$tag.wrk" >&2; return 1; }
  local W_requests W_duration_us W_connect W_read W_write W_status W_timeout W_p50_us W_p90_us W_p99_us W_max_us W_mean_us
  eval "$(echo "${line#WRKRESULT }" | tr ' ' '\n' | sed 's/^/W_/')"
  local codes wraps
  codes=$(awk '/^WRKSTATUS /{print $2}' "$RUN/$tag.wrk")
  wraps=$(awk '/^WRKWRAPS /{print $2}' "$RUN/$tag.wrk")
  ok=$(echo "$codes" | tr '+' '\n' | awk -Fx '$1>=200 && $1<300 {s+=$2} END{print s+0}')
  non2xx=$(( W_requests - ok + W_connect + W_read + W_write + W_timeout ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$c" "$rep" \
    "$(awk -v r="$ok" -v d="$W_duration_us" 'BEGIN{printf "%.1f", r/(d/1e6)}')" \
    "$(awk -v v="$W_p50_us" 'BEGIN{printf "%.3f", v/1000}')" \
    "$(awk -v v="$W_p99_us" 'BEGIN{printf "%.3f", v/1000}')" \
    "$ok" "$non2xx" "${codes:--}" \
    "$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v r="$ok" 'BEGIN{ if (r>0) printf "%.4f", t*1000/hz/r; else print "-" }')" \
    "$(( $(cat "$RUN/$tag.peak") / 1024 ))" "$wraps" \
    "$(awk -v v="$W_max_us" 'BEGIN{printf "%.1f", v/1000}')" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(awk -v t=$((cpu2 - cpu1)) -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz}')" "$DRAIN_S" >> "$CELLS"
  LAST_OK=$ok
  if [ -n "$perfpid" ]; then PERF_OK=$ok; fi
  log "$tag: $(tail -1 "$CELLS" | cut -f4-)"
}
warmup() {  # $1 url $2 pid $3 reqs prefix (2 threads); not reported
  [ "$WARMUP" -gt 0 ] || return 0
  REQS="$3" wrk -t2 -c16 -d"${WARMUP}s" --timeout "$WRK_TIMEOUT" -s "$HERE/post.lua" "$1" > "$RUN/warmup.wrk" 2>&1 || true
  WARM_OK=$(awk '/^WRKSTATUS /{print $2}' "$RUN/warmup.wrk" | tr '+' '\n' | awk -Fx '$1>=200 && $1<300 {s+=$2} END{print s+0}')
  drain "$2"
}

# ------------------------------------------------------------------ servers
bench_bare() {
  local url="http://127.0.0.1:$BARE_PORT/hooks/forms/website" c r
  start_server bare "$url" "$RUN/bare.log" "$B/tests/bench/bench_bare_beast" "$BARE_PORT" 2
  idle_rss "$SPID"
  log "bare: ready ${READY_MS} ms, idle RSS $((IDLE_KB / 1024)) MB"
  printf 'bare\t-\t%s\t%s\t-\n' "$READY_MS" "$IDLE_KB" >> "$SERVERS"
  warmup "$url" "$SPID" "$RUN/common-t2"
  for c in $CONCURRENCY; do
    for r in $(seq 1 "$REPEAT"); do
      run_wrk bare "$c" "$r" "$url" "$SPID" "$RUN/common-t$([ "$c" -lt 2 ] && echo 1 || echo 2)"
    done
  done
  stop_pid "$SPID"
}

write_steward_config() {  # $1 dir
  cat > "$1/steward.toml" <<EOF
# ingest benchmark: one JSON form, SQLite in this folder, Slack and SMTP not configured
[server]
listen = "127.0.0.1:$STEWARD_PORT"
threads = 2
[store]
path = "steward.db"
[company]
name = "Acme"
domains = ["acme.example"]
[email]
from = "Acme Sales <sales@acme.example>"
maildir = "mail"
[[people]]
name = "Dana Director"
slack_id = "U_DANA"
email = "dana@acme.example"
roles = ["director"]
[[people]]
name = "Sam Sales"
slack_id = "U_SAM"
email = "sam@acme.example"
roles = ["sales"]
[forms.website]
format = "json"
secret = "$FORM_SECRET"
[policies]
dir = "$REPO/policies"
EOF
  # The agent works through the inbox far slower than the hooks accept events (each event is
  # several durable commits), so a 10 s run at full speed would hit the inbox back-pressure
  # (503 "inbox full", default 50,000 pending) and measure that instead of ingest.
  if [ -n "$STEWARD_MAX_PENDING" ]; then
    printf '[inbox]\nmax_pending = %s\n' "$STEWARD_MAX_PENDING" >> "$1/steward.toml"
  fi
}
inbox_count() { sqlite3 -cmd '.timeout 5000' "$1" "select count(*) from inbox where source='forms'" 2>/dev/null || echo -1; }

bench_steward() {
  local url="http://127.0.0.1:$STEWARD_PORT/hooks/forms/website" c r dir per total listen_ms rows pending
  printf '| c | 2xx sent (probe + warm-up + runs) | form events committed (inbox rows) | committed ≥ 2xx | wrapped request sets | processed by the agent by stop | still queued at stop |\n|---|---|---|---|---|---|---|\n' > "$RUN/durability.md"
  for c in $CONCURRENCY; do
    dir="$RUN/steward-c$c"
    mkdir -p "$dir"
    write_steward_config "$dir"
    "$B/steward" check --config "$dir/steward.toml" > "$dir/check.log" 2>&1 ||
      { log "steward check failed:"; cat "$dir/check.log" >&2; exit 1; }
    # the sets are generated before the server starts so generation does not load the machine
    # during a run; each is unique (tag) and large enough for DURATION at MAX_RPS
    local t=2; [ "$c" -lt 2 ] && t=1
    per=$(( DURATION * MAX_RPS ))
    gen "$dir/warm" 2 $(( WARMUP * MAX_RPS + 2 )) "c$c-warm"
    for r in $(seq 1 "$REPEAT"); do gen "$dir/r$r" "$t" "$per" "c$c-r$r"; done
    start_server steward "$url" "$dir/steward.log" \
      env -C "$dir" "$B/steward" serve --config "$dir/steward.toml" --port-file "$dir/port"
    listen_ms=$(python3 - "$T0_NS" "$dir/steward.log" <<'PY'
import datetime, re, sys
t0 = int(sys.argv[1]) / 1e6
for line in open(sys.argv[2], errors="replace"):
    m = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
    if m and "listening on" in line:
        t = datetime.datetime.strptime(m.group(1)[:26], "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000
        print(f"{t - t0:.1f}")
        break
PY
)
    idle_rss "$SPID"
    log "steward c=$c: ready ${READY_MS} ms (listening line at ${listen_ms:-?} ms), idle RSS $((IDLE_KB / 1024)) MB"
    printf 'steward\t%s\t%s\t%s\t%s\n' "$c" "$READY_MS" "$IDLE_KB" "${listen_ms:--}" >> "$SERVERS"
    total=1  # the readiness probe
    WARM_OK=0
    warmup "$url" "$SPID" "$dir/warm"
    total=$(( total + WARM_OK ))
    local wrapped=0
    for r in $(seq 1 "$REPEAT"); do
      run_wrk steward "$c" "$r" "$url" "$SPID" "$dir/r$r"
      total=$(( total + LAST_OK ))
      wrapped=$(( wrapped + $(tail -1 "$CELLS" | cut -f12) ))
      rm -f "$dir/r$r".*
    done
    rm -f "$dir/warm".*
    stop_pid "$SPID"
    rows=$(inbox_count "$dir/steward.db")
    pending=$(sqlite3 -cmd '.timeout 5000' "$dir/steward.db" "select count(*) from inbox where status='pending'" 2>/dev/null || echo -1)
    log "steward c=$c durability: 2xx sent $total, form events committed $rows"
    printf '| %s | %s | %s | %s | %s | %s in %s s | %s |\n' "$c" "$total" "$rows" \
      "$([ "$rows" -ge "$total" ] && echo yes || echo "**NO**")" "$wrapped" "$((rows - pending))" \
      "$(( $(date +%s) - ${T0_NS:0:10} ))" "$pending" >> "$RUN/durability.md"
  done
}

n8n_env() {
  export N8N_USER_FOLDER="$1" DB_TYPE=sqlite
  export N8N_HOST=127.0.0.1 N8N_PORT=$N8N_PORT N8N_LISTEN_ADDRESS=127.0.0.1
  export N8N_DIAGNOSTICS_ENABLED=false N8N_PERSONALIZATION_ENABLED=false
  export N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false
}
bench_n8n() {  # default mode: executions are saved (closest to durable)
  local home="$RUN/n8n" url="http://127.0.0.1:$N8N_PORT/webhook/bench" c r i db total=1 created
  mkdir -p "$home"
  (
    n8n_env "$home"
    "$N8N_BIN" import:workflow --input="$ANCHOR/workflow.json" > "$home/import.log" 2>&1
    "$N8N_BIN" publish:workflow --id=benchAnchor00001 > "$home/publish.log" 2>&1
  )
  start_server n8n "$url" "$home/n8n.log" env N8N_USER_FOLDER="$home" DB_TYPE=sqlite \
    N8N_HOST=127.0.0.1 N8N_PORT="$N8N_PORT" N8N_LISTEN_ADDRESS=127.0.0.1 \
    N8N_DIAGNOSTICS_ENABLED=false N8N_PERSONALIZATION_ENABLED=false \
    N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false "$N8N_BIN" start
  # n8n answers 404 for a moment after the port opens; wait for the activation log line too
  for i in $(seq 1 600); do grep -q 'Activated workflow' "$home/n8n.log" && break; sleep 0.1; done
  idle_rss "$SPID"
  log "n8n: ready ${READY_MS} ms, idle RSS $((IDLE_KB / 1024)) MB"
  printf 'n8n\t-\t%s\t%s\t-\n' "$READY_MS" "$IDLE_KB" >> "$SERVERS"
  WARM_OK=0
  warmup "$url" "$SPID" "$RUN/common-t2"
  total=$(( total + WARM_OK ))
  for c in $CONCURRENCY; do
    for r in $(seq 1 "$REPEAT"); do
      run_wrk n8n "$c" "$r" "$url" "$SPID" "$RUN/common-t$([ "$c" -lt 2 ] && echo 1 || echo 2)"
      total=$(( total + LAST_OK ))
    done
  done
  db="$home/.n8n/database.sqlite"
  created=$(sqlite3 -cmd '.timeout 5000' "$db" "select coalesce((select seq from sqlite_sequence where name='execution_entity'), 0)" 2>/dev/null || echo -1)
  N8N_NOTE="n8n: 2xx sent $total, executions created $created, stored $(sqlite3 -cmd '.timeout 5000' "$db" 'select count(*) from execution_entity' 2>/dev/null || echo -1)"
  log "$N8N_NOTE"
  stop_pid "$SPID"
}

bench_nodered() {
  local ud="$RUN/node-red" url="http://127.0.0.1:$NODERED_PORT/bench" c r
  mkdir -p "$ud"
  # settings and flow as in the anchor (http in -> function scoring the lead -> http response)
  sed -n '/cat > "\$ud\/settings.js" <<EOF/,/^EOF/p' "$ANCHOR/run.sh" | sed '1d;$d' |
    sed "s/\$NODERED_PORT/$NODERED_PORT/" > "$ud/settings.js"
  sed -n "/cat > \"\$ud\/flows.json\" <<'EOF'/,/^EOF/p" "$ANCHOR/run.sh" | sed '1d;$d' > "$ud/flows.json"
  node -e "JSON.parse(require('fs').readFileSync('$ud/flows.json','utf8'))" ||
    { log "could not take the Node-RED flow from $ANCHOR/run.sh"; exit 1; }
  start_server node-red "$url" "$ud/node-red.log" node "$NODERED_JS" --userDir "$ud" --settings "$ud/settings.js"
  idle_rss "$SPID"
  log "node-red: ready ${READY_MS} ms, idle RSS $((IDLE_KB / 1024)) MB"
  printf 'node-red\t-\t%s\t%s\t-\n' "$READY_MS" "$IDLE_KB" >> "$SERVERS"
  warmup "$url" "$SPID" "$RUN/common-t2"
  for c in $CONCURRENCY; do
    for r in $(seq 1 "$REPEAT"); do
      run_wrk node-red "$c" "$r" "$url" "$SPID" "$RUN/common-t$([ "$c" -lt 2 ] && echo 1 || echo 2)"
    done
  done
  stop_pid "$SPID"
}

# ------------------------------------------------------------------ main
install_tools
build
[ "$WITH_N8N" = 1 ] && install_n8n
[ "$WITH_NODERED" = 1 ] && install_nodered
: > "$CELLS"
: > "$SERVERS"
N8N_NOTE=""
{
  echo "date: $(date -u +%FT%TZ); host: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); node: $(node --version 2>/dev/null || echo -)$([ "$WITH_N8N" = 1 ] && echo "; n8n $N8N_VERSION")$([ "$WITH_NODERED" = 1 ] && echo "; node-red $NODERED_VERSION")"
  echo "body: $(head -1 "$RUN/common-t1.1" | cut -f2 | tr -d '\n' | wc -c)-byte lead JSON; ${DURATION}s per run, median of $REPEAT runs; wrk -t2 (-t1 at c=1) --latency; warm-up ${WARMUP}s at c=16"
  # Steward answers after an fsync of the WAL, so the disk's sync-write latency bounds its latency
  echo "disk (${RUN#"$REPO"/}): $(dd if=/dev/zero of="$RUN/dsync.probe" bs=4k count=200 oflag=dsync 2>&1 |
    awk '/copied/ { for (i = 2; i <= NF; i++) if ($i == "s,") printf "%.2f", $(i-1) * 1000 / 200 }') ms per 4 KiB O_DSYNC write (dd, 200 writes)"
  rm -f "$RUN/dsync.probe"
} > "$RUN/header.txt"
cat "$RUN/header.txt" >&2

[ "$WITH_BARE" = 1 ] && bench_bare
[ "$WITH_STEWARD" = 1 ] && bench_steward
[ "$WITH_N8N" = 1 ] && bench_n8n
[ "$WITH_NODERED" = 1 ] && bench_nodered

if [ "$PERF" = 1 ] && [ -f "$RUN/steward-c64.perf.data" ]; then
  perf report -i "$RUN/steward-c64.perf.data" --no-children --sort dso,symbol --stdio -g none \
    2>/dev/null | grep -v '^#' | grep '%' | sed -E 's/ +$//; s/  +/  /g; s/  -  -$//' | head -30 > "$RUN/perf-top.txt" || true
  # the same by shared object: where the time goes at the coarsest level
  perf report -i "$RUN/steward-c64.perf.data" --no-children --sort dso --stdio -g none \
    2>/dev/null | grep -v '^#' | grep '%' | sed -E 's/ +$//; s/  +/  /g; s/  -  -$//' | head -12 > "$RUN/perf-dso.txt" || true
fi

# ------------------------------------------------------------------ report
python3 - "$CELLS" "$SERVERS" "$RUN" "$CONCURRENCY" > "$RUN/results.md" <<'PY'
import statistics, sys
cells, servers, run, conc = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
rows = {}
for line in open(cells):
    f = line.rstrip("\n").split("\t")
    rows.setdefault((f[0], f[1]), []).append(f)
def med(v):
    v = [float(x) for x in v if x not in ("-", "")]
    return statistics.median(v) if v else None
order = [s for s in ("steward", "bare", "n8n", "node-red") if any(k[0] == s for k in rows)]
names = {"steward": "Steward (durable: committed, fsync, before the 200)",
         "bare": "bare Beast (answers 200, nothing else)",
         "n8n": "n8n 2.8.4, default mode (saves executions)",
         "node-red": "Node-RED 4.1 (persists nothing)"}
agg = {}
for (s, c), fs in rows.items():
    agg[(s, c)] = dict(rps=med([f[3] for f in fs]), p50=med([f[4] for f in fs]),
                       p99=med([f[5] for f in fs]), bad=sum(int(f[7]) for f in fs),
                       ok=sum(int(f[6]) for f in fs),
                       cpu=med([f[9] for f in fs]), after=med([f[14] for f in fs]), peak=max(int(f[10]) for f in fs),
                       wraps=sum(int(f[11] or 0) for f in fs), n=len(fs))
def fmt(v, d=1):
    if v is None: return "–"
    if d == 0: return f"{v:,.0f}"
    return f"{v:,.{d}f}"
def ratio(s, c):
    a, b = agg.get(("steward", c)), agg.get((s, c))
    if not a or not b or not b["rps"]: return "–"
    return f"{a['rps'] / b['rps']:.2f}×" if a["rps"] / b["rps"] < 10 else f"{a['rps'] / b['rps']:.0f}×"
print("| server | c | 2xx req/s | p50 ms | p99 ms | non-2xx + errors | CPU ms/req | after-run CPU s | peak RSS MB | Steward ÷ bare | Steward ÷ n8n | Steward ÷ Node-RED |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in order:
    for c in conc:
        a = agg.get((s, c))
        if not a: continue
        r = [ratio("bare", c), ratio("n8n", c), ratio("node-red", c)] if s == "steward" else ["", "", ""]
        print(f"| {names[s]} | {c} | {fmt(a['rps'], 0)} | {fmt(a['p50'], 2)} | {fmt(a['p99'], 2)} | {a['bad']} | {fmt(a['cpu'], 3)} | {fmt(a['after'], 1)} | {a['peak']} | " + " | ".join(r) + " |")
print()
print(f"Medians of {max(a['n'] for a in agg.values())} runs per cell (req/s, p50, p99, CPU); non-2xx "
      "and socket errors summed; peak RSS (process tree, sampled every 200 ms) the maximum. "
      "CPU ms/req: utime+stime of the server's process tree while wrk ran, divided by the 2xx "
      "responses. After-run CPU: what the server went on using until idle (at most DRAIN_MAX s), "
      "i.e. queued work (Steward's agent runs) not in CPU ms/req.")
print()
srv = {}
for line in open(servers):
    f = line.rstrip("\n").split("\t")
    srv.setdefault(f[0], []).append(f)
print("| server | ready ms (exec → first 2xx on the hook) | idle RSS MB (process tree) |")
print("|---|---:|---:|")
for s in order:
    fs = srv.get(s, [])
    if not fs: continue
    ready = ", ".join(f[2] for f in fs)
    idle = ", ".join(f"{int(f[3]) / 1024:.1f}" for f in fs)
    extra = ""
    if s == "steward":
        extra = " (one instance per c; 'listening' log line at " + ", ".join(f[4] for f in fs) + " ms)"
    print(f"| {names[s]} | {ready}{extra} | {idle} |")
print()
st = {c: agg.get(("steward", c)) for c in conc}
srvs = srv.get("steward", [])
if srvs and st.get("64"):
    a = st["64"]
    idle = statistics.median(int(f[3]) / 1024 for f in srvs)
    ready = statistics.median(float(f[2]) for f in srvs)
    print("| target (issue) | measured | met |")
    print("|---|---:|---|")
    print(f"| ≥ 12,000 durable req/s at 64 conns | {fmt(a['rps'], 0)} | {'yes' if a['rps'] >= 12000 else 'no'} |")
    print(f"| p99 < 10 ms (64 conns) | {fmt(a['p99'], 2)} ms | {'yes' if a['p99'] < 10 else 'no'} |")
    print(f"| idle RSS < 25 MB | {idle:.1f} MB | {'yes' if idle < 25 else 'no'} |")
    print(f"| ready < 100 ms | {ready:.1f} ms | {'yes' if ready < 100 else 'no'} |")
    print()
PY
{
  echo "## Ingest benchmark"
  echo
  sed 's/^/    /' "$RUN/header.txt"
  echo
  cat "$RUN/results.md"
  if [ -f "$RUN/durability.md" ] && [ "$WITH_STEWARD" = 1 ]; then
    echo "Steward durability (fresh DB per c; requests still in flight when wrk stops are committed but not counted, so rows may exceed the 2xx):"
    echo
    cat "$RUN/durability.md"
    echo
  fi
  [ -n "$N8N_NOTE" ] && { echo "$N8N_NOTE"; echo; }
  if [ -s "$RUN/steward-c64.syscalls.csv" ]; then
    echo "syscalls of steward during the first c=64 run (perf stat, ${DURATION}s, $PERF_OK 2xx): $(awk -F, -v ok="$PERF_OK" '
      $3 ~ /sys_enter_/ { n = $1; sub(/.*sys_enter_/, "", $3)
        if ($3 == "pwrite64") printf "%s %s (%.1f per 2xx); ", $3, n, (ok > 0 ? n / ok : 0)
        else if (n > 0) printf "%s %s (%.1f 2xx per call); ", $3, n, ok / n }' "$RUN/steward-c64.syscalls.csv")"
    echo
    echo "CPU seconds per thread during that run (thread id, name, s): $(join "$RUN/steward-c64.threads0" "$RUN/steward-c64.threads1" |
      awk -v hz="$CLK_TCK" '{ d = ($5 - $3) / hz; if (d > 0.05) printf "%s %s %.2f; ", $1, $2, d }')"
    echo
  fi
  if [ -s "$RUN/perf-top.txt" ]; then
    echo "perf (steward, c=64, first run; self time by DSO and symbol):"
    echo
    echo '```'
    cat "$RUN/perf-dso.txt"
    echo
    cat "$RUN/perf-top.txt"
    echo '```'
    echo
  fi
  echo "raw: $RUN"
} > "$B/ingest-results.md"
cat "$B/ingest-results.md"
