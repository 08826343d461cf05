#!/usr/bin/env bash
# Installs everything deadlined needs to build and test, from Debian 12's packages only.
# Used by the README's two commands and by .ci/run; safe to run again (apt-get is idempotent).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # libraries (headers; Boost.Asio/Beast are header-only via Boost::headers)
  libboost1.81-dev libhowardhinnant-date-dev tzdata
  libsqlitecpp-dev libsqlite3-dev sqlite3
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libpq-dev  # libpq (PostgreSQL 15's client library): the PostgreSQL store
  # tests
  doctest-dev python3 python3-aiosmtpd python3-icalendar python3-psycopg2
  postgresql-15  # the `pg` tests start a throwaway server of their own (tests/pg/pg_server.py)
  libical-dev  # tests/ical/libical_check: the feeds and the mails' calendar part judged by libical
  chromium chromium-driver fonts-wqy-microhei  # browser test; the font draws the pages' Chinese
  # ops tests and the .deb: systemd-analyze/-sysusers/-tmpfiles (systemd need not run), curl,
  # dpkg-shlibdeps for CPack's dependencies (scripts/package-test.sh)
  systemd curl dpkg-dev
  # tests/cluster: docs/balancer/haproxy.cfg run in front of several daemons (the tests start
  # their own haproxy on 127.0.0.1; Debian's service, if started, listens on nothing)
  haproxy
  # fuzzing (.ci/run's fuzz stage, scripts/fuzz.sh): clang 14 with libFuzzer, ASan and UBSan
  clang libclang-rt-14-dev
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# postgresql-15 would create and start a "main" cluster on port 5432; the tests start their own
# server, and an operator's cluster is theirs to create. Must be in place before the install.
$sudo mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/deadlined-no-main-cluster.conf >/dev/null
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${packages[@]}"
