#!/usr/bin/env bash
# The Debian packages and the systemd unit: builds the .debs (hrwatch,
# libhrwatch1, libhrwatch-dev), checks each with lintian (no errors),
# installs them with dpkg into a fresh root, checks the files, verifies the
# unit with systemd-analyze and rates its exposure.
set -euo pipefail
build=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/hrwatch-pkg-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -B "$work/out" >/dev/null)
deb=$(ls "$work"/out/hrwatch_*.deb)
lib=$(ls "$work"/out/libhrwatch1_*.deb)
dev=$(ls "$work"/out/libhrwatch-dev_*.deb)
echo "built $(basename "$deb") $(basename "$lib") $(basename "$dev")"
grep -q ' \./usr/share/bash-completion/completions/hrwatch$' <<<"$(dpkg-deb -c "$deb")" \
  || fail "the .deb has no bash completion for hrwatch"

lintian --fail-on error --tag-display-limit 0 "$deb" "$lib" "$dev" || fail "lintian reports errors"
echo "lintian: no errors"

root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status"
# Chrootless: the maintainer scripts run here with DPKG_ROOT set, and act on
# the new root only.
dpkg --root="$root" --force-depends --force-script-chrootless -i "$deb" "$lib" "$dev" \
  >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i into a fresh root"; }
for p in hrwatch libhrwatch1 libhrwatch-dev; do
  dpkg --root="$root" -s $p | grep -q '^Status: install ok installed' \
    || fail "$p is not installed in the new root"
done
grep -q '^hrwatch:' "$root/etc/passwd" || fail "postinst made no hrwatch user in the new root"
[ -d "$root/var/lib/hrwatch" ] || fail "postinst made no state directory"
for f in usr/sbin/hrwatchd usr/bin/hrwatch usr/bin/hrwatch-gen \
         usr/lib/systemd/system/hrwatchd.service usr/lib/sysusers.d/hrwatch.conf \
         usr/lib/tmpfiles.d/hrwatch.conf etc/hrwatch/hrwatchd.conf \
         usr/share/man/man8/hrwatchd.8.gz usr/share/man/man1/hrwatch.1.gz \
         usr/share/man/man5/hrwatchd.conf.5.gz usr/share/doc/hrwatch/copyright \
         usr/share/hrwatch/proto/hrwatch/v1/events.proto \
         usr/share/bash-completion/completions/hrwatch; do
  [ -e "$root/$f" ] || fail "$f is not installed"
done
# libhrwatch1: the library by its SONAME, with a shlibs file; libhrwatch-dev:
# the link to build against, the header and the .pc, which finds them from
# where it lies.
so=$(dpkg --root="$root" -L libhrwatch1 | grep '/libhrwatch\.so\.1$')
[ -n "$so" ] && [ -e "$root$so" ] || fail "libhrwatch1 has no libhrwatch.so.1"
readelf -dW "$root$so" | grep -q 'SONAME.*\[libhrwatch\.so\.1\]' \
  || fail "$so has no SONAME libhrwatch.so.1"
[ -e "$root/var/lib/dpkg/info/libhrwatch1.shlibs" ] || fail "libhrwatch1 has no shlibs file"
for f in "$(dirname "$so")/libhrwatch.so" /usr/include/hrwatch.h \
         "$(dirname "$so")/pkgconfig/hrwatch.pc"; do
  dpkg --root="$root" -L libhrwatch-dev | grep -qx "$f" || fail "libhrwatch-dev has no $f"
  [ -e "$root$f" ] || fail "$f is not installed"
done
PKG_CONFIG_PATH="$root$(dirname "$so")/pkgconfig" pkg-config --libs hrwatch | grep -q -- '-lhrwatch' \
  || fail "hrwatch.pc does not give -lhrwatch"
# The documentation ships with it, every page of docs/.
for f in "$(dirname "$0")"/../docs/*.md README.md; do
  f="usr/share/doc/hrwatch/$(basename "$f")"
  [ -e "$root/$f" ] || fail "$f is not installed"
done
[ -x "$root/usr/sbin/hrwatchd" ] || fail "hrwatchd is not executable"
"$root/usr/sbin/hrwatchd" --version | grep -q '^hrwatchd ' || fail "installed hrwatchd does not run"
"$root/usr/sbin/hrwatchd" --check-config --config "$root/etc/hrwatch/hrwatchd.conf" >/dev/null 2>&1 \
  || fail "the installed config does not pass --check-config"
grep -q '/etc/hrwatch/hrwatchd.conf' "$root/var/lib/dpkg/info/hrwatch.conffiles" \
  || fail "the config is not a conffile"
echo "installed into a fresh root: files in place"

# The hardening the build asks for is in what was packaged.
# (Each readelf's output is read whole: grep -q would cut the pipe short.)
for b in usr/sbin/hrwatchd usr/bin/hrwatch usr/bin/hrwatch-gen; do
  elf="$root/$b"
  grep -q 'Type:.*DYN' <<<"$(readelf -h "$elf")" || fail "$b is not PIE"
  grep -q 'GNU_RELRO' <<<"$(readelf -lW "$elf")" || fail "$b has no RELRO"
  grep -q 'BIND_NOW\|FLAGS.*NOW' <<<"$(readelf -dW "$elf")" || fail "$b has only partial RELRO"
  grep -q '__stack_chk_fail' <<<"$(readelf -sW --dyn-syms "$elf")" \
    || fail "$b has no stack protector"
done
# FORTIFY_SOURCE needs the optimiser: a Debug (sanitizer) build has none.
if grep -q '^CMAKE_BUILD_TYPE:STRING=Debug$' "$build/CMakeCache.txt"; then
  echo "hardening: PIE, full RELRO, stack protector (Debug build: no FORTIFY_SOURCE)"
else
  grep -q '__[a-z]*_chk@' <<<"$(readelf -sW --dyn-syms "$root/usr/sbin/hrwatchd")" \
    || fail "hrwatchd calls no fortified functions"
  echo "hardening: PIE, full RELRO, stack protector, fortified calls"
fi

unit="$work/hrwatchd.service"
sed "s#/usr/sbin/hrwatchd#$root/usr/sbin/hrwatchd#" \
  "$root/usr/lib/systemd/system/hrwatchd.service" >"$unit"
MANPATH="$root/usr/share/man" systemd-analyze verify "$unit" || fail "systemd-analyze verify"
echo "systemd-analyze verify: ok"
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null \
        | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score is above 2.0"
echo "systemd-analyze security: exposure $score (at most 2.0)"
echo "1 passed, 0 failed"
