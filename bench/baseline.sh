#!/usr/bin/env bash
# bench/baseline.sh DIR [BIN_DIR], also reached as `bench/run.sh --baseline DIR [BIN_DIR]`:
# compares this build (BIN_DIR, default build/bin) with another build of
# Relais (DIR/build/bin, e.g. a git worktree of an older commit), using the
# `relais-bench e2e` measurement of `make bench` only: throughput (1 publisher
# -> broker -> 3 subscribers, 1 KB bodies) and p99 publish->deliver latency at
# half load. Each side runs with its own relais-admin, relais-broker and
# relais-bench. REPS repetitions (default 3); in each, the two builds run back
# to back with the same parameters, the one that goes first alternating. Prints
# each repetition, the medians and the ratios this/baseline, and writes them to
# bench/BASELINE.md (overwritten). Everything listens on 127.0.0.1 random ports,
# lives in one temp folder and is stopped on exit.
# Environment: COUNT_E2E (default 50000), LAT_SECONDS (4), REPS (3),
# E2E_TIMEOUT (seconds per e2e run, 300).
# Exit code: 0 when both builds ran in every repetition, 1 if either failed,
# 2 on a usage error.
set -uo pipefail
usage() { echo "usage: bench/run.sh --baseline DIR [BIN_DIR]   (runs DIR/build/bin against BIN_DIR, default build/bin)" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
case "$1" in -h|--help|"") usage ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BASE_DIR=$(cd "$1" 2>/dev/null && pwd) || { echo "bench: no such folder: $1" >&2; exit 2; }
BASE_BIN="$BASE_DIR/build/bin"
THIS_BIN=$(cd "${2:-$ROOT/build/bin}" 2>/dev/null && pwd) || { echo "bench: no such folder: ${2:-$ROOT/build/bin}" >&2; exit 2; }
OUT="$HERE/BASELINE.md"

COUNT_E2E=${COUNT_E2E:-50000}
LAT_SECONDS=${LAT_SECONDS:-4}
REPS=${REPS:-3}
E2E_TIMEOUT=${E2E_TIMEOUT:-300}

say() { echo "bench: $*" >&2; }
for b in "$BASE_BIN" "$THIS_BIN"; do
  for t in relais-admin relais-broker relais-bench; do
    [ -x "$b/$t" ] && continue
    say "$b/$t is missing; build it with:"
    say "  cmake -S SRC -B SRC/build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build SRC/build --target relais-broker relais-agent relais-admin relais-bench"
    exit 2
  done
done

T=$(mktemp -d /tmp/relais-baseline.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n 8192 2>/dev/null || true

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # port, stop_pid
key() { awk -v k="$1" '$1==k { $1=""; sub(/^ /,""); v=$0 } END { print v }' "$2" 2>/dev/null; }

# The source tree a build comes from (its CMake cache), and that tree's commit.
source_of() {  # source_of BIN_DIR FALLBACK
  local s
  s=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$(dirname "$1")/CMakeCache.txt" 2>/dev/null)
  [ -n "$s" ] && [ -d "$s" ] && echo "$s" || echo "$2"
}
commit_of() {  # commit_of SRC: "commit abc1234" (+ ", uncommitted changes")
  local c d
  c=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) || { echo "not a git tree"; return; }
  d=$(git --no-optional-locks -C "$1" status --porcelain --untracked-files=no 2>/dev/null | head -1)
  echo "commit $c${d:+, uncommitted changes}"
}
BASE_SRC=$(source_of "$BASE_BIN" "$BASE_DIR")
THIS_SRC=$(source_of "$THIS_BIN" "$ROOT")
BASE_COMMIT=$(commit_of "$BASE_SRC")
THIS_COMMIT=$(commit_of "$THIS_SRC")

