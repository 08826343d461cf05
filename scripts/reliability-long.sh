#!/usr/bin/env bash
# The long form of tests/reliability/ (issue 11): the same programs as CTest's reliability.*
# tests with DEADLINED_RELIABILITY=long (e.g. 20 kill -9 rounds instead of a few, 60 s of load),
# one after the other, without CTest's time limits. Then the crash, fan-out crash, clock and
# fault tests again with the daemon's data on PostgreSQL (issue "The store on PostgreSQL" §2), and
# the clock tests on two nodes of one database (issue 24).
# Run on demand, not in CI:
#   scripts/reliability-long.sh build
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")/../tests/reliability" && pwd)
pg_server=$(cd "$here/../pg" && pwd)/pg_server.py
export DEADLINED_RELIABILITY=long
failed=()

# run NAME TEST [VAR=VALUE ...]: TEST's long form with the variables added, timed.
run() {
  local name=$1 test=$2 start=$SECONDS
  shift 2
  echo "== $name (long form)"
  if env "$@" /usr/bin/python3 "$test" "$build"; then
    echo "== $name passed in $((SECONDS - start)) s"
  else
    echo "== $name FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}

# Every test on its default backend: a SQLite file (pg_outage_test.py and nodes_test.py: a
# PostgreSQL server of their own; nodes_test.py's long form includes its robot check, which waits
# a real minute).
for test in "$here"/*_test.py; do
  run "$(basename "$test")" "$test"
done

# On PostgreSQL: one server for these runs (tests/pg/pg_server.py: socket only, in a temporary
# directory, stopped on exit), each test's daemon on a database of its own there. faults_test.py
# runs its receiver and SMTP relay faults; its database faults (a full disk under a SQLite file,
# the file's write lock held by another process) do not apply to a server and skip themselves:
# PostgreSQL's own faults (the server stopped, its sessions terminated) are pg_outage_test.py's.
pg_dir=$(mktemp -d -t deadlined-pg-reliability-XXXXXX) && rmdir "$pg_dir" || exit 1
trap '/usr/bin/python3 "$pg_server" stop "$pg_dir"' EXIT
if /usr/bin/python3 "$pg_server" start "$pg_dir"; then
  for name in crash fanout_crash clock faults; do
    run "${name}_test.py on PostgreSQL" "$here/${name}_test.py" \
      DEADLINED_TEST_BACKEND=postgresql DEADLINED_PG_DIR="$pg_dir"
  done
  # The clock tests on two nodes of one database, the second node's clock 1 s ahead (issue 24).
  run "clock_test.py on two PostgreSQL nodes" "$here/clock_test.py" \
    DEADLINED_CLOCK_NODES=2 DEADLINED_TEST_BACKEND=postgresql DEADLINED_PG_DIR="$pg_dir"
else
  echo "== the PostgreSQL server did not start: no PostgreSQL runs"
  failed+=("PostgreSQL server")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "every reliability test passed in its long form"
