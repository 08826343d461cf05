#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD_DIR for SECONDS each (default 10) over a copy of its seed
# corpus (fuzz/corpus/<name>/), and prints per target the executions and "0 crashes" or the
# crash file. Exits 1 when any target crashed (or could not run). Crash, timeout and OOM inputs
# and the log of a failing run are kept in BUILD_DIR/fuzz-artifacts/<name>/.
#
# The build:  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDEADLINED_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
#             cmake --build build-fuzz --target fuzzers
# Then:       scripts/fuzz.sh build-fuzz 10
# Reproduce:  build-fuzz/fuzz/<name>_fuzz build-fuzz/fuzz-artifacts/<name>/crash-...
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || { echo "$0: no build directory $1" >&2; exit 2; }
seconds=${2:-10}
case $seconds in '' | *[!0-9]*) echo "$0: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)

targets=(calendar config http json mime header_encoding ical dsn)
work=$(mktemp -d "${TMPDIR:-/tmp}/deadlined-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# UB aborts anyway (-fno-sanitize-recover); the stack trace says where.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
for name in "${targets[@]}"; do
  binary="$build/fuzz/${name}_fuzz"
  if [ ! -x "$binary" ]; then
    echo "$name: FAILED: $binary is missing (configure with -DDEADLINED_FUZZ=ON, build the target 'fuzzers')"
    failed=1
    continue
  fi
  corpus="$work/corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  cp -- "$root/fuzz/corpus/$name/"* "$corpus/"
  log="$work/$name.log"
  before=$(ls -A "$artifacts")
  # TMPDIR: the targets' scratch files (a crashed run leaves them) go with the work directory.
  mkdir -p "$work/tmp/$name"
  TMPDIR="$work/tmp/$name" "$binary" "$corpus" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs="?"
  # crash-, timeout-, oom- or leak- files (a slow-unit- file is not a failure).
  written=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | grep -v '/slow-unit-' | head -n 1)
  if [ "$status" -eq 0 ] && [ -z "$written" ]; then
    echo "$name: $execs execs in ${seconds}s, 0 crashes"
    continue
  fi
  failed=1
  cp -- "$log" "$artifacts/$name.log"
  if [ -n "$written" ]; then
    echo "$name: $execs execs, CRASH (exit $status): $written"
    echo "  reproduce: $binary $written"
  else
    echo "$name: $execs execs, FAILED (exit $status) without a crash file"
  fi
  # What went wrong, in a few lines: the sanitizer's or the invariant's report.
  grep -E '^(==[0-9]+==ERROR|SUMMARY|\*\*\* fuzz|.*runtime error:|ERROR: libFuzzer|==[0-9]+== libFuzzer: run interrupted)' "$log" |
    head -n 5 | sed 's/^/  /'
  echo "  log: $artifacts/$name.log"
  if [ -z "$written" ]; then
    after=$(ls -A "$artifacts")
    [ "$before" = "$after" ] || echo "  new files in $artifacts"
  fi
done
exit "$failed"
