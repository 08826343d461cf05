#!/usr/bin/env bash
# deadlinectl migrate as an operator runs it: SQLite -> PostgreSQL -> SQLite with the real
# binary, on the pg fixture's server (tests/pg/pg_server.py), and its refusals.
# Usage: migrate_cli_test.sh DEADLINECTL   (DEADLINED_PG_DIR set by CTest)
set -euo pipefail
ctl=$1
server=$(cat "$DEADLINED_PG_DIR/uri")
database="migrate_cli_$$"
work=$(mktemp -d)
psql() { command psql "$server" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
trap 'psql "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pg_uri="postgresql:///$database?${server#*\?}"

"$ctl" --db "$work/source.sqlite" subscribers add a@example.cn >/dev/null
"$ctl" --db "$work/source.sqlite" subscribers add b@example.cn >/dev/null
"$ctl" --db "$work/source.sqlite" endpoints add --subscriber 2 --kind webhook --address https://hooks.example.cn/x >/dev/null
psql "CREATE DATABASE $database"

set +e; "$ctl" migrate --from "$work/source.sqlite" --to "$pg_uri" >"$work/out" 2>"$work/err"; status=$?; set -e
[ "$status" -eq 0 ] || { fail "SQLite -> PostgreSQL: exit $status"; cat "$work/err"; }
cat "$work/out"
grep -qE '^  subscribers +2$' "$work/out" || fail "SQLite -> PostgreSQL: no '  subscribers 2' line"
grep -qE '^  endpoints +1$' "$work/out" || fail "SQLite -> PostgreSQL: no '  endpoints 1' line"
there=$(grep '^checksum sha256:' "$work/out" | cut -d' ' -f2)
[ "$(command psql "$pg_uri" -qAt -c "SELECT string_agg(email, ',' ORDER BY id) FROM subscribers")" = "a@example.cn,b@example.cn" ] ||
  fail "the subscribers did not arrive in PostgreSQL"

set +e; "$ctl" migrate --from "$pg_uri" --to "$work/back.sqlite" >"$work/out" 2>"$work/err"; status=$?; set -e
[ "$status" -eq 0 ] || { fail "PostgreSQL -> SQLite: exit $status"; cat "$work/err"; }
back=$(grep '^checksum sha256:' "$work/out" | cut -d' ' -f2)
[ -n "$there" ] && [ "$there" = "$back" ] || fail "checksums differ: '$there' then '$back'"

# A target with rows is refused (exit 1) and keeps them; so is a bad URI (exit 2).
set +e; "$ctl" migrate --from "$work/source.sqlite" --to "$pg_uri" >"$work/out" 2>"$work/err"; status=$?; set -e
[ "$status" -eq 1 ] || fail "a non-empty target: exit $status, expected 1"
grep -qF "is not empty (subscribers has 2 row(s)): the target of a move must be a new database" "$work/err" ||
  { fail "a non-empty target: message"; cat "$work/err"; }
set +e; "$ctl" migrate --from "$work/source.sqlite" --to "mysql://db/x" >"$work/out" 2>"$work/err"; status=$?; set -e
[ "$status" -eq 2 ] || fail "mysql://: exit $status, expected 2"

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "deadlinectl migrate: all checks passed"
