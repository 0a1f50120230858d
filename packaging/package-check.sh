#!/usr/bin/env bash
# make package-check: installs, upgrades (the same .deb again, over an edited
# conffile and some state) and purges the package inside a throwaway Debian 12
# chroot made by debootstrap (minbase), never on the host. The chroot takes the
# host's apt sources, so that apt resolves the package's Depends as it would on
# a server; it needs the Debian mirror and root. The minbase tree is kept as a
# tarball in $RELAIS_CHROOT_CACHE (default /var/cache/relais-package-check) so
# that later runs skip debootstrap; delete it to start afresh.
# Usage: packaging/package-check.sh [BUILD_DIR]   (after `make package`)
# Exit 0 passed, 1 a check failed, 2 cannot run here (not root, no debootstrap,
# no mirror).
set -euo pipefail

build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
# The newest package `make package` wrote.
deb=$(ls "$build"/relais_*_amd64.deb 2>/dev/null | sort -V | tail -1)
suite=bookworm
cache=${RELAIS_CHROOT_CACHE:-/var/cache/relais-package-check}

[ -n "$deb" ] || { echo "package-check: no $build/relais_*_amd64.deb: run make package first" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "package-check: needs root (chroot, mount)" >&2; exit 2; }
if ! command -v debootstrap >/dev/null; then
  bash "$src/cmake/install-deps.sh" package-check || true
fi
command -v debootstrap >/dev/null ||
  { echo "package-check: debootstrap is missing: apt-get install debootstrap" >&2; exit 2; }

# The mirror the host uses (deb822 sources first, then sources.list).
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "package-check: no Debian mirror in the host's apt sources" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/relais-package-check.XXXXXX")
R="$W/root"
cleanup() {
  for m in proc dev/pts dev; do
    mountpoint -q "$R/$m" 2>/dev/null && umount -l "$R/$m"
  done
  rm -rf --one-file-system "$W"
}
trap cleanup EXIT

# --- the throwaway chroot ------------------------------------------------------
mkdir -p "$R"
tarball="$cache/$suite-minbase.tar"
if [ -f "$tarball" ]; then
  echo "package-check: chroot from $tarball"
  tar -C "$R" -xf "$tarball"
else
  echo "package-check: debootstrap --variant=minbase $suite (once; cached in $cache)"
  if ! debootstrap --variant=minbase "$suite" "$R" "$mirror" >"$W/debootstrap.log" 2>&1; then
    tail -20 "$W/debootstrap.log"
    echo "package-check: debootstrap failed (log above): is the Debian mirror reachable?" >&2
    exit 2
  fi
  mkdir -p "$cache"
  tar -C "$R" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
fi
# The host's apt sources, so apt resolves Depends from the same archive.
rm -f "$R/etc/apt/sources.list"
mkdir -p "$R/etc/apt/sources.list.d"
cp /etc/apt/sources.list.d/*.sources "$R/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$R/etc/apt/sources.list"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
# No service is started from inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 0755 "$R/usr/sbin/policy-rc.d"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
cp "$deb" "$R/tmp/"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
check_state_dir() {
  local got
  got=$(in_root stat -c '%U:%G %a' /var/lib/relais 2>&1 || true)
  [ "$got" = "relais:relais 750" ] || fail "$1: /var/lib/relais is '$got', expected relais:relais 750"
}

# --- install -------------------------------------------------------------------
in_root apt-get update -qq >"$W/apt.log" 2>&1 || { cat "$W/apt.log"; fail "apt-get update in the chroot"; exit 1; }
if ! in_root apt-get install -y -qq "/tmp/$(basename "$deb")" </dev/null >"$W/install.log" 2>&1; then
  cat "$W/install.log"
  fail "apt-get install ./$(basename "$deb")"
  exit 1
fi
pass "apt-get install ./$(basename "$deb") (Depends resolved by apt)"
[ "$(in_root dpkg-query -W -f '${Status}' relais)" = "install ok installed" ] || fail "dpkg does not list relais as installed"
for p in relais-broker relais-agent relais-admin relais-audit; do
  in_root "$p" --version >/dev/null 2>&1 || fail "$p --version does not run in the chroot (a missing library?)"
done
user=$(in_root getent passwd relais || true)
case "$user" in
  relais:x:*:*:*:/var/lib/relais:/usr/sbin/nologin) ;;
  *) fail "the relais user is '$user'" ;;
esac
uid=$(cut -d: -f3 <<<"$user")
[ -n "$uid" ] && [ "$uid" -lt 1000 ] || fail "relais is not a system user (uid $uid)"
in_root getent group relais >/dev/null || fail "no relais group"
check_state_dir "after install"
grep -qx 'data_dir = "/var/lib/relais"' "$R/etc/relais/broker.toml" || fail "broker.toml's data_dir is not /var/lib/relais"
in_root relais-broker --config /etc/relais/broker.toml --check-config >"$W/check.log" 2>&1 &&
  fail "--check-config accepts the template without an authority key"
[ "$failures" -eq 0 ] && pass "installed: programs run, relais system user, /var/lib/relais relais:relais 0750"

# --- the first configuration, as docs/operations.md gives it ---------------------
# A sample deployment stands for the commission's folder DIR.
in_root relais-admin init --dir /root/DIR >"$W/init.log" 2>&1 || { cat "$W/init.log"; fail "relais-admin init"; }
in_root install -d -o root -g relais -m 0750 /etc/relais/keys
in_root install -o relais -g relais -m 0600 /root/DIR/keys/broker.key /etc/relais/keys/broker.key
in_root install -m 0644 /root/DIR/trust.bundle /etc/relais/trust.bundle
pin=$(sed -n 's/^sign_pk = "\([^"]*\)".*/\1/p' "$R/root/DIR/keys/authority.pub")
sed -i "s|^authority_key = \"\"|authority_key = \"$pin\"|" "$R/etc/relais/broker.toml"
if in_root runuser -u relais -- relais-broker --config /etc/relais/broker.toml --check-config >"$W/check.log" 2>&1; then
  pass "the relais user reads the configuration, key and bundle (--check-config)"
