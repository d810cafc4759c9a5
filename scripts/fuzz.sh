#!/usr/bin/env bash
# libFuzzer targets (tests/fuzz): builds them with clang, replays every regression input and seed,
# then fuzzes each target for a while on a scratch copy of its corpus.
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [--merge] [target…]
#     --seconds N   fuzzing time per target (default $FUZZ_SECONDS, else 30); 0 = replay only
#     --jobs N      ninja parallelism for the build (default $JOBS, else 2)
#     --merge       merge inputs that add coverage back into tests/fuzz/corpus/<target>/
#     target…       fuzz_forms fuzz_http … (default: all)
#   CI:        FUZZ_SECONDS=20 scripts/fuzz.sh
#   Long run:  scripts/fuzz.sh --seconds 600 fuzz_forms fuzz_email_inbound
#   BUILD_DIR (default build-fuzz), FUZZ_CC/FUZZ_CXX (default clang-14/clang++-14, else clang),
#   FUZZ_TIMEOUT (seconds per input before it counts as a hang, default 25), FUZZ_FLAGS (extra
#   libFuzzer flags for the fuzzing runs, e.g. "-entropic=0 -max_len=8192").
#
# Fuzzing uses one process per target, one after the other: at most one core. The repository
# is only written with --merge. Exits non-zero when any target crashes, leaks, hangs or breaks
# an invariant, printing the file that reproduces it (`build-fuzz/tests/fuzz/fuzz_x FILE`).
# A reproducer belongs in tests/fuzz/regressions/<target>/ once the bug is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all_targets=(fuzz_slack_verify fuzz_slack_payloads fuzz_forms fuzz_email_inbound fuzz_config
             fuzz_rules fuzz_http fuzz_json)
seconds=${FUZZ_SECONDS:-30}
jobs=${JOBS:-2}
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --jobs=*) jobs=${1#*=}; shift ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds must be a whole number" >&2; exit 2 ;; esac
case "$jobs" in ''|*[!0-9]*|0) echo "fuzz.sh: --jobs must be a positive number" >&2; exit 2 ;; esac
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " == *" $t "* ]]; then
    echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

