"""Starts the real deadlined for integration tests: its own directory, config, calendars,
database (a SQLite file, or a PostgreSQL database: test_database.py) and clock offset; HTTP on a
port the system picks. Debian's /usr/bin/python3."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from test_database import BACKEND, open_test_database  # noqa: F401 (BACKEND: for the tests)

SHANGHAI = timezone(timedelta(hours=8))


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def libical_check(checker, ics, *args):
    """tests/ical/libical_check (built as BUILD_DIR/tests/libical_check) on the iCalendar bytes
    `ics`: libical's parser and its iTIP restriction check (RFC 5546: with METHOD:PUBLISH, one
    ORGANIZER per VEVENT, ...). Returns (exit code, what it printed); with "--print" every VEVENT
    as "VEVENT <uid>\tORGANIZER\t<CN>\t<address>" as libical decoded it."""
    done = subprocess.run([checker, *args, "-"], input=ics, capture_output=True, timeout=30)
    return done.returncode, done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")


def organizers_seen(checked):
    """The (CN, address) of each VEVENT in libical_check --print's output (None: no ORGANIZER)."""
    seen = []
    for line in checked.splitlines():
        if line.startswith("VEVENT "):
            fields = line.split("\t")
            seen.append(tuple(fields[2:4]) if len(fields) == 4 and fields[1] == "ORGANIZER" else None)
    return seen


def calendar_toml(windows, edition_year=2029):
    """A one-programme calendar; windows are (key, closes, opens or None)."""
    parts = [f'''[edition]
id = "integration"
title = "集成测试"
publisher = "测试中心"
year = {edition_year}
zone = "Asia/Shanghai"

[[programme]]
id = "it-programme"
number = 1
page = 1
title = "集成测试项目"
group = "工业和信息化部门"
category = "资金引导"
contact = "测试"
link = "https://example.cn/it"
eligibility = "企业"
recurs = false
recurs_reason = "测试"
''']
    for key, closes, opens in windows:
        parts.append(f'''
[[programme.window]]
key = "{key}"
phrase = "截止时间为{closes}"
status = "confirmed"
actor = "企业"
role = "企业"
cycle = {edition_year}
closes = "{closes}"
''' + (f'opens = "{opens}"\n' if opens else ""))
    return "".join(parts)