else
  cat "$W/check.log"
  fail "runuser -u relais -- relais-broker --config /etc/relais/broker.toml --check-config"
fi

# --- upgrade over an edited conffile and some state ----------------------------
echo '# edited by the administrator' >>"$R/etc/relais/broker.toml"
in_root install -o relais -g relais -m 0600 /dev/null /var/lib/relais/state-kept
if ! in_root apt-get install --reinstall -y -qq "/tmp/$(basename "$deb")" </dev/null >"$W/upgrade.log" 2>&1; then
  cat "$W/upgrade.log"
  fail "apt-get install --reinstall over the installed package"
fi
grep -qx '# edited by the administrator' "$R/etc/relais/broker.toml" || fail "the upgrade overwrote the edited /etc/relais/broker.toml"
grep -q "^authority_key = \"$pin\"" "$R/etc/relais/broker.toml" || fail "the upgrade lost the pinned authority key"
[ -f "$R/var/lib/relais/state-kept" ] || fail "the upgrade lost /var/lib/relais/state-kept"
check_state_dir "after upgrade"
[ "$failures" -eq 0 ] && pass "upgrade: the edited conffile and the state are kept"

# --- remove, then purge ------------------------------------------------------------
in_root apt-get remove -y -qq relais </dev/null >"$W/remove.log" 2>&1 || { cat "$W/remove.log"; fail "apt-get remove relais"; }
[ ! -e "$R/usr/bin/relais-broker" ] || fail "apt-get remove left /usr/bin/relais-broker"
[ -f "$R/etc/relais/broker.toml" ] || fail "apt-get remove removed the conffile /etc/relais/broker.toml"
[ -f "$R/var/lib/relais/state-kept" ] || fail "apt-get remove removed the state (only purge may)"
in_root apt-get purge -y -qq relais </dev/null >"$W/purge.log" 2>&1 || { cat "$W/purge.log"; fail "apt-get purge relais"; }
[ ! -e "$R/etc/relais/broker.toml" ] || fail "purge left /etc/relais/broker.toml"
[ ! -e "$R/var/lib/relais" ] || fail "purge left /var/lib/relais"
in_root getent passwd relais >/dev/null || fail "purge removed the relais user (it should stay)"
[ -f "$R/etc/relais/keys/broker.key" ] || fail "purge removed the broker key the administrator added"
[ -z "$(in_root dpkg-query -W -f '${Status}' relais 2>/dev/null | grep -v 'not-installed')" ] ||
  fail "dpkg still lists relais after purge"
[ "$failures" -eq 0 ] && pass "remove keeps conffiles and state; purge removes them, keeps the relais user"

if [ "$failures" -ne 0 ]; then
  echo "package-check: $failures check(s) failed"
  exit 1
fi
echo "package-check: install, upgrade and purge passed in a throwaway $suite chroot"
