#!/usr/bin/env bash
# Installs what the benchmarks need beyond scripts/install-deps.sh, from Debian 12's packages only:
# `postfix`, for its test tools /usr/sbin/smtp-sink and /usr/sbin/smtp-source (bench/email_bench);
# `nginx-light` and `wrk` (bench/feed_bench.py, which runs its own nginx on a loopback port).
# No mail transport agent or web server is configured or started: debconf is preseeded with "No configuration",
# and a temporary /usr/sbin/policy-rc.d (exit 101) forbids starting services during the install;
# a policy-rc.d that was there before is put back as it was, else ours is removed. Afterwards it
# checks that nothing listens on port 25. Safe to run again (apt-get is idempotent).
set -euo pipefail

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

policy=/usr/sbin/policy-rc.d
backup=""
restore_policy() {
  if [ -n "$backup" ]; then
    $sudo cp -a "$backup" "$policy" && $sudo rm -f "$backup"
  else
    $sudo rm -f "$policy"
  fi
}

echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections

if [ -e "$policy" ] || [ -L "$policy" ]; then
  backup=$($sudo mktemp /tmp/policy-rc.d.backup.XXXXXX)
  $sudo cp -a "$policy" "$backup"
fi
trap restore_policy EXIT
trap 'exit 130' INT TERM
printf '#!/bin/sh\n# install-bench-deps.sh: no service starts while packages are installed.\nexit 101\n' |
  $sudo tee "$policy" >/dev/null
$sudo chmod 755 "$policy"

$sudo apt-get update
$sudo apt-get install -y --no-install-recommends postfix nginx-light wrk

restore_policy
trap - EXIT INT TERM

status=0
for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source /usr/sbin/nginx /usr/bin/wrk; do
  if [ ! -x "$tool" ]; then
    echo "install-bench-deps.sh: $tool is missing after installing the benchmark packages" >&2
    status=1
  fi
done

# Port 25 is 0019 in /proc/net/tcp{,6}; state 0A is LISTEN.
listening_on_25() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -ltnH 'sport = :25' 2>/dev/null)" ]
  else
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$2 ~ /:0019$/ && $4 == "0A" { found = 1 } END { exit !found }'
  fi
}
if listening_on_25; then
  echo "install-bench-deps.sh: something listens on port 25 (an MTA was started?):" >&2
  if command -v ss >/dev/null 2>&1; then ss -ltnp 'sport = :25' >&2 || true; fi
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "install-bench-deps.sh: smtp-sink and smtp-source installed; nothing listens on port 25"
fi
exit "$status"
