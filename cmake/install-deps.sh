#!/usr/bin/env bash
# Installs the Debian 12 packages Relais builds with, only those missing.
# Idempotent and quiet when everything is present; uses sudo when not root.
set -euo pipefail
pkgs=(cmake g++ make pkg-config libzmq3-dev cppzmq-dev libsodium-dev libmsgpack-cxx-dev
      libspdlog-dev catch2 libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
      libpcre2-dev json-schema-test-suite)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
