#!/usr/bin/env bash
# bench/reload.sh BIN_DIR [RUNS]: the delay from SIGHUP to the first `revoked`
# refusal. Each run makes a deployment (relais-admin init, 127.0.0.1, a free
# port, keys made now), starts the broker and a `relais-agent subscribe` as
# police.kozah (a connected session), installs a bundle of serial 2 revoking
# police.kozah, sends SIGHUP and waits for the subscriber to exit on the
# broker's ERROR revoked. Prints "reload_revoked_ms.runs v1 v2 ..." and
# "reload_revoked_ms MEDIAN". A measurement, not a test: nothing is asserted
# about time. Everything it starts is stopped on exit.
set -uo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
RUNS=${2:-${RUNS:-5}}
T=$(mktemp -d /tmp/relais-reload-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "reload bench: $*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # port, stop_pid
wait_for() {  # wait_for FILE TEXT: until FILE contains TEXT (at most 20 s)
  for _ in $(seq 1 400); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  say "timed out waiting for '$2' in $1, which ends with:"; tail -n 5 "$1" >&2; return 1
}

values=()
for run in $(seq 1 "$RUNS"); do
  D="$T/d$run"
  "$BIN/relais-admin" init --dir "$D" --port "$(port)" > /dev/null 2>&1 || { say "init failed"; exit 1; }
  "$BIN/relais-admin" bundle --authority "$D/keys/authority.key" --cards "$D/keys" --policy "$D/policy.toml" \
    --serial 2 --revoke police.kozah --out "$D/b2.bundle" > /dev/null 2>&1 || { say "bundle failed"; exit 1; }
  "$BIN/relais-broker" --config "$D/broker.toml" > "$D/broker.log" 2>&1 &
  BROKER=$!; PIDS+=("$BROKER")
  wait_for "$D/broker.log" "ready on" || exit 1
  "$BIN/relais-agent" --config "$D/agents/police.kozah.toml" subscribe --topic 'alert.>' --timeout 60 \
    > "$D/sub.log" 2>&1 &
  SUB=$!; PIDS+=("$SUB")
  wait_for "$D/sub.log" "subscribed to" || exit 1
  cp "$D/b2.bundle" "$D/trust.bundle.tmp" && mv "$D/trust.bundle.tmp" "$D/trust.bundle"
  t0=$(date +%s%N)
  kill -HUP "$BROKER"
  wait "$SUB"
  t1=$(date +%s%N)
  grep -q "revoked" "$D/sub.log" || { say "run $run: the subscriber did not report revoked:"; cat "$D/sub.log" >&2; exit 1; }
  values+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')")
  kill -TERM "$BROKER"; wait "$BROKER" 2>/dev/null
done
echo "reload_revoked_ms.runs ${values[*]}"
printf '%s\n' "${values[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "reload_revoked_ms %s\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
