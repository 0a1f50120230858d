#!/usr/bin/env bash
# Checks the Debian package, the install layout, the systemd units and the man
# pages of an already built tree, in a temporary folder of its own (ctest may
# run other tests at the same time; nothing is written to the build folder):
#   - cpack builds relais_<version>_amd64.deb;
#   - dpkg-deb -c lists the programs, units, man pages, /etc/relais templates,
#     schemas, copyright and changelog, and no test or bench program;
#   - dpkg-deb -I shows the conffiles, the maintainer scripts and Depends;
#   - lintian reports no error (its warnings are printed);
#   - every man page renders without a warning (man and groff);
#   - DESTDIR=T cmake --install --prefix /usr, with the host's units copied into
#     T, passes systemd-analyze verify for both units.
# Usage: check_package.sh BUILD_DIR SOURCE_DIR VERSION (the Debian version, e.g. 0.1.0-1)
# Exit 0 passed, 1 failed, 77 skipped (a tool is absent: install it with
# cmake/install-deps.sh).
set -uo pipefail

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
version=$3

for tool in cpack dpkg-deb dpkg-shlibdeps lintian systemd-analyze man groff gzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed; run cmake/install-deps.sh (dpkg-dev, lintian, systemd, man-db)"
    exit 77
  fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/relais-package-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# --- the package -------------------------------------------------------------
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$T/pkg" >"$T/cpack.log" 2>&1; then
  cat "$T/cpack.log"
  echo "FAIL: cpack could not build the package (log above)"
  exit 1
fi
deb="$T/pkg/relais_${version}_amd64.deb"
if [ ! -f "$deb" ]; then
  ls -l "$T/pkg"
  echo "FAIL: cpack did not write relais_${version}_amd64.deb"
  exit 1
fi
pass "cpack wrote $(basename "$deb")"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$T/contents"
for f in /usr/bin/relais-broker /usr/bin/relais-agent /usr/bin/relais-admin /usr/bin/relais-audit \
         /usr/lib/systemd/system/relais-broker.service /usr/lib/systemd/system/relais-agent@.service \
         /usr/share/man/man8/relais-broker.8.gz /usr/share/man/man1/relais-agent.1.gz \
         /usr/share/man/man1/relais-admin.1.gz /usr/share/man/man1/relais-audit.1.gz \
         /usr/share/man/man5/relais-broker.toml.5.gz /usr/share/man/man5/relais-agent.toml.5.gz \
         /etc/relais/broker.toml /etc/relais/agent.toml /etc/relais/policy.toml /etc/relais/locations.csv \
         /usr/share/doc/relais/copyright /usr/share/doc/relais/changelog.Debian.gz \
         /usr/share/doc/relais/README.md /usr/share/doc/relais/operations.md \
         /usr/share/relais/schemas/referral.v1.schema.json /var/lib/relais/; do
  grep -qxF "$f" "$T/contents" || fail "dpkg-deb -c does not list $f"
done
if grep -E '/(test_[^/]*|relais-bench[^/]*|[^/]*_test)$' "$T/contents"; then
  fail "the package holds test or bench programs (listed above)"
fi
[ "$failures" -eq 0 ] && pass "dpkg-deb -c lists the programs, units, man pages, templates and docs"

info=$(dpkg-deb -I "$deb")
for member in conffiles postinst prerm postrm md5sums; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$member( |$)" <<<"$info" || fail "dpkg-deb -I shows no $member"
done
conffiles=$(dpkg-deb -I "$deb" conffiles | sort)
expected=$(printf '%s\n' /etc/relais/agent.toml /etc/relais/broker.toml /etc/relais/locations.csv /etc/relais/policy.toml)
[ "$conffiles" = "$expected" ] || fail "conffiles are [$conffiles], expected [$expected]"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser libc6 libsodium libzmq5 'libstdc\+\+6'; do
  grep -qE "(^|, )$dep" <<<"$depends" || fail "Depends ($depends) does not name $dep"
done
[ "$(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ')" = "Package: relais Version: $version Architecture: amd64 " ] ||
  fail "control fields: $(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ')"
pass "dpkg-deb -I: conffiles, maintainer scripts, Depends: $depends"

# The files as installed: broker.toml keeps its data in the state folder, the
# changelog's newest entry is this version.
mkdir -p "$T/x"
dpkg-deb -x "$deb" "$T/x"
grep -qx 'data_dir = "/var/lib/relais"' "$T/x/etc/relais/broker.toml" ||
  fail "the installed broker.toml does not set data_dir = \"/var/lib/relais\""
top=$(gzip -dc "$T/x/usr/share/doc/relais/changelog.Debian.gz" | head -1)
[[ "$top" == "relais ($version) "* ]] ||
  fail "changelog.Debian's newest entry is '$top', not version $version: add an entry to packaging/debian/changelog"
for u in relais-broker.service relais-agent@.service; do
  cmp -s "$src/packaging/systemd/$u" "$T/x/usr/lib/systemd/system/$u" ||
    fail "the packaged $u differs from packaging/systemd/$u"
done

# --- lintian -------------------------------------------------------------------
lintian --tag-display-limit 0 --display-level '>=warning' "$deb" >"$T/lintian.log" 2>&1
if grep -q '^E: ' "$T/lintian.log"; then
  cat "$T/lintian.log"
  fail "lintian reports errors (above)"
else
  nwarn=$(grep -c '^W: ' "$T/lintian.log")
  echo "lintian: no error, $nwarn warning(s):"
  grep '^W: ' "$T/lintian.log" | sed 's/^/  /'
fi

# --- man pages -----------------------------------------------------------------
for page in "$src"/docs/man/*.[158]; do
  out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
  [ -z "$out" ] || fail "man warns about $(basename "$page"): $out"
  out=$(groff -man -ww -z "$page" 2>&1)
  [ -z "$out" ] || fail "groff warns about $(basename "$page"): $out"
  out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>/dev/null | grep -c .)
  [ "$out" -gt 10 ] || fail "$(basename "$page") renders to almost nothing ($out lines)"
done
[ "$failures" -eq 0 ] && pass "man pages render without warnings"

# --- systemd units -------------------------------------------------------------
root="$T/root"
if ! DESTDIR="$root" cmake --install "$build" --prefix /usr >"$T/install.log" 2>&1; then
  cat "$T/install.log"
  fail "DESTDIR=$root cmake --install failed"
else
  mkdir -p "$root/usr/lib/systemd"
  # The host's units (targets the ours name), beside ours; ours win.
  cp -an /usr/lib/systemd/system "$root/usr/lib/systemd/"
  out=$(systemd-analyze verify --man=no --root="$root" relais-broker.service relais-agent@test.service 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    echo "$out"
    fail "systemd-analyze verify is not clean (exit $rc, output above)"
  else
    pass "systemd-analyze verify: relais-broker.service relais-agent@test.service clean"
  fi
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all package checks passed"
