#!/usr/bin/env bash
# bench/attachments.sh BIN_DIR: the 1 KB publish->deliver latency alone, then
# while one message with a 16 MiB body per second flows on another topic
# (relais-bench attach), through one relais-broker of a fresh relais-admin init
# deployment on 127.0.0.1 (CURVE). Writes (or replaces) the section
# "Attachments: 1 KB latency with 16 MiB messages flowing" of bench/RESULTS.md;
# bench/run.sh calls it last. About a minute: ATT_SECONDS per phase (default 12)
# at ATT_RATE 1 KB messages/s (default 200). Everything lives in one temp
# folder and is stopped on exit.
set -uo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT="$HERE/RESULTS.md"
ATT_SECONDS=${ATT_SECONDS:-12}
ATT_RATE=${ATT_RATE:-200}
T=$(mktemp -d /tmp/relais-attach.XXXXXX)
BROKER_PID=
cleanup() {
  [ -n "$BROKER_PID" ] && kill -TERM "$BROKER_PID" 2>/dev/null
  for _ in $(seq 1 100); do [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.05; done
  [ -n "$BROKER_PID" ] && kill -KILL "$BROKER_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "bench: $*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # port, stop_pid

say "attachments: 1 KB latency alone, then with one 16 MiB message per second"
P=$(port)
"$BIN/relais-admin" init --dir "$T/att" --port "$P" >/dev/null || { say "relais-admin init failed"; exit 1; }
"$BIN/relais-bench" start --broker "$BIN/relais-broker" --config "$T/att/broker.toml" --keep > "$T/start.out" 2>&1 || {
  cat "$T/start.out" >&2; exit 1; }
BROKER_PID=$(awk '$1=="start.pid"{print $2}' "$T/start.out")
CMD="$BIN/relais-bench attach --dir \$T/att --broker-pid \$BROKER_PID --rate $ATT_RATE --seconds $ATT_SECONDS"
"$BIN/relais-bench" attach --dir "$T/att" --broker-pid "$BROKER_PID" --rate "$ATT_RATE" --seconds "$ATT_SECONDS" \
  > "$T/res.txt" 2> "$T/err.txt"
RC=$?
[ $RC -eq 0 ] || { say "relais-bench attach exited $RC"; cat "$T/err.txt" >&2; }
cat "$T/res.txt" >&2
get() { awk -v k="$1" '$1==k { $1=""; sub(/^ /,""); v=$0 } END { print (v == "" ? "n/a" : v) }' "$T/res.txt"; }
mib() { awk -v k="$(get "$1")" 'BEGIN{ if (k=="n/a") print "n/a"; else printf "%.0f", k/1024 }'; }

{
  echo "## Attachments: 1 KB latency with 16 MiB messages flowing"
  echo
  echo "Written by bench/attachments.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)."
  echo "One relais-broker (relais-admin init defaults: sync = batch, max_frame_bytes 17 MiB, max_body 16 MiB) on"
  echo "127.0.0.1 with CURVE. 1 KB alerts from social.golfe to commission at $(get att.rate) msg/s for $(get att.seconds_per_phase) s alone"
  echo "(base), then $(get att.seconds_per_phase) s more while police.golfe publishes one envelope with a 16 MiB body per second on another"
  echo "topic to committee.golfe (load). Latency = subscriber receive - publisher send, one process, one clock."
  echo "The ratios are load / base of the same run; compare them, not the absolute figures."
  echo
  echo "| 1 KB messages | p50 ms | p99 ms |"
  echo "|---|---|---|"
  echo "| alone (base) | $(get att.base_p50_ms) | $(get att.base_p99_ms) |"
  echo "| with one 16 MiB message per second (load) | $(get att.load_p50_ms) | $(get att.load_p99_ms) |"
  echo "| **ratio load / base** | **$(get att.p50_ratio)** | **$(get att.p99_ratio)** |"
  echo
  echo "1 KB messages per phase $(get att.small_per_phase), errors $(get att.small_errors), missing $(get att.missing_base) (base) and"
  echo "$(get att.missing_load) (load). 16 MiB messages: envelope $(get att.large_envelope_bytes) bytes, $(get att.large_sent) sent,"
  echo "$(get att.large_acked) acknowledged, $(get att.large_delivered) delivered, errors $(get att.large_errors); publish->deliver p50"
  echo "$(get att.large_p50_ms) ms, max $(get att.large_max_ms) ms. Broker CPU: $(get att.broker_cpu_base_s) s (base), $(get att.broker_cpu_load_s) s (load);"
  echo "broker peak RSS $(mib att.broker_vmhwm_kib) MiB."
  echo
  echo "Command (\$T a fresh temporary folder, \$BROKER_PID the broker that relais-bench start --keep started):"
  echo
  echo '```'
  echo "$BIN/relais-admin init --dir \$T/att --port $P"
  echo "$BIN/relais-bench start --broker $BIN/relais-broker --config \$T/att/broker.toml --keep"
  echo "$CMD"
  echo '```'
  echo
  echo "(bench/attachments.sh $BIN runs all three.)"
} > "$T/section.md"

# Replace the section if RESULTS.md has it (up to the next "## " heading), else append it.
if [ -f "$OUT" ] && grep -q '^## Attachments: 1 KB latency with 16 MiB messages flowing' "$OUT"; then
  awk -v sec="$T/section.md" '
    /^## Attachments: 1 KB latency with 16 MiB messages flowing/ { while ((getline l < sec) > 0) print l; skip = 1; next }
    skip && /^## / { skip = 0; print ""; }
    !skip { print }' "$OUT" > "$T/out.md" && cat "$T/out.md" > "$OUT"
else
  { [ -f "$OUT" ] && echo; cat "$T/section.md"; } >> "$OUT"
fi
say "done: $OUT (section Attachments)"
exit $RC
