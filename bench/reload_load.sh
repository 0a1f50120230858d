#!/usr/bin/env bash
# bench/reload_load.sh BIN_DIR [PARTICIPANTS]: the effect on latency of a
# reload of a bundle with PARTICIPANTS (default 1000) more agencies, under
# load. Two runs, each on a fresh deployment (relais-admin init, 127.0.0.1, a
# free port) and a fresh broker: `relais-bench e2e --fixed-rates 1000` alone
# (quiet), then the same while the broker takes a new bundle with the extra
# agencies (relais-bench participants: their keys, cards and mailboxes,
# signed with the deployment's authority key), put in place and announced
# with SIGHUP as soon as e2e has printed its half-load point, so that the
# reload falls inside the 1,000 msg/s phase (20,000 samples, about 7 s).
# Prints reload1000.* keys: p50/p99 at 1,000 msg/s without and with the
# reload, the reload's own time from the broker's log ("reloading" ->
# "bundle serial N in force"), split into its check (beside the main thread)
# and its barrier (on it) where the log says so, and the mailboxes it opened. A measurement,
# not a test. Everything it starts is stopped on exit.
set -uo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
N=${2:-${RELOAD_PARTICIPANTS:-1000}}
T=$(mktemp -d /tmp/relais-reload-load.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "reload-under-load bench: $*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # port, stop_pid
wait_for() {  # wait_for FILE REGEX [SECONDS]: until FILE has a line matching REGEX
  local n=$(( ${3:-20} * 20 ))
  for _ in $(seq 1 "$n"); do grep -qE -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  say "timed out waiting for '$2' in $1"; return 1
}
key() { awk -v k="$1" '$1==k { print $2 }' "$2" | tail -1; }
log_ms() {  # log_ms FILE REGEX: the log time (YYYY-MM-DDTHH:MM:SS.mmm) of the first matching line, in ms of the day
  grep -m1 -E -- "$2" "$1" | sed -nE 's/^[0-9-]+T([0-9]+):([0-9]+):([0-9]+)\.([0-9]+) .*/\1 \2 \3 \4/p' |
    awk '{ printf "%d", (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }'
}

E2E=(--count 5000 --latency-count 7000 --latency-seconds 1 --min-samples 20000 --fixed-rates 1000)
for mode in quiet reload; do
  D="$T/$mode"
  "$BIN/relais-admin" init --dir "$D" --port "$(port)" > /dev/null 2>&1 || { say "init failed"; exit 1; }
  if [ "$mode" = reload ]; then
    "$BIN/relais-bench" participants --dir "$D" --count "$N" --out "$D/next.bundle" > "$D/participants.out" 2>&1 ||
      { say "relais-bench participants failed:"; cat "$D/participants.out" >&2; exit 1; }
  fi
  "$BIN/relais-broker" --config "$D/broker.toml" > "$D/broker.log" 2>&1 &
  BROKER=$!; PIDS+=("$BROKER")
  wait_for "$D/broker.log" "ready on" || exit 1
  "$BIN/relais-bench" e2e --dir "$D" --broker-pid "$BROKER" "${E2E[@]}" > "$D/e2e.out" 2> "$D/e2e.err" &
  E2E_PID=$!; PIDS+=("$E2E_PID")
  if [ "$mode" = reload ]; then
    # The half-load point's last key: the 1,000 msg/s phase starts now.
    wait_for "$D/e2e.out" '^e2e\.p999_ms ' 180 || { cat "$D/e2e.err" >&2; exit 1; }
    cp "$D/next.bundle" "$D/trust.bundle.tmp" && mv "$D/trust.bundle.tmp" "$D/trust.bundle"
    kill -HUP "$BROKER"
  fi
  wait "$E2E_PID" || { say "relais-bench e2e failed ($mode):"; cat "$D/e2e.err" >&2; exit 1; }
  for k in p50_ms p99_ms p999_ms latency_samples; do
    echo "reload1000.at_1000.${k}_$mode $(key "e2e.at_1000.$k" "$D/e2e.out")"
  done
  echo "reload1000.p99_ms_$mode $(key e2e.at_1000.p99_ms "$D/e2e.out")"
  if [ "$mode" = reload ]; then
    wait_for "$D/broker.log" "bundle serial 2 in force" || exit 1
    wait_for "$D/broker.log" "mailboxes opened with bundle serial 2" || exit 1
    a=$(log_ms "$D/broker.log" "broker: reloading")
    b=$(log_ms "$D/broker.log" "bundle serial 2 in force")
    [ -n "$a" ] && [ -n "$b" ] && echo "reload1000.reload_ms $(( b - a ))"
    # Since the reload is checked beside the main thread, the log line says
    # how long each part took: the check, and the barrier on the main thread.
    split=$(grep -m1 "bundle serial 2 in force" "$D/broker.log" | sed -nE 's/.*checked in ([0-9]+) ms, put in force in ([0-9.]+) ms.*/\1 \2/p')
    if [ -n "$split" ]; then
      echo "reload1000.check_ms ${split% *}"
      echo "reload1000.barrier_ms ${split#* }"
    fi
    echo "reload1000.participants $(key participants.total "$D/participants.out")"
    echo "reload1000.bundle_bytes $(key participants.bundle_bytes "$D/participants.out")"
    echo "reload1000.mailboxes_opened $(grep -m1 'mailboxes opened with bundle serial 2' "$D/broker.log" | sed -nE 's/.* ([0-9]+) mailboxes opened.*/\1/p')"
  fi
  kill -TERM "$BROKER"; wait "$BROKER" 2>/dev/null
done
