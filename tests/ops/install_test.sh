#!/usr/bin/env bash
# ops.install: the unit's hardening score, `cmake --install` into a temporary root (nothing is
# written outside it), the installed tree checked offline with systemd's own tools, and the
# installed daemon started by hand the way deadlined.service starts it.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR
# Needs systemd-analyze, systemd-sysusers, systemd-tmpfiles (package systemd) and curl; no
# systemd as PID 1. About 5 s.
set -euo pipefail

build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/deadlined-install.XXXXXX)
daemon_pid=""
notify_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill -KILL "$daemon_pid" 2>/dev/null || true; fi
  if [ -n "$notify_pid" ]; then kill "$notify_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# --- 1. The unit's exposure: 1.5 ("OK") at most ------------------------------------------------
step "systemd-analyze security (threshold 1.5)"
security=$(systemd-analyze security --offline=true --threshold=15 "$source_dir/systemd/deadlined.service" 2>&1) ||
  { echo "$security"; fail "systemd-analyze security: exposure above 1.5"; }
grep "Overall exposure level" <<<"$security"

# --- 2. cmake --install into $tmp/usr ------------------------------------------------------------
step "cmake --install $build --prefix $tmp/usr"
"${CMAKE:-cmake}" --install "$build" --prefix "$tmp/usr" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
# Every file went under $tmp (the example configuration included: $tmp/usr -> $tmp/etc).
while read -r installed; do
  case "$installed" in
    "$tmp"/*) ;;
    *) fail "installed outside the temporary root: $installed" ;;
  esac
done < <(sed -n 's/^-- \(Installing\|Up-to-date\): //p' "$tmp/install.log")

expect_file() { [ -f "$tmp/$1" ] || fail "missing after install: /$1"; }
expect_file usr/sbin/deadlined
expect_file usr/bin/deadlinectl
[ -x "$tmp/usr/sbin/deadlined" ] && [ -x "$tmp/usr/bin/deadlinectl" ] || fail "binaries not executable"
expect_file usr/lib/systemd/system/deadlined.service
expect_file usr/lib/sysusers.d/deadlined.conf
expect_file usr/lib/tmpfiles.d/deadlined.conf
expect_file etc/deadlined/deadlined.toml.example
[ ! -e "$tmp/etc/deadlined/deadlined.toml" ] || fail "deadlined.toml must not be installed (only the example)"
for doc in README.md operations.md configuration.md http-api.md; do expect_file "usr/share/doc/deadlined/$doc"; done
expect_file usr/share/doc/deadlined/balancer/haproxy.cfg
ls "$tmp"/usr/share/deadlined/calendars/*.toml >/dev/null 2>&1 || fail "no calendars in /usr/share/deadlined/calendars"
cmp -s "$source_dir/systemd/deadlined.service" "$tmp/usr/lib/systemd/system/deadlined.service" || fail "unit differs"
# The compiled-in calendar directory is where the install put them, for the prefix configured.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
grep -aq "$prefix/share/deadlined/calendars" "$tmp/usr/sbin/deadlined" ||
  fail "deadlined does not look for calendars in $prefix/share/deadlined/calendars"
echo "installed: $(cd "$tmp" && find . -type f | wc -l) files"

# --- 3. Offline checks of the installed tree ------------------------------------------------------
step "systemd-sysusers / systemd-tmpfiles --root=$tmp"
systemd-sysusers --root="$tmp" deadlined.conf
grep -q '^deadlined:x:[0-9]*:[0-9]*:deadline reminders:/var/lib/deadlined:' "$tmp/etc/passwd" ||
  fail "sysusers.d did not make the user: $(cat "$tmp/etc/passwd" 2>/dev/null)"
systemd-tmpfiles --root="$tmp" --create deadlined.conf
[ "$(stat -c '%a' "$tmp/var/lib/deadlined")" = 750 ] || fail "tmpfiles.d: /var/lib/deadlined is not 0750"

# `verify` loads the unit as PID 1 would (syntax, specifiers, the start transaction with its
# dependencies) and, with --root, checks that ExecStart=/ExecReload= exist in the tree; it needs
# no running systemd. The targets the unit orders itself after come from the host's units,
# copied into $tmp/lib/systemd/system (not where ours was installed: that is /usr/lib).
step "systemd-analyze verify --root=$tmp"
mkdir -p "$tmp/lib/systemd"
cp -a /usr/lib/systemd/system "$tmp/lib/systemd/"
verify_out=$(systemd-analyze verify --root="$tmp" --man=no deadlined.service 2>&1) ||
  { echo "$verify_out"; fail "systemd-analyze verify"; }
if [ -n "$verify_out" ]; then echo "$verify_out"; fail "systemd-analyze verify printed warnings"; fi
echo "verify: no findings"

unit="$tmp/usr/lib/systemd/system/deadlined.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
exec_reload=$(sed -n 's/^ExecReload=+\{0,1\}//p' "$unit")
[ "$exec_start" = "/usr/sbin/deadlined --config /etc/deadlined/deadlined.toml" ] || fail "ExecStart= is '$exec_start'"

# --- 4. The installed daemon, started the way the unit starts it ----------------------------------
# The unit's environment: $STATE_DIRECTORY and $CREDENTIALS_DIRECTORY, here inside $tmp; the
# configuration is the example as the postinst installs it, with the two absolute paths it names
# (/run/credentials/deadlined.service, /usr/share/deadlined) mapped into $tmp.
state="$tmp/var/lib/deadlined"
credentials="$tmp/run/credentials/deadlined.service"
mkdir -p "$credentials"
(umask 077; head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$credentials/admin-token")
chmod 0400 "$credentials/admin-token"
sed -e "s|/run/credentials/deadlined.service|$credentials|g" -e "s|/usr/share/deadlined|$tmp/usr/share/deadlined|g" \
  "$tmp/etc/deadlined/deadlined.toml.example" >"$tmp/etc/deadlined/deadlined.toml"
read -r -a start_args <<<"${exec_start//\/etc\/deadlined/$tmp/etc/deadlined}"
start_args[0]="$tmp${start_args[0]}"
run_env=(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 STATE_DIRECTORY="$state" CREDENTIALS_DIRECTORY="$credentials")

step "deadlined --check-config"
"${run_env[@]}" "${start_args[@]}" --check-config || fail "--check-config of the example configuration"

admin_flags=()
if "$tmp/usr/sbin/deadlined" --help 2>&1 | grep -q -- '--admin-listen'; then admin_flags=(--admin-listen 127.0.0.1:0); fi
notify_socket=""
# Checked once the daemon speaks the protocol (its own code, or libsystemd's sd_notify).
if grep -aq NOTIFY_SOCKET "$tmp/usr/sbin/deadlined" || ldd "$tmp/usr/sbin/deadlined" | grep -q libsystemd; then
  notify_socket="$tmp/notify.sock"
fi

step "deadlined ${start_args[*]:1} --listen 127.0.0.1:0 ${admin_flags[*]}"
if [ -n "$notify_socket" ]; then
  # Type=notify: systemd waits for READY=1 on $NOTIFY_SOCKET. Collect what the daemon sends.
  /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(15)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            data = s.recv(4096)
        except socket.timeout:
            break
        out.write(data.decode() + "\n")
        out.flush()
' "$notify_socket" "$tmp/notify.log" &
  notify_pid=$!
  for _ in $(seq 50); do [ -S "$notify_socket" ] && break; sleep 0.1; done
  run_env+=(NOTIFY_SOCKET="$notify_socket")
fi
(cd "$tmp" && exec "${run_env[@]}" "${start_args[@]}" --listen 127.0.0.1:0 "${admin_flags[@]}" 2>"$tmp/daemon.log") &
daemon_pid=$!

port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/daemon.log" | tail -1)
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$tmp/daemon.log"; fail "deadlined exited at start"; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/daemon.log"; fail "deadlined did not start serving within 10 s"; }

health=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/healthz") || { cat "$tmp/daemon.log"; fail "/healthz"; }
echo "/healthz: $health"
[ -f "$state/deadlined.sqlite" ] || fail "the database is not in \$STATE_DIRECTORY"
[ "$(stat -c '%a' "$state/token-keys")" = 600 ] || fail "token-keys is not 0600 in \$STATE_DIRECTORY"

if [ -n "$notify_socket" ]; then
  for _ in $(seq 50); do grep -q '^READY=1' "$tmp/notify.log" 2>/dev/null && break; sleep 0.1; done
  grep -q '^READY=1' "$tmp/notify.log" || fail "no READY=1 on \$NOTIFY_SOCKET (Type=notify would time out)"
  echo "sd_notify: READY=1"
else
  echo "sd_notify: not checked (this deadlined does not read NOTIFY_SOCKET)"
fi

if [ ${#admin_flags[@]} -gt 0 ]; then
  # ExecReload=, with %d the credentials directory and the admin port the system picked.
  admin_port=$(sed -n 's|.*admin API on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/daemon.log" | tail -1)
  [ -n "$admin_port" ] || { cat "$tmp/daemon.log"; fail "no admin API line in the log"; }
  reload="${exec_reload//%d/$credentials}"
  reload="${reload//127.0.0.1:8081/127.0.0.1:$admin_port}"
  read -r -a reload_args <<<"$reload"
  reload_args[0]="$tmp${reload_args[0]}"
  step "ExecReload: ${reload_args[*]#$tmp}"
  "${run_env[@]}" "${reload_args[@]}" || { cat "$tmp/daemon.log"; fail "ExecReload= command"; }
else
  echo "ExecReload: not checked (this deadlined has no --admin-listen)"
fi

step "SIGTERM"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
[ "$status" = 0 ] || { cat "$tmp/daemon.log"; fail "deadlined exited with $status after SIGTERM"; }
grep -q "stopped" "$tmp/daemon.log" || fail "no 'stopped' line in the log"
echo "ops.install: OK"