# One e2e run of one build: init a deployment, start its broker, e2e, stop.
# run_side NAME BIN REP -> $T/NAME.REP.txt ("key value" lines); 1 on failure.
COMMANDS=()
run_side() {
  local name=$1 bin=$2 rep=$3 d="$T/$1.$3" out="$T/$1.$3.txt" p pid rc
  : > "$out"
  p=$(port)
  [ "$rep" = 1 ] && COMMANDS+=("$bin/relais-admin init --dir \$T/$name.R --port $p" \
    "$bin/relais-bench start --broker $bin/relais-broker --config \$T/$name.R/broker.toml --keep" \
    "$bin/relais-bench e2e --dir \$T/$name.R --broker-pid PID --count $COUNT_E2E --latency-seconds $LAT_SECONDS")
  "$bin/relais-admin" init --dir "$d" --port "$p" > "$T/$name.err" 2>&1 || {
    say "$name: relais-admin init failed"; cat "$T/$name.err" >&2; return 1; }
  "$bin/relais-bench" start --broker "$bin/relais-broker" --config "$d/broker.toml" --keep > "$T/start.out" 2>&1 || {
    say "$name: the broker did not start"; cat "$T/start.out" >&2; return 1; }
  pid=$(key start.pid "$T/start.out")
  PIDS+=("$pid")
  timeout --foreground -k 5 "$E2E_TIMEOUT" "$bin/relais-bench" e2e --dir "$d" --broker-pid "$pid" --count "$COUNT_E2E" \
    --latency-seconds "$LAT_SECONDS" > "$out" 2> "$T/$name.err"
  rc=$?
  stop_pid "$pid"
  rm -rf "$d"
  if [ "$rc" != 0 ]; then say "$name: relais-bench e2e exited with $rc"; cat "$T/$name.err" >&2; return 1; fi
  if [ "$(key e2e.complete "$out")" != yes ] || [ "$(key e2e.errors "$out")" != 0 ] || \
     [ -z "$(key e2e.msgs_per_s "$out")" ] || [ -z "$(key e2e.p99_ms "$out")" ]; then
    say "$name: incomplete run: complete=$(key e2e.complete "$out") errors=$(key e2e.errors "$out") $(key e2e.first_error "$out")"
    return 1
  fi
}

