#!/usr/bin/env bash
# The Relais demo story, played on real processes over CurveZMQ on 127.0.0.1:
# a deployment made by relais-admin init, one broker, the agencies' agents,
# and the auditor at the end. Usage: demo/demo.sh BIN_DIR
set -euo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DOCS="$HERE/documents"
RUN="$(cd "$HERE/.." && pwd)/demo-run"
PORT=${RELAIS_DEMO_PORT:-$((20000 + RANDOM % 20000))}
BROKER_PID=""
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

say()  { printf '\n\033[1m%s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }
agent() { local who=$1; shift; "$BIN/relais-agent" --config "$RUN/agents/$who.toml" "$@"; }
show_json() { sed 's/^/   | /' "$1"; }

rm -rf "$RUN"
say "0. The commission creates the deployment (keys, policy, signed trust bundle, configs)"
"$BIN/relais-admin" init --dir "$RUN" --port "$PORT" | sed 's/^/   /'
"$BIN/relais-admin" verify-bundle --authority-pub "$RUN/keys/authority.pub" "$RUN/trust.bundle" >/dev/null
note "trust bundle signed by the authority and verified"

say "   The broker starts (CURVE + ZAP allowlist from the bundle, synced log in $RUN/data)"
"$BIN/relais-broker" --config "$RUN/broker.toml" >"$RUN/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 100); do grep -q "ready on" "$RUN/broker.log" 2>/dev/null && break; sleep 0.1; done
grep -q "ready on" "$RUN/broker.log" || { echo "broker did not start:"; cat "$RUN/broker.log"; exit 1; }
note "$(grep -o 'ready on.*' "$RUN/broker.log")"

say "1. police.golfe raises an alert in Golfe; the commission and committee.golfe receive it"
agent commission subscribe --topic 'alert.>' --count 1 --timeout 20 >"$RUN/commission.out" 2>"$RUN/commission.err" &
PIDS+=($!); C1=$!
agent committee.golfe subscribe --topic 'alert.*.maritime.golfe' --count 1 --timeout 20 >"$RUN/committee.golfe.out" 2>"$RUN/committee.golfe.err" &
PIDS+=($!); C2=$!
sleep 1
agent police.golfe publish --topic alert.suspected_trafficking.maritime.golfe --type alert \
  --urgency urgent --file "$DOCS/alert-golfe.json" --receipt "$RUN/alert.receipt" | tee "$RUN/alert.ack" |
  sed 's/^/   police.golfe: acknowledged /'
wait $C1 && wait $C2
note "commission received:";      show_json "$RUN/commission.out" | cut -c1-160
note "committee.golfe received:"; show_json "$RUN/committee.golfe.out" | cut -c1-160

say "2. committee.kozah tries to read Golfe's alerts and is refused by the policy"
if agent committee.kozah subscribe --topic 'alert.*.maritime.golfe' --count 1 --timeout 5 2>"$RUN/kozah.err"; then
  echo "   UNEXPECTED: committee.kozah was allowed"; exit 1
fi
note "refused: $(cat "$RUN/kozah.err")"

say "3. ngo.refuge refers a victim to social.golfe, with the scanned police report attached; social.golfe has never connected: the referral waits in its mailbox"
REF=$(agent ngo.refuge publish --topic referral.social.golfe --type referral --urgency urgent \
      --case-ref c-7f3a9e --file "$DOCS/referral-ngo-to-social.json" --attach "$DOCS/police-report-golfe.pdf")
note "ngo.refuge: acknowledged $REF"
agent social.golfe subscribe --mailbox --count 1 --timeout 20 --save-attachments "$RUN/social-files" >"$RUN/social.out" 2>"$RUN/social.err"
note "social.golfe connects and reads its mailbox (only social.golfe can read it):"; show_json "$RUN/social.out" | cut -c1-160
note "$(grep 'handling' "$RUN/social.err" | sed 's/^relais-agent: //')"
note "the attached report, sealed with the referral and checked against its hash on opening:"
sed -n 's/.*"attachments":\(\[[^]]*\]\).*/\1/p' "$RUN/social.out" | sed 's/^/   | /' | cut -c1-160
note "$(grep 'saved' "$RUN/social.err" | sed "s|^relais-agent: ||; s|$RUN/||")"
REF_ID=$(sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' <<<"$REF")

say "4. social.golfe accepts; ngo.refuge receives the referral-response"
agent ngo.refuge subscribe --topic response.ngo.refuge --count 1 --timeout 20 >"$RUN/ngo.out" 2>"$RUN/ngo.err" &
PIDS+=($!); N1=$!
sleep 1
agent social.golfe publish --topic response.ngo.refuge --type referral-response --case-ref c-7f3a9e \
  --in-reply-to "$REF_ID" --file "$DOCS/response-accepted.json" | sed 's/^/   social.golfe: acknowledged /'
wait $N1
note "ngo.refuge received:"; show_json "$RUN/ngo.out" | cut -c1-160

say "5. police.kozah raises a border alert in Kozah; the gendarmerie of region kara receives it"
agent gendarmerie.kozah subscribe --topic 'alert.*.kara.>' --count 1 --timeout 20 >"$RUN/gendarmerie.out" 2>"$RUN/gendarmerie.err" &
PIDS+=($!); G1=$!
for _ in $(seq 1 100); do grep -q "subscribed to" "$RUN/gendarmerie.err" 2>/dev/null && break; sleep 0.1; done
agent police.kozah publish --topic alert.border_interception.kara.kozah --type alert --urgency immediate \
  --file "$DOCS/alert-kozah.json" | sed 's/^/   police.kozah: acknowledged /'
wait $G1
note "gendarmerie.kozah received:"; show_json "$RUN/gendarmerie.out" | cut -c1-160

say "6. A referral without consent is refused before anything is sent"
if agent ngo.refuge publish --topic referral.social.golfe --type referral \
     --file "$DOCS/referral-no-consent.json" 2>"$RUN/noconsent.err"; then
  echo "   UNEXPECTED: the referral without consent was sent"; exit 1
fi
sed 's/^/   refused: /' "$RUN/noconsent.err"

say "7. Everything stops cleanly (SIGTERM: the log is synced, nothing acknowledged is lost)"
kill -TERM "$BROKER_PID"; wait "$BROKER_PID"; BROKER_PID=""
note "$(tail -n 1 "$RUN/broker.log")"

say "8. The auditor verifies the log offline and replays the story"
AUDIT=("$BIN/relais-audit" --bundle "$RUN/trust.bundle" --authority-pub "$RUN/keys/authority.pub" --data "$RUN/data")
"${AUDIT[@]}" verify | sed 's/^/   /'
note "messages (no bodies: the auditor is not a reader):"
"${AUDIT[@]}" replay --identity "$RUN/keys/auditor.key" | sed 's/^/   | /' | cut -c1-160
note "refusals recorded in the log:"
"${AUDIT[@]}" replay --events | grep '"refusal"' | sed 's/^/   | /' | cut -c1-160 || true

note "police.golfe holds the broker's signed receipt for its alert; the auditor proves the alert is in the log:"
ALERT_ID=$(sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' "$RUN/alert.ack")
"${AUDIT[@]}" prove --id "$ALERT_ID" > "$RUN/alert.proof.json"
"$BIN/relais-audit" --bundle "$RUN/trust.bundle" --authority-pub "$RUN/keys/authority.pub" \
  check-proof --proof "$RUN/alert.proof.json" --receipt "$RUN/alert.receipt" | sed 's/^/   /'

say "9. social.golfe's desk: the agency's web interface, in French, served by its agent service"
DESK_PORT=${RELAIS_DEMO_DESK_PORT:-$((PORT + 1))}
DESK_PASSWORD="mangue tortue bleue cinq lampadaires"
"$BIN/relais-broker" --config "$RUN/broker.toml" >>"$RUN/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 100); do [ "$(grep -c 'ready on' "$RUN/broker.log")" -ge 2 ] && break; sleep 0.1; done
printf '\n[desk]\nlisten = "127.0.0.1:%s"\n' "$DESK_PORT" >>"$RUN/agents/social.golfe.toml"
printf '%s\n' "$DESK_PASSWORD" | agent social.golfe user add amivi --role caseworker >/dev/null
"$BIN/relais-agent" --config "$RUN/agents/social.golfe.toml" run >"$RUN/social.golfe.service.log" 2>&1 &
PIDS+=($!)  # the program itself (not a shell function's subshell), so that cleanup stops it
for _ in $(seq 1 100); do grep -q "desk listening on" "$RUN/social.golfe.service.log" 2>/dev/null && break; sleep 0.1; done
grep -q "desk listening on" "$RUN/social.golfe.service.log" || { echo "the desk did not start:"; cat "$RUN/social.golfe.service.log"; exit 1; }
agent ngo.refuge publish --topic referral.social.golfe --type referral --urgency urgent --case-ref c-7f3a9e \
  --file "$DOCS/referral-ngo-to-social.json" | sed 's/^/   ngo.refuge: acknowledged /'
for _ in $(seq 1 100); do agent social.golfe inbox --json 2>/dev/null | grep -q '"referral"' && break; sleep 0.1; done
note "social.golfe's service stored the referral, sealed at rest (its inbox):"
agent social.golfe inbox | sed 's/^/   | /'
note "Open the desk in a browser on this machine: http://127.0.0.1:$DESK_PORT"
note "User name: amivi   Password: $DESK_PASSWORD"
say "10. committee.golfe and committee.kozah send three months of statistics; the commission makes its PTBA report"
printf '\n[[subscription]]\ntopic = "stats.*"\ndurable = "stats"\nfrom = "first"\n' >>"$RUN/agents/commission.toml"
THIS_MONTH=$(date -u +%Y-%m-01)
FROM=$(date -u -d "$THIS_MONTH -3 month" +%Y-%m-%d)
TO=$(date -u -d "$THIS_MONTH -1 day" +%Y-%m-%d)
for k in 3 2 1; do
  START=$(date -u -d "$THIS_MONTH -$k month" +%Y-%m-%d)
  END=$(date -u -d "$START +1 month -1 day" +%Y-%m-%d)
  for p in golfe kozah; do
    sed -e "s/\"report_id\": \"[^\"]*\"/\"report_id\": \"$p-${START:0:7}\"/" \
        -e "s/\"start\": \"[^\"]*\"/\"start\": \"$START\"/" -e "s/\"end\": \"[^\"]*\"/\"end\": \"$END\"/" \
        "$DOCS/statistics-$p.json" >"$RUN/statistics-$p-${START:0:7}.json"
    agent committee.$p publish --topic stats.$p --type statistics-report \
      --file "$RUN/statistics-$p-${START:0:7}.json" >/dev/null
    note "committee.$p sent its report for $START to $END"
  done
done
"$BIN/relais-agent" --config "$RUN/agents/commission.toml" run >"$RUN/commission.service.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do
  [ "$(agent commission inbox --json --type statistics-report 2>/dev/null | grep -o '"statistics-report"' | wc -l)" -ge 6 ] && break
  sleep 0.1
done
note "the commission's service stored them (statistics cells only are read for the report):"
agent commission inbox --type statistics-report | sed 's/^/   | /' | cut -c1-160
agent commission report --from "$FROM" --to "$TO" --format html --out "$RUN/report.html" | sed 's/^/   /'
agent commission report --from "$FROM" --to "$TO" --format csv --out "$RUN/report.csv" >/dev/null
note "victims by region (CSV, French dialect):"
grep '^victims_by_exploitation;[a-z]*;[^;]*;total;' "$RUN/report.csv" | cut -d';' -f3,6,7,8 | sed 's/^/   | /'
note "Open $RUN/report.html in a browser (offline, printable on A4); report.csv opens in LibreOffice or Excel."

if [ -t 0 ]; then
  read -r -p "   Press Enter to stop the demo's broker and service. " _
fi

say "Demo complete. Files are in $RUN"
