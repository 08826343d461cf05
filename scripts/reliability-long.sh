#!/usr/bin/env bash
# The long form of tests/reliability/ (issue 11): the same programs as CTest's reliability.*
# tests with DEADLINED_RELIABILITY=long (e.g. 20 kill -9 rounds instead of a few, 60 s of load),
# one after the other, without CTest's time limits. Run on demand, not in CI:
#   scripts/reliability-long.sh build
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")/../tests/reliability" && pwd)
export DEADLINED_RELIABILITY=long
failed=()
for test in "$here"/*_test.py; do
  echo "== $(basename "$test") (long form)"
  start=$SECONDS
  if /usr/bin/python3 "$test" "$build"; then
    echo "== $(basename "$test") passed in $((SECONDS - start)) s"
  else
    echo "== $(basename "$test") FAILED after $((SECONDS - start)) s"
    failed+=("$(basename "$test")")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "every reliability test passed in its long form"
