#!/usr/bin/env bash
# ops.backup: deadlinectl backup beside a running deadlined, restore after stopping it, the
# tables compared with sqlite3 .dump; restore refused while the daemon runs, and refused for a
# damaged, empty or newer backup (the database untouched).
#
# usage: backup_test.sh BUILD_DIR CALENDAR_DIR        (needs sqlite3 and curl; about 5 s)
set -euo pipefail

build=$(cd "$1" && pwd)
calendars=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/deadlined-backup.XXXXXX)
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill -KILL "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

db="$tmp/state/deadlined.sqlite"
ctl=("$build/daemon/deadlinectl" --db "$db" --calendars "$calendars")
deadlined="$build/daemon/deadlined"
admin_flags=()
if "$deadlined" --help 2>&1 | grep -q -- '--admin-listen'; then admin_flags=(--admin-listen 127.0.0.1:0); fi

start_daemon() {
  : >"$tmp/daemon.log"
  # In $tmp: whatever the daemon keeps relative to its working directory stays in there.
  (cd "$tmp" && exec env -u STATE_DIRECTORY "$deadlined" --db "$db" --calendars "$calendars" --listen 127.0.0.1:0 \
    "${admin_flags[@]}" 2>"$tmp/daemon.log") &
  daemon_pid=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/daemon.log" | tail -1)
    [ -n "$port" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$tmp/daemon.log"; fail "deadlined exited at start"; }
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$tmp/daemon.log"; fail "deadlined did not serve within 10 s"; }
  curl -fsS --max-time 5 "http://127.0.0.1:$port/healthz" >/dev/null || fail "/healthz"
}

stop_daemon() {
  kill -TERM "$daemon_pid"
  local status=0
  wait "$daemon_pid" || status=$?
  daemon_pid=""
  [ "$status" = 0 ] || { cat "$tmp/daemon.log"; fail "deadlined exited with $status after SIGTERM"; }
}

dump() { sqlite3 "$1" .dump; }
# Expects exit status $1 from the rest of the command line; keeps its output in $tmp/out.
expect_status() {
  local want=$1 got=0
  shift
  "$@" >"$tmp/out" 2>&1 || got=$?
  cat "$tmp/out"
  [ "$got" = "$want" ] || fail "exit $got (wanted $want): $*"
}

step "a fresh database with subscribers and endpoints"
"${ctl[@]}" subscribers add ada@example.org >/dev/null
"${ctl[@]}" subscribers add bo@example.org --pending >/dev/null
"${ctl[@]}" endpoints add --subscriber 1 --kind email --address ada@example.org --lead 7d --lead 1d >/dev/null
"${ctl[@]}" endpoints add --subscriber 1 --kind webhook --address https://hooks.example.org/deadlines \
  --group 工业和信息化部门 >/dev/null
"${ctl[@]}" endpoints add --subscriber 2 --kind email --address bo@example.org --keyword 专精特新 >/dev/null

step "backup while deadlined runs"
start_daemon
expect_status 0 "${ctl[@]}" backup "$tmp/one.backup"
grep -qx "integrity_check: ok" "$tmp/out" || fail "no 'integrity_check: ok'"
[ "$(stat -c '%a' "$tmp/one.backup")" = 600 ] || fail "the backup is not mode 0600"
[ ! -e "$tmp/one.backup.tmp" ] || fail "FILE.tmp left behind"
[ ! -e "$tmp/one.backup-wal" ] || fail "the backup is not one self-contained file"
[ "$(sqlite3 "$tmp/one.backup" 'PRAGMA journal_mode')" = delete ] || fail "the backup is still in WAL mode"
expect_status 1 "${ctl[@]}" backup "$tmp/one.backup"
grep -q -- "--force" "$tmp/out" || fail "refusing to overwrite should mention --force"
expect_status 0 "${ctl[@]}" backup --force "$tmp/one.backup"

step "restore refused while deadlined runs"
expect_status 1 "${ctl[@]}" restore "$tmp/one.backup"
grep -q "deadlined is running" "$tmp/out" || fail "restore beside the daemon: wrong message"
stop_daemon

step "the backup holds what was put in"
for table in subscribers endpoints endpoint_filters endpoint_leads; do
  if sqlite3 "$db" "SELECT 1 FROM sqlite_master WHERE name = '$table'" | grep -q 1; then
    [ "$(sqlite3 "$db" "SELECT * FROM $table ORDER BY 1")" = "$(sqlite3 "$tmp/one.backup" "SELECT * FROM $table ORDER BY 1")" ] ||
      fail "table $table differs between the database and the backup"
  fi
done
[ "$(sqlite3 "$tmp/one.backup" 'SELECT count(*) FROM endpoints')" = 3 ] || fail "the backup lacks endpoints"

step "restore after stopping it"
dump "$db" >"$tmp/before.sql"
expect_status 0 "${ctl[@]}" restore "$tmp/one.backup"
dump "$db" >"$tmp/restored.sql"
dump "$tmp/one.backup" >"$tmp/backup.sql"
diff -u "$tmp/backup.sql" "$tmp/restored.sql" || fail "the restored database differs from the backup"
[ -f "$db.before-restore" ] || fail "no $db.before-restore"
diff -u "$tmp/before.sql" <(dump "$db.before-restore") || fail "DATABASE.before-restore differs from the old database"
for sidecar in -wal -shm -journal; do [ ! -e "$db$sidecar" ] || fail "stale $db$sidecar after restore"; done
echo "sqlite3 .dump: backup and restored database identical ($(wc -l <"$tmp/restored.sql") lines)"

step "deadlined starts on the restored database"
start_daemon
stop_daemon
[ "$(sqlite3 "$db" 'SELECT count(*) FROM subscribers')" = 2 ] || fail "subscribers lost after restart"

step "restore over the -wal a killed daemon left"
start_daemon
# A change beside the daemon (another connection, as deadlinectl's would be): it goes to the
# -wal and stays there, since the daemon's connection keeps the log open, and outlives kill -9.
sqlite3 "$db" "UPDATE endpoints SET state_reason = 'written to the -wal' WHERE id = 3"
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
[ -s "$db-wal" ] || fail "no -wal after a change and kill -9"
echo "$db-wal: $(stat -c '%s' "$db-wal") bytes"
sqlite3 -readonly "$db" .dump >"$tmp/killed.sql"   # read-only: leaves the -wal as it is
grep -q "written to the -wal" "$tmp/killed.sql" || fail "the change is not in the database"
expect_status 0 "${ctl[@]}" restore "$tmp/one.backup"
diff -u "$tmp/killed.sql" <(dump "$db.before-restore") || fail "DATABASE.before-restore lost what was in the -wal"
diff -u "$tmp/backup.sql" <(dump "$db") || fail "the restored database differs from the backup"

step "a damaged backup is refused"
dump "$db" >"$tmp/current.sql"
cp "$tmp/one.backup" "$tmp/damaged.backup"
truncate -s $(( $(stat -c '%s' "$tmp/one.backup") / 2 )) "$tmp/damaged.backup"
expect_status 1 "${ctl[@]}" restore "$tmp/damaged.backup"
grep -q "nothing was restored" "$tmp/out" || fail "damaged backup: wrong message"
: >"$tmp/empty.backup"
expect_status 1 "${ctl[@]}" restore "$tmp/empty.backup"
grep -q "not a deadlined database" "$tmp/out" || fail "empty backup: wrong message"
cp "$tmp/one.backup" "$tmp/newer.backup"
sqlite3 "$tmp/newer.backup" 'PRAGMA user_version = 9999'
expect_status 1 "${ctl[@]}" restore "$tmp/newer.backup"
grep -q "newer than this deadlinectl knows" "$tmp/out" || fail "newer backup: wrong message"
diff -u "$tmp/current.sql" <(dump "$db") || fail "a refused restore changed the database"
expect_status 1 "${ctl[@]}" restore "$tmp/missing.backup"

echo "ops.backup: OK"
