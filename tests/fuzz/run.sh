#!/usr/bin/env bash
# make fuzz: builds every libFuzzer harness with clang in build-fuzz and runs
# each for a bounded time on a scratch copy of its seed corpus
# (tests/fuzz/corpus/<harness>/, never modified here), JOBS (default 2)
# harnesses at a time.
#   bash tests/fuzz/run.sh [SECONDS_PER_HARNESS=20] [HARNESS...]
# A crash leaves its input in build-fuzz/fuzz-out/<harness>/crash-*; copy it
# to tests/fuzz/regressions/<harness>/ so that `make test` replays it.
# Prints one line per harness with libFuzzer's execution count.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-20}"
shift || true
bash cmake/install-deps.sh fuzz
build=build-fuzz
jobs="${JOBS:-2}"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAIS_FUZZ=ON \
  -DRELAIS_TESTS=OFF -DRELAIS_UNITY_BUILD="${UNITY:-ON}" >/dev/null || exit 2
cmake --build "$build" --target fuzz_all -j"$jobs" || exit 2

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(envelope protocol schema_instance schema_compile topic policy bundle card config log body)
fi
out="$build/fuzz-out"
mkdir -p "$out"

# One harness, for $seconds, on a scratch copy of its corpus; leaves its line
# (execs, exit code, findings) in $out/<harness>/line.txt, read below.
fuzz_one() {
  local h="$1" work="$out/$1" rc execs crashes line
  rm -rf "$work" && mkdir -p "$work/corpus"
  cp tests/fuzz/corpus/"$h"/* "$work/corpus/" 2>/dev/null || true
  local regress=()
  [ -d tests/fuzz/regressions/"$h" ] && regress=(tests/fuzz/regressions/"$h")
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/bin/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" "${regress[@]}" >"$work/log.txt" 2>&1
  rc=$?
  execs=$(grep -E '^stat::number_of_executed_units' "$work/log.txt" | awk '{print $2}')
  crashes=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | wc -l)
  line=$(printf '%-16s execs=%-10s exit=%s findings=%s' "$h" "${execs:-?}" "$rc" "$crashes")
  printf '%s\n' "$line" >"$work/line.txt"
}

# $jobs harnesses at a time (one per core), each with its full time.
running=0
for h in "${harnesses[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$h" &
  running=$((running + 1))
done
wait

failed=0
summary=""
for h in "${harnesses[@]}"; do
  work="$out/$h"
  line=$(cat "$work/line.txt" 2>/dev/null || printf '%-16s did not run' "$h")
  echo "fuzz: $line"
  summary+="$line"$'\n'
  if [[ "$line" != *" exit=0 findings=0" ]]; then
    failed=1
    echo "fuzz: $h found a problem; see $work/log.txt and $work/" >&2
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|FUZZ_CHECK' "$work/log.txt" >&2 || true
  fi
done
printf '%s' "$summary" >"$out/summary.txt"
exit $failed