class Daemon:
    def __init__(self, build_dir, calendars_text=None, calendars_dir=None, delivery="",
                 allow_hosts='["127.0.0.1"]', extra_config="", notice_delay=0, backend=None, drain_seconds=0,
                 database=None, database_uri=None, secrets_dir=None, clock_file=None):
        """`backend`: "sqlite" or "postgresql" for this daemon's database; by default the run's
        (test_database.py's BACKEND). `drain_seconds`: [daemon] drain_seconds, how long a SIGTERM
        drains before the daemon stops (0: at once).

        Several daemons on one PostgreSQL database ("nodes", tests/reliability/nodes_test.py):
        `database`, an open test database (open_test_database) the daemons share: used, not
        created here, and not dropped by close(); `database_uri`, what this daemon's config and
        deadlinectl name instead of its location (e.g. with an application_name, which
        pg_stat_activity shows); `secrets_dir`, a directory whose token-keys and admin-token every
        node uses (nodes must share both: the first to start creates them); `clock_file`, one
        clock-offset file for all (one set_clock moves every node's clock)."""
        self.build_dir = build_dir
        self.tmp = tempfile.TemporaryDirectory(prefix="deadlined-it-")
        self.dir = self.tmp.name
        self.backend = backend or BACKEND
        self.owns_database = database is None
        self.database = open_test_database(self.dir, self.backend) if database is None else database
        self.db = database_uri or self.database.location  # --db: the file, or the PostgreSQL URI
        # The secrets' files: beside a database file; for a database on a server, in the state
        # directory, ./var under the daemon's working directory (config.h default_secrets_dir).
        if secrets_dir is None:
            secrets_dir = self.dir if self.backend == "sqlite" else os.path.join(self.dir, "var")
            shared_secrets = ""
        else:
            shared_secrets = (f'[tokens]\nkeys_file = "{secrets_dir}/token-keys"\n\n'
                              f'[admin]\ntoken_file = "{secrets_dir}/admin-token"\n')
        self.secrets_dir = secrets_dir
        self.admin_token_file = os.path.join(secrets_dir, "admin-token")
        self.token_keys_file = os.path.join(secrets_dir, "token-keys")
        self.clock_file = clock_file or os.path.join(self.dir, "clock-offset")
        self.calendars = calendars_dir or os.path.join(self.dir, "calendars")
        if calendars_text is not None:
            os.makedirs(self.calendars, exist_ok=True)
            self.write_calendar(calendars_text)
        self.config = os.path.join(self.dir, "deadlined.toml")
        with open(self.config, "w") as f:
            f.write(f'''[daemon]
database = "{self.db}"
calendars = "{self.calendars}"
shutdown_grace_seconds = 5
drain_seconds = {drain_seconds}

[schedule]
replan_seconds = 1
# Most tests reload and look at once; the change-notice tests stage (tests/integration/changes_test.py).
change_notice_delay_seconds = {notice_delay}

[delivery]
allow_hosts = {allow_hosts}
{delivery}

[test]
clock_offset_file = "{clock_file or 'clock-offset'}"

{shared_secrets}
{extra_config}
''')
        self.process = None
        self.log_path = os.path.join(self.dir, "deadlined.log")
        self.port = None
        self.admin_port = None  # the admin API's listener (docs/http-api.md, "Admin API")

    def write_calendar(self, text, name="calendar.toml"):
        with open(os.path.join(self.calendars, name), "w") as f:
            f.write(text)

    # --- the daemon's clock ---------------------------------------------------------------
    def set_clock(self, daemon_now):
        """Makes the daemon's clock read `daemon_now` (an aware datetime) from now on."""
        offset = int(round(daemon_now.timestamp() - time.time()))
        # Replaced in one step: a running daemon never reads a half-written (empty) offset.
        temporary = self.clock_file + ".new"
        with open(temporary, "w") as f:
            f.write(str(offset))
        os.replace(temporary, self.clock_file)

    def daemon_now(self):
        with open(self.clock_file) as f:
            return datetime.now(timezone.utc) + timedelta(seconds=int(f.read()))

    # --- process ----------------------------------------------------------------------------
    def start(self, env=None, port=0):
        """`env`: variables added to the daemon's environment (e.g. NOTIFY_SOCKET). `port`: the
        HTTP port to listen on; 0, the default, lets the system pick one (a node behind a
        balancer is started again on the port its server line names)."""
        with open(self.log_path, "a") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [os.path.join(self.build_dir, "daemon", "deadlined"), "--config", self.config,
                 "--listen", f"127.0.0.1:{port}", "--admin-listen", "127.0.0.1:0"],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.dir, env={**os.environ, **(env or {})})
        self.port = wait_for(self._serving_port, 10, "deadlined to serve HTTP")
        # Logged before "serving": the admin listener accepts before the daemon says it serves.
        self.admin_port = int(re.findall(r"admin API on http://127\.0\.0\.1:(\d+)", self.log())[-1])
        return self

    def _serving_port(self):
        if self.process.poll() is not None:
            raise AssertionError("deadlined exited with %s:\n%s" % (self.process.returncode, self.log()))
        matches = re.findall(r"serving http://127\.0\.0\.1:(\d+)", self.log())
        return int(matches[-1]) if len(matches) > self.starts_seen() else None

    def starts_seen(self):
        return getattr(self, "_starts", 0)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        self.process.send_signal(sig)
        return self.wait_exit(timeout)

    def wait_exit(self, timeout):
        """Waits for a process already told to stop (a drain takes a while); its exit status."""
        code = self.process.wait(timeout)
        self._starts = self.starts_seen() + 1
        return code

    def kill9(self):
        self.process.kill()
        self.process.wait(10)
        self._starts = self.starts_seen() + 1

    def signal(self, sig):
        self.process.send_signal(sig)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.owns_database:
            self.database.drop()
        self.tmp.cleanup()

    # --- HTTP and database ------------------------------------------------------------------
    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
            return response.status, json.loads(response.read())

    def sql(self, query, *args):
        return self.database.sql(query, *args)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def ctl(self, *args):
        """deadlinectl as an operator runs it: on the database file while the daemon is stopped,
        through its admin API (--admin, JSON answers) while it runs — the database verbs refuse
        to touch a file a daemon holds."""
        admin = ["--admin", f"http://127.0.0.1:{self.admin_port}"] if self.running() else []
        return subprocess.run([os.path.join(self.build_dir, "daemon", "deadlinectl"), "--db", self.db,
                               "--calendars", self.calendars, *admin, *args],
                              capture_output=True, text=True, timeout=30, cwd=self.dir)  # ./var: the state dir

    def add_endpoints(self, count, kind, address=None, secret=None):
        """`count` active subscribers with one endpoint each, in one transaction. Email endpoints
        get their subscriber's address unless `address` is given."""
        start = self.sql("SELECT coalesce(max(id), 0) FROM subscribers")[0][0]
        emails = [f"user{start + i}@example.cn" for i in range(count)]
        self.database.executemany([
            ("INSERT INTO subscribers (id, email, email_hash, state, created_at) VALUES (?, ?, ?, 'active', 0)",
             [(start + i + 1, emails[i], f"hash{start + i}") for i in range(count)]),
            ("INSERT INTO endpoints (subscriber_id, kind, address, secret, created_at) VALUES (?, ?, ?, ?, 0)",
             [(start + i + 1, kind, address or emails[i], secret) for i in range(count)])])
        self.database.after_explicit_ids()