# median LIST: the median of space-separated numbers ("n/a" skipped).
median() {
  echo "$*" | tr ' ' '\n' | grep -E '^-?[0-9]+(\.[0-9]+)?$' | sort -g | awk '
    { a[++n] = $1 } END { if (n == 0) print "n/a"; else if (n % 2) print a[(n + 1) / 2]; else print (a[n / 2] + a[n / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "n/a" || v == "") print "n/a"; else printf "%.*f", d, v }'; }

say "baseline: $BASE_BIN ($BASE_COMMIT); this: $THIS_BIN ($THIS_COMMIT)"
say "$REPS repetitions, COUNT_E2E=$COUNT_E2E LAT_SECONDS=$LAT_SECONDS"
FAILED=0
B_TP=() ; B_P99=() ; S_TP=() ; S_P99=() ; R_TP=() ; R_P99=() ; REP_LINES=()
for REP in $(seq 1 "$REPS"); do
  if [ $((REP % 2)) = 1 ]; then ORDER="baseline this"; else ORDER="this baseline"; fi
  for side in $ORDER; do
    say "repetition $REP of $REPS: $side"
    if [ "$side" = baseline ]; then bin=$BASE_BIN; else bin=$THIS_BIN; fi
    # A failed run keeps its output for the raw figures but counts in no ratio.
    run_side "$side" "$bin" "$REP" || { FAILED=1; mv "$T/$side.$REP.txt" "$T/$side.$REP.failed" 2>/dev/null; }
  done
  btp=$(key e2e.msgs_per_s "$T/baseline.$REP.txt"); bp=$(key e2e.p99_ms "$T/baseline.$REP.txt")
  stp=$(key e2e.msgs_per_s "$T/this.$REP.txt"); sp=$(key e2e.p99_ms "$T/this.$REP.txt")
  B_TP+=("${btp:-n/a}"); B_P99+=("${bp:-n/a}"); S_TP+=("${stp:-n/a}"); S_P99+=("${sp:-n/a}")
  R_TP+=("$(ratio "$stp" "$btp")"); R_P99+=("$(ratio "$sp" "$bp")")
  line="rep $REP (${ORDER// / first, then }): baseline $(fmt "${btp:-n/a}" 0) msg/s, p99 $(fmt "${bp:-n/a}" 2) ms;"
  line+=" this $(fmt "${stp:-n/a}" 0) msg/s, p99 $(fmt "${sp:-n/a}" 2) ms;"
  line+=" this/baseline throughput ${R_TP[-1]}, p99 ${R_P99[-1]}"
  REP_LINES+=("$line")
  echo "$line"
done

join() { local IFS=,; local s="$*"; echo "${s//,/, }"; }
MED_B_TP=$(median "${B_TP[@]}"); MED_S_TP=$(median "${S_TP[@]}")
MED_B_P99=$(median "${B_P99[@]}"); MED_S_P99=$(median "${S_P99[@]}")
MED_R_TP=$(fmt "$(median "${R_TP[@]}")" 2); MED_R_P99=$(fmt "$(median "${R_P99[@]}")" 2)
MEDIANS="medians: baseline $(fmt "$MED_B_TP" 0) msg/s, p99 $(fmt "$MED_B_P99" 2) ms;  this $(fmt "$MED_S_TP" 0) msg/s, p99 $(fmt "$MED_S_P99" 2) ms"
SUMMARY="baseline: $BASE_DIR ($BASE_COMMIT)   this: $THIS_BIN ($THIS_COMMIT)
throughput  this/baseline = $MED_R_TP  ($(join "${R_TP[@]}"))   higher is better
p99 at half load  this/baseline = $MED_R_P99  ($(join "${R_P99[@]}"))   lower is better"
[ "$FAILED" = 0 ] || SUMMARY+="
FAILED: at least one run did not complete (see the messages above); ratios cover the runs that did"
echo "$MEDIANS"
echo
echo "$SUMMARY"

{
  echo "# Relais: this build against a baseline build"
  echo
  echo "Written by \`bench/run.sh --baseline\` (bench/baseline.sh) on $(date -u +%Y-%m-%dT%H:%M:%SZ); overwritten by each run."
  echo "Measurement: \`relais-bench e2e\` of \`make bench\` (1 publisher -> broker -> 3 subscribers, 1 KB bodies): throughput,"
  echo "then p99 publish->deliver latency over the 3 subscribers at half of that run's own throughput. $REPS repetitions;"
  echo "in each, both builds ran back to back with the same parameters (COUNT_E2E=$COUNT_E2E, LAT_SECONDS=$LAT_SECONDS),"
  echo "the first alternating. Each side used its own relais-admin, relais-broker and relais-bench. Ratios are per"
  echo "repetition (paired runs); the headline ratio is their median."
  echo
  echo '```'
  echo "$SUMMARY"
  echo '```'
  echo
  echo "- baseline: \`$BASE_BIN\`, source $BASE_SRC ($BASE_COMMIT)"
  echo "- this: \`$THIS_BIN\`, source $THIS_SRC ($THIS_COMMIT)"
  echo
  echo "## Per repetition"
  echo
  echo '```'
  for l in "${REP_LINES[@]}"; do echo "$l"; done
  echo "$MEDIANS"
  echo '```'
  echo
  echo "## Machine"
  echo '```'
  echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "nproc:  $(nproc)"
  echo "uname:  $(uname -srmo)"
  echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the end of the run)"
  free -m
  echo '```'
  echo
  echo "## Exact commands (\$T is a fresh temporary folder, R the repetition, PID the broker's pid from \`start\`)"
  echo '```'
  echo "COUNT_E2E=$COUNT_E2E LAT_SECONDS=$LAT_SECONDS REPS=$REPS bash bench/run.sh --baseline $BASE_DIR $THIS_BIN"
  for c in "${COMMANDS[@]}"; do echo "$c"; done
  echo '```'
  echo
  echo "## Raw figures"
  echo '```'
  for REP in $(seq 1 "$REPS"); do
    for side in baseline this; do
      if [ -f "$T/$side.$REP.failed" ]; then
        echo "# repetition $REP, $side: FAILED"; cat "$T/$side.$REP.failed"
      else
        echo "# repetition $REP, $side"; cat "$T/$side.$REP.txt" 2>/dev/null
      fi
    done
  done
  echo '```'
} > "$OUT"
say "written: $OUT"
exit "$FAILED"
