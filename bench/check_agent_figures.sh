#!/bin/sh
# check_agent_figures.sh RELAIS_BENCH: runs `relais-bench agent` briefly and
# checks that it prints every figure bench/run.sh reads for the audit's bound,
# each with a positive number. Exit 0 if so, 1 naming the missing one.
set -u
out=$("$1" agent --seconds 0.05) || { echo "relais-bench agent failed (exit $?)"; exit 1; }
for key in agent.ed25519_verify_us agent.ed25519_verify_distinct_us \
           agent.ed25519_verifies_per_s_2threads agent.ed25519_verifies_per_s_2threads_distinct \
           agent.ed25519_verify_us_best_window agent.ed25519_verify_us_median_window \
           agent.ed25519_verify_distinct_us_best_window agent.ed25519_verify_distinct_us_median_window \
           agent.ed25519_distinct_over_same; do
  v=$(printf '%s\n' "$out" | awk -v k="$key" '$1 == k { print $2 }')
  if [ -z "$v" ] || ! awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }'; then
    echo "relais-bench agent did not print a positive $key; it printed:"
    printf '%s\n' "$out"
    exit 1
  fi
done
echo "all $(printf '%s\n' "$out" | grep -c '^agent\.') agent figures printed"
