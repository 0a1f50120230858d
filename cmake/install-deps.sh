#!/usr/bin/env bash
# Installs the Debian 12 packages Relais builds with, only those missing.
# Idempotent and quiet when everything is present; uses sudo when not root.
set -euo pipefail
# The base set, used by every target (make build/test/demo).
pkgs=(cmake g++ make pkg-config libzmq3-dev cppzmq-dev libsodium-dev libmsgpack-cxx-dev
      libspdlog-dev catch2 libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
      libpcre2-dev json-schema-test-suite)
# sd_notify for the broker's Type=notify unit (the programs only), and the
# HTTP server behind /metrics and /healthz (core/http).
pkgs+=(libsystemd-dev libcpp-httplib-dev)
# The agent's local store (core/store): SQLite.
pkgs+=(libsqlite3-dev)
# The desk: TLS certificates (OpenSSL's libcrypto) and password strength.
pkgs+=(libssl-dev libzxcvbn-dev)
# The desk's browser tests (ctest label browser): headless Chromium driven by
# Selenium, run with /usr/bin/python3.
pkgs+=(chromium chromium-driver python3-selenium)
# The package and its checks (make package, tests/packaging): dpkg-deb and
# dpkg-shlibdeps, file, lintian, systemd-analyze, man and groff.
pkgs+=(dpkg-dev file lintian systemd man-db groff-base)
# Only for `make fuzz` (tests/fuzz/run.sh calls `install-deps.sh fuzz`):
# clang 14 and its libFuzzer/sanitizer runtimes.
fuzz_pkgs() {
  pkgs+=(clang libclang-rt-14-dev)
}

install_missing() {
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${1:-}" = "fuzz" ]; then
  fuzz_pkgs
fi
# Only for `make package-check` (packaging/package-check.sh): its chroot.
if [ "${1:-}" = "package-check" ]; then
  pkgs+=(debootstrap)
fi
install_missing "${pkgs[@]}"
# promtool for the metrics test, out of Debian's prometheus package (the
# server is not installed).
"$(dirname "$0")/../tests/metrics/get-promtool.sh" >/dev/null || echo "install-deps: promtool not available; the metrics test will skip its promtool checks" >&2