pick() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { echo "$c"; return; }; done; echo "$1"; }
cc=${FUZZ_CC:-$(pick clang-14 clang)}
cxx=${FUZZ_CXX:-$(pick clang++-14 clang++)}
build_dir=${BUILD_DIR:-build-fuzz}
case "$build_dir" in /*) ;; *) build_dir=$root/$build_dir ;; esac

# -O1 -g without NDEBUG: fast enough to fuzz, and library assertions (Boost) stay armed.
echo "+ cmake -B $build_dir ($cxx, -DSTEWARD_FUZZ=ON)"
cmake -S "$root" -B "$build_dir" -G Ninja \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE="${FUZZ_BUILD_TYPE:-RelWithDebInfo}" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -fno-omit-frame-pointer" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g -fno-omit-frame-pointer" \
  -DSTEWARD_FUZZ=ON -DSTEWARD_TESTS=OFF >/dev/null
echo "+ ninja -j$jobs ${targets[*]}"
ninja -C "$build_dir" -j"$jobs" "${targets[@]}"

# Libraries are compiled with recoverable UBSan checks: halt on the first report so libFuzzer
# sees it as a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TMPDIR=${TMPDIR:-/tmp}

work_root=$build_dir/fuzz-work
failed=()
summary=()

# The input a failed libFuzzer run points at: the artifact it wrote, else the last file it ran.
culprit() {
  local log=$1 f
  f=$(grep -o 'Test unit written to .*' "$log" | tail -n1 | sed 's/^Test unit written to //')
  [ -n "$f" ] || f=$(grep -o '^Running: .*' "$log" | tail -n1 | sed 's/^Running: //')
  echo "${f:-(see $log)}"
}

# A value from libFuzzer's -print_final_stats block ("stat::peak_rss_mb:  283").
final_stat() { grep -E "^stat::$2:" "$1" | awk '{print $2}' | tail -n1; }

# --- 1. replay: every regression input and every seed, no fuzzing ----------------------------
for t in "${targets[@]}"; do
  bin=$build_dir/tests/fuzz/$t
  work=$work_root/$t
  mkdir -p "$work"
  mapfile -t inputs < <(find "$root/tests/fuzz/regressions/$t" "$root/tests/fuzz/corpus/$t" \
                          -type f ! -name '.*' ! -name 'README*' 2>/dev/null | sort)
  if [ ${#inputs[@]} -eq 0 ]; then
    echo "replay  $t: no inputs"
    continue
  fi
  log=$work/replay.log
  if (cd "$work" && "$bin" -timeout="${FUZZ_TIMEOUT:-25}" -rss_limit_mb=2048 "${inputs[@]}") \
      >"$log" 2>&1; then
    echo "replay  $t: ${#inputs[@]} inputs ok"
  else
    echo "replay  $t: FAILED on $(culprit "$log")"
    tail -n 40 "$log" | sed 's/^/    /'
    failed+=("$t (replay: $(culprit "$log"))")
  fi
done

# --- 2. fuzz: N seconds per target on a scratch copy of the corpus ----------------------------
if [ "$seconds" -gt 0 ]; then
  for t in "${targets[@]}"; do
    if [[ " ${failed[*]-} " == *" $t ("* ]]; then
      echo "fuzz    $t: skipped (replay failed)"
      continue
    fi
    bin=$build_dir/tests/fuzz/$t
    work=$work_root/$t
    rm -rf "$work/corpus" "$work/artifacts"
    mkdir -p "$work/corpus" "$work/artifacts"
    [ -d "$root/tests/fuzz/corpus/$t" ] && cp -R "$root/tests/fuzz/corpus/$t/." "$work/corpus/"
    dirs=("$work/corpus")  # new inputs are written to the first directory only
    [ -d "$root/tests/fuzz/regressions/$t" ] && dirs+=("$root/tests/fuzz/regressions/$t")
    log=$work/fuzz.log
    echo "fuzz    $t: ${seconds}s ..."
    status=0
    (cd "$work" && "$bin" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-25}" \
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
       ${FUZZ_FLAGS:-} "${dirs[@]}") >"$log" 2>&1 || status=$?
    execs=$(final_stat "$log" number_of_executed_units)
    rate=$(final_stat "$log" average_exec_per_sec)
    rss=$(final_stat "$log" peak_rss_mb)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | awk '{print $2}')
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | awk '{print $2}')
    corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' <<<"$last" | awk '{print $2}')
    line=$(printf '%-20s execs %-9s exec/s %-6s cov %-6s ft %-6s corpus %-10s rss %sMB' "$t" \
      "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}")
    if [ "$status" -ne 0 ]; then
      echo "fuzz    $t: FAILED (exit $status) on $(culprit "$log")"
      grep -E 'ERROR: |fuzz invariant violated|runtime error|SUMMARY' "$log" | head -n 5 | sed 's/^/    /'
      failed+=("$t (fuzz: $(culprit "$log"))")
      summary+=("$line  FAILED")
    else
      summary+=("$line  ok")
      if [ "$merge" -eq 1 ]; then
        mkdir -p "$root/tests/fuzz/corpus/$t"
        (cd "$work" && "$bin" -merge=1 -timeout="${FUZZ_TIMEOUT:-25}" -rss_limit_mb=2048 \
           "$root/tests/fuzz/corpus/$t" "$work/corpus") >"$work/merge.log" 2>&1 ||
          echo "fuzz    $t: merge failed (see $work/merge.log)"
        echo "merge   $t: $(grep -o 'MERGE-OUTER: [0-9]* new files' "$work/merge.log" | tail -n1)"
      fi
    fi
  done
fi

echo
echo "summary (fuzzing ${seconds}s per target; logs in $work_root/<target>/):"
for s in "${summary[@]-}"; do [ -n "$s" ] && echo "  $s"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED:"
  for f in "${failed[@]}"; do echo "  $f"; done
  exit 1
fi
echo "all fuzz targets passed"
