#!/usr/bin/env bash
# Puts promtool (from Debian's prometheus package, without installing the
# server) under a cache folder, for the metrics test's `promtool check
# metrics` and `check rules`: `apt-get download prometheus`, then
# `dpkg-deb -x`. Idempotent; prints the path of promtool. Usage:
#   tests/metrics/get-promtool.sh [CACHE_DIR]   (default /var/cache/relais-promtool)
set -euo pipefail
cache="${1:-/var/cache/relais-promtool}"
tool="$cache/usr/bin/promtool"
if [ -x "$tool" ]; then echo "$tool"; exit 0; fi
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq prometheus >/dev/null 2>&1) || {
  echo "get-promtool: apt-get download prometheus failed (run apt-get update, or check the network)" >&2
  exit 1
}
dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
install -D -m 0755 "$work/x/usr/bin/promtool" "$tool"
echo "$tool"
