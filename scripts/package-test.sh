#!/usr/bin/env bash
# Builds deadlined's .deb from a build directory with cpack, installs it with apt-get (so its
# dependencies resolve), checks the installed package, then removes and purges it.
#
# usage: scripts/package-test.sh BUILD_DIR
#   BUILD_DIR configured with -DCMAKE_INSTALL_PREFIX=/usr (the prefix the package installs to:
#   the binaries find the calendars there); deadlined and deadlinectl are built if needed.
#   The package is left in BUILD_DIR/package/.
#
# For .ci/run on a Debian 12 machine: it changes the system while it runs (installs, purges the
# package) and then removes what a purge keeps by design, if it was not there before: the user
# deadlined, /etc/credstore, the empty /var/lib/deadlined. Needs root or sudo, dpkg-dev
# (dpkg-shlibdeps); no network when the dependencies are installed already.
set -euo pipefail

build=$(cd "${1:?usage: package-test.sh BUILD_DIR}" && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] ||
  fail "$build is configured with CMAKE_INSTALL_PREFIX=$prefix; configure it with -DCMAKE_INSTALL_PREFIX=/usr"
if dpkg-query -W -f='${Status}' deadlined 2>/dev/null | grep -q installed; then
  fail "deadlined is installed on this machine already; this test would remove it"
fi

step "build and cpack"
cmake --build "$build" --target deadlined deadlinectl
rm -rf "$build/package"
mkdir -p "$build/package"
cpack --config "$build/CPackConfig.cmake" -B "$build/package"
deb=$(ls "$build"/package/deadlined_*.deb)
ls -l "$deb"
dpkg-deb --info "$deb"
contents=$(dpkg-deb --contents "$deb")
awk '{print $1, $6}' <<<"$contents"
grep -q ' ./usr/lib/systemd/system/deadlined.service$' <<<"$contents" || fail "no unit in the package"
grep -q ' ./etc/deadlined/deadlined.toml.example$' <<<"$contents" || fail "no example configuration"

user_before=$(getent passwd deadlined || true)
credstore_before=no
if [ -d /etc/credstore ]; then credstore_before=yes; fi
step "apt-get install ./$(basename "$deb")"
(cd "$build/package" && $sudo apt-get install -y --no-install-recommends "./$(basename "$deb")")

step "checks of the installed package"
dpkg-query -W -f='${Package} ${Version} ${Status}\n' deadlined
user=$(getent passwd deadlined) || fail "no user deadlined after install"
if [ -n "$user_before" ]; then echo "user (existed before): $user"; else echo "user (made by the postinst): $user"; fi
case "$user" in *:/var/lib/deadlined:*nologin) ;; *) fail "user deadlined: unexpected entry $user" ;; esac
getent group deadlined >/dev/null || fail "no group deadlined"
[ "$(stat -c '%U:%G %a' /var/lib/deadlined)" = "deadlined:deadlined 750" ] ||
  fail "/var/lib/deadlined is $(stat -c '%U:%G %a' /var/lib/deadlined)"
[ -f /etc/deadlined/deadlined.toml ] || fail "the postinst did not install /etc/deadlined/deadlined.toml"
[ "$($sudo stat -c '%a' /etc/credstore/deadlined.admin-token)" = 600 ] || fail "admin token missing or not 0600"
[ "$($sudo head -n 1 /etc/credstore/deadlined.admin-token | tr -d '\n' | wc -c)" = 43 ] || fail "admin token is not 43 characters"
/usr/sbin/deadlined --config /etc/deadlined/deadlined.toml --check-config
$sudo runuser -u deadlined -- /usr/sbin/deadlined --config /etc/deadlined/deadlined.toml --check-config ||
  fail "--check-config as the user deadlined"
/usr/bin/deadlinectl check /usr/share/deadlined/calendars
/usr/bin/deadlinectl check   # the compiled-in default: the installed calendars
systemd-analyze verify /usr/lib/systemd/system/deadlined.service || fail "systemd-analyze verify of the installed unit"
systemd-analyze security --offline=true --threshold=15 deadlined.service | tail -1

step "apt-get remove deadlined"
$sudo apt-get remove -y deadlined
[ ! -e /usr/sbin/deadlined ] || fail "/usr/sbin/deadlined still there after remove"
[ -f /etc/deadlined/deadlined.toml ] || fail "remove (not purge) must keep /etc/deadlined/deadlined.toml"
step "dpkg --purge deadlined"
$sudo dpkg --purge deadlined
[ ! -e /etc/deadlined ] || fail "/etc/deadlined still there after purge"
[ ! -e /etc/credstore/deadlined.admin-token ] || fail "the admin token is still there after purge"
# Leave the machine as it was found: what the postinst made and a purge keeps by design.
$sudo rmdir /var/lib/deadlined 2>/dev/null || true   # empty: no daemon ran
if [ "$credstore_before" = no ]; then $sudo rmdir /etc/credstore 2>/dev/null || true; fi
if [ -z "$user_before" ]; then
  $sudo userdel deadlined
  if getent group deadlined >/dev/null; then $sudo groupdel deadlined; fi
fi
echo "package-test: OK ($(basename "$deb"), $(stat -c '%s' "$deb") bytes)"
