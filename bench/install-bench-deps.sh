#!/usr/bin/env bash
# Installs the Debian 12 packages `make bench` uses for the peer brokers
# (mosquitto + libmosquitto-dev, nats-server + libnats-dev), openssl (the
# TLS peers' test certificates) and linux-perf, only those missing. Never fails the bench: a package that cannot be
# installed is reported, and bench/run.sh says so in RESULTS.md.
set -uo pipefail
pkgs=(mosquitto libmosquitto-dev nats-server libnats-dev openssl linux-perf)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-bench-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 0
  fi
  sudo="sudo"
fi
echo "install-bench-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null 2>&1 || true
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  # One at a time, so one unavailable package does not block the others.
  for p in "${missing[@]}"; do
    $sudo apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
      echo "install-bench-deps: could not install $p" >&2
  done
fi
# The Debian mosquitto package starts a system broker on port 1883; the bench
# starts its own on a random port and does not need it.
exit 0
