#!/usr/bin/python3
"""nodes_bench: several real deadlined processes ("nodes") on one PostgreSQL database (issue
"Several daemons on one PostgreSQL" §4): webhook delivery throughput with 1, 2 and 3 nodes in the
same run, the 1-node figure the baseline; and one large fan-out (1,000,000 endpoints) with three
nodes against one node, same run.

Usage: /usr/bin/python3 bench/nodes_bench.py BUILD_DIR [--postgresql URI] [--messages N]
                       [--rounds R] [--nodes 1,2,3] [--ports P] [--fanout N] [--fanout-nodes K]
                       [--no-fanout-baseline] [--only delivery|fanout] [--statements] [--quick]
       defaults: 20000 messages, 3 rounds (each round: every node count once, the order rotated),
       nodes 1,2,3, 1 receiver port; fan-out 1000000 endpoints with 3 nodes, and with 1 node
       as its baseline; --quick: 5000 messages, 1 round, fan-out 100000

BUILD_DIR holds daemon/deadlined, daemon/deadlinectl and bench/webhook_sink (ninja -C BUILD
deadlined deadlinectl webhook_sink). Without --postgresql the script starts a throwaway server
with tests/pg/pg_server.py (socket only; fsync, synchronous_commit and full_page_writes off: the
store's work, not a disk's flushes) in a new /tmp/nodes_bench-pg.* and removes it at the end.
With --postgresql URI (a server's maintenance database, as pg_server.py writes it to DIR/uri) it
uses that server; when the URI's host= is a pg_server.py directory (DIR/data/postmaster.pid) the
server's CPU is measured too, else it is reported as not measured.

What runs, all on this machine (the nodes are processes, so nodes_bench drives real ones):
  - PostgreSQL: one database per round, a copy (CREATE DATABASE ... TEMPLATE) of a template
    holding N active subscribers with one webhook endpoint each (COPY, then ANALYZE), all
    pointing at the receiver; the schema made by `deadlinectl --db URI outbox`.
  - the receiver: bench/webhook_sink (C++, one thread, Beast parser, "200 OK" at once,
    keep-alive), counting requests and distinct webhook-ids (a message sent twice shows).
  - k nodes: `deadlined --config NODE/deadlined.toml`, each its own directory and listeners,
    all with the same database, key ring, admin token and test clock offset file ([test]
    clock_offset_file), a one-programme calendar whose reminder point ("2h" before a timed
    close) falls due once.
Nothing is pinned: on 2 cores the nodes, PostgreSQL and the receiver share both (pinning the
nodes to one core and the rest to the other would measure one core's worth of nodes; pinning
them apart is impossible with 3 nodes and 2 cores). What each uses is measured instead.

Delivery round (k nodes): the nodes start with their clock 60 s before the due instant; once
all serve, the clock offset file is rewritten so the instant falls due at a whole second of real
time 2 s ahead. One node records the firing and fans it out in chunks of 2,000 endpoints (a
firing's chunks run one at a time under its row lock; the others take a chunk when they find the
row free); every node claims and delivers what is ready. Measured:
  rate        N / (last request - first request) at the receiver: the figure, messages/s;
  due->last   from the due instant to the last request (fan-out included);
  fan-out     due instant -> the firing's finished_at seen set (polled every 0.25 s);
  CPU         utime+stime from /proc of each node, of every PostgreSQL process (the postmaster's
              children, live ones and, through its cutime/cstime, those that ended), of the
              receiver and of this script, from just before the due instant until every message
              reached the receiver; per message in microseconds. The machine's busy time
              (/proc/stat) over the same span gives the cores in use and what other processes
              (other users' work) took.
  per node    messages by messages.claimed_by (the node whose claim sent it), chunks by each
              node's deadlined_fanout_chunks_total (admin /metrics).
  PostgreSQL  WAL bytes per message (pg_current_wal_lsn before and after, the server's whole
              WAL: only this database is busy on it) and commits per message (pg_stat_database,
              read 1.5 s after the run, as its statistics arrive about once a second); the
              claims' advisory lock (pg_locks) sampled every 0.1 s from the first request on:
              how often a claim held it, and how many sessions waited for it.
  --statements (diagnosis; not with --postgresql) restarts the script's server with
              pg_stat_statements loaded and prints, per round, the statements the server spent
              most time in and the claims: how many (calls of the claim lock), how many messages
              each marked 'sending', and the lock's hold per claim (held fraction x span /
              claims). The extension costs a little on every statement: not for the figures.
Checked: every message 'delivered' in the database, the receiver saw N distinct ids, no
unexpected request; requests beyond N (sent twice) are reported.
Rounds rotate the order of the node counts; medians over rounds.

Fan-out (K nodes, and 1 node as baseline): the same with a template of --fanout endpoints, but
the receiver never answers (webhook_sink --silent; total_timeout_seconds 600), so each node parks
its first few requests and sends nothing more: the nodes only fan out. Measured: due instant ->
finished_at seen, messages/s = matched messages / that; chunks per node; CPU as above. Checked:
one message per endpoint.

Prints the figures, then for bench/report.py:
  RESULT name=nodes2_delivery / nodes3_delivery value=messages/s baseline=<1 node, same run> ...
  RESULT name=nodes3_fanout value=messages/s baseline=<1 node, same run> ...
with target=none met=n/a (no target: these lines say what several nodes give on this machine).
Exit status 0 when measured, 1 on a failure (a node exits, a check fails), 2 on a usage error."""

import argparse
import base64
import math
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from daemon_bench import LineReader, lateness_calendar  # the same one-programme calendar

HERE = os.path.dirname(os.path.abspath(__file__))
PG_SERVER = os.path.join(HERE, "..", "tests", "pg", "pg_server.py")
SHANGHAI = timezone(timedelta(hours=8))
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSES = datetime(2030, 3, 1, 10, 0, tzinfo=SHANGHAI)   # the window's timed close
DUE = int((CLOSES - timedelta(hours=2)).timestamp())    # its "2h" reminder point: the firing
TICK = os.sysconf("SC_CLK_TCK")


class Failure(Exception):
    pass


def log(text=""):
    print(text, flush=True)


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")


# --- CPU accounting from /proc ----------------------------------------------------------------

def stat_fields(pid):
    """(ppid, utime+stime, cutime+cstime) in clock ticks, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    rest = text[text.rindex(")") + 2:].split()
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])


def process_cpu(pid):
    fields = stat_fields(pid)
    return fields[1] / TICK if fields else 0.0


def tree_cpu(root):
    """A server's CPU so far: the postmaster's own and its reaped children's (cutime: backends
    that ended), plus every live child's (and what they reaped)."""
    own = stat_fields(root)
    if own is None:
        return 0.0
    total = own[1] + own[2]
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = stat_fields(int(name))
            if fields and fields[0] == root:
                total += fields[1] + fields[2]
    return total / TICK


def machine_ticks():
    """(busy, total, steal) jiffies of all CPUs: busy is user, nice, system, irq and softirq
    (guest time is inside user); steal, time the hypervisor gave to other machines, is neither."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    return values[0] + values[1] + values[2] + values[5] + values[6], total, values[7]


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class CpuSnapshot:
    def __init__(self, nodes, pg_root, sink_pid):
        self.at = time.monotonic()
        self.nodes = [process_cpu(n.process.pid) for n in nodes]
        self.pg = tree_cpu(pg_root) if pg_root else None
        self.sink = process_cpu(sink_pid)
        t = os.times()
        self.me = t.user + t.system
        self.busy, self.total, self.steal = machine_ticks()


def cpu_between(a, b):
    span = b.at - a.at
    busy = (b.busy - a.busy) / max(1, b.total - a.total) * os.cpu_count()  # cores busy on average
    used = {"nodes": [y - x for x, y in zip(a.nodes, b.nodes)], "pg": None if a.pg is None else b.pg - a.pg,
            "sink": b.sink - a.sink, "me": b.me - a.me}
    ours = sum(used["nodes"]) + (used["pg"] or 0) + used["sink"] + used["me"]
    used["cores_busy"] = busy
    used["steal"] = (b.steal - a.steal) / max(1, b.total - a.total) * os.cpu_count()
    used["others"] = max(0.0, busy * span - ours)  # CPU seconds of everything else on the machine
    used["span"] = span
    return used


# --- PostgreSQL ---------------------------------------------------------------------------------

class Server:
    """The PostgreSQL server: our own throwaway one (pg_server.py), or the one a URI names."""

    def __init__(self, uri, statements=False):
        import psycopg2  # python3-psycopg2, as the integration tests' PostgreSQL runs
        self.psycopg2 = psycopg2
        self.parent = None
        self.statements = statements
        if statements and uri is not None:
            raise Failure("--statements needs the script's own server (no --postgresql)")
        if uri is None:
            self.parent = tempfile.mkdtemp(prefix="nodes_bench-pg.")
            os.chmod(self.parent, 0o755)  # as root the server runs as `postgres`
            directory = os.path.join(self.parent, "server")
            done = subprocess.run(["/usr/bin/python3", PG_SERVER, "start", directory], capture_output=True, text=True)
            if done.returncode != 0:
                shutil.rmtree(self.parent, ignore_errors=True)
                raise Failure("pg_server.py start failed: " + done.stdout + done.stderr)
            with open(os.path.join(directory, "uri")) as f:
                uri = f.read().strip()
        self.uri = uri
        host = re.search(r"[?&]host=([^&]+)", uri)
        self.pidfile = os.path.join(host.group(1), "data", "postmaster.pid") if host else ""
        self.root = self.postmaster()
        if statements:
            # Diagnosis only: the extension costs the server a little on every statement.
            self.admin("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            sys.path.insert(0, os.path.dirname(PG_SERVER))
            import pg_server  # noqa: E402 (tests/pg/pg_server.py: halt and resume keep the data)
            pg_server.halt(os.path.join(self.parent, "server"))
            pg_server.resume(os.path.join(self.parent, "server"))
            self.admin("CREATE EXTENSION pg_stat_statements")
            self.root = self.postmaster()
        self.version = self.query(self.uri, "SHOW server_version")[0][0]
        self.settings = {name: self.query(self.uri, f"SHOW {name}")[0][0]
                         for name in ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")}

    def postmaster(self):
        if not os.path.exists(self.pidfile):
            return None
        with open(self.pidfile) as f:
            return int(f.readline())

    def reset_statements(self):
        if self.statements:
            self.admin("SELECT pg_stat_statements_reset()")

    def top_statements(self, database):
        """(calls, rows, total ms, mean ms, query) of `database`'s statements, most time first."""
        return self.query(self.uri, "SELECT calls, rows, total_exec_time, mean_exec_time, "
                          "regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements "
                          "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = %s) "
                          "ORDER BY total_exec_time DESC", database)

    def database_uri(self, name):
        return self.uri + ("&" if "?" in self.uri else "?") + "dbname=" + name

    def connect(self, uri):
        connection = self.psycopg2.connect(uri)
        connection.autocommit = True
        return connection

    def query(self, uri, sql, *args):
        connection = self.connect(uri)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def admin(self, sql):
        self.query(self.uri, sql)

    def stop(self):
        if self.parent:
            subprocess.run(["/usr/bin/python3", PG_SERVER, "stop", os.path.join(self.parent, "server")],
                           capture_output=True)
            shutil.rmtree(self.parent, ignore_errors=True)


class Rows:
    """A file-like object COPY reads from: text-format lines made on demand, 64 KiB at a time."""

    def __init__(self, count, line):
        self.lines = (line(i) for i in range(count))
        self.buffer = ""

    def read(self, size=65536):
        while len(self.buffer) < size:
            try:
                self.buffer += next(self.lines)
            except StopIteration:
                break
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    readline = read


def make_database(server, build_dir, name):
    """A new database `name` with the store's schema (made by deadlinectl, as an operator would); its URI."""
    server.admin(f"CREATE DATABASE {name}")
    uri = server.database_uri(name)
    done = subprocess.run([os.path.join(build_dir, "daemon", "deadlinectl"), "--db", uri, "outbox"],
                          capture_output=True, text=True, timeout=120, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise Failure("deadlinectl --db URI outbox (the schema) failed: " + done.stdout + done.stderr)
    return uri


def make_template(server, build_dir, name, count, urls):
    """A database `name` with the store's schema and `count` active subscribers, each with one
    active webhook endpoint (ids 1..count, spread over `urls`), by COPY; then ANALYZE."""
    uri = make_database(server, build_dir, name)
    connection = server.connect(uri)
    connection.autocommit = False
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY subscribers (id, email, email_hash, state, created_at, confirmed_at) FROM STDIN",
            Rows(count, lambda i: f"{i + 1}\tuser{i}@example.cn\thash-{i:08d}\tactive\t0\t0\n"))
        cursor.copy_expert(
            "COPY endpoints (id, subscriber_id, kind, address, secret, filter_fields, all_leads, created_at) "
            "FROM STDIN",
            Rows(count, lambda i: f"{i + 1}\t{i + 1}\twebhook\t{urls[i % len(urls)]}\t{WEBHOOK_SECRET}\t0\t1\t0\n"))
        for table in ("subscribers", "endpoints"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(1, count)})")
    connection.commit()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return time.monotonic() - started


# --- the nodes and the receiver ---------------------------------------------------------------

def calendar_toml():
    """One programme with one window closing at CLOSES: daemon_bench.py's calendar, one window."""
    return lateness_calendar(1, CLOSES)


class Shared:
    """What every node shares: the calendar, the key ring, the admin token, the clock offset."""

    def __init__(self, work, calendar=None):
        """`calendar`: the calendar file's text (default: calendar_toml(), one window)."""
        self.dir = os.path.join(work, "shared")
        os.makedirs(os.path.join(self.dir, "calendars"))
        with open(os.path.join(self.dir, "calendars", "bench.toml"), "w") as f:
            f.write(calendar or calendar_toml())
        self.keys = os.path.join(self.dir, "token-keys")
        self.token = os.path.join(self.dir, "admin-token")
        self.clock = os.path.join(self.dir, "clock-offset")
        for path, text in ((self.keys, "1:" + base64.b64encode(secrets.token_bytes(32)).decode() + "\n"),
                           (self.token, secrets.token_urlsafe(32) + "\n")):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                f.write(text)
        with open(self.token) as f:
            self.token_value = f.read().strip()
        self.set_offset(0)

    def set_offset(self, seconds):
        """Atomically: every node reads the file at every reading of its clock."""
        with open(self.clock + ".new", "w") as f:
            f.write(str(int(seconds)))
        os.replace(self.clock + ".new", self.clock)


class Node:
    def __init__(self, build_dir, directory, shared, database_uri, delivery_extra=""):
        self.build_dir = build_dir
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.config = os.path.join(directory, "deadlined.toml")
        self.log_path = os.path.join(directory, "deadlined.log")
        self.shared = shared
        with open(self.config, "w") as f:
            f.write(f'''[daemon]
database = "{database_uri}"
calendars = "{os.path.join(shared.dir, 'calendars')}"
shutdown_grace_seconds = 5

[schedule]
replan_seconds = 1
leads = ["2h"]

[delivery]
allow_hosts = ["127.0.0.1"]
{delivery_extra}

[tokens]
keys_file = "{shared.keys}"

[admin]
token_file = "{shared.token}"

[test]
clock_offset_file = "{shared.clock}"
''')
        self.process = None
        self.reader = None
        self.node_id = None
        self.admin_port = None

    def start(self, stamped=False):
        """`stamped`: the output on a pipe read by a LineReader, each line stamped as it arrives
        (nodes_lateness_bench.py times the firings by it); else into the node's log file."""
        with open(self.log_path, "a") as out:
            self.process = subprocess.Popen(
                [os.path.join(self.build_dir, "daemon", "deadlined"), "--config", self.config,
                 "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"],
                stdout=subprocess.PIPE if stamped else out, stderr=subprocess.STDOUT, cwd=self.dir,
                env={**os.environ, "NOTIFY_SOCKET": "", "WATCHDOG_USEC": ""})
        self.reader = LineReader(self.process.stdout) if stamped else None
        return self

    def log(self):
        if self.reader:
            return self.reader.text()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def check_running(self):
        if self.process.poll() is not None:
            raise Failure(f"deadlined ({self.dir}) exited with {self.process.returncode}:\n" + self.log()[-3000:])

    def serving(self):
        self.check_running()
        text = self.log()
        node = re.search(r"registered as node ([0-9a-f]+)", text)
        admin = re.search(r"admin API on http://127\.0\.0\.1:(\d+)", text)
        if node and admin and re.search(r"serving http://127\.0\.0\.1:\d+", text):
            self.node_id, self.admin_port = node.group(1), int(admin.group(1))
            return True
        return False

    def metrics(self):
        """The admin API's /metrics text."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}/metrics",
                                         headers={"Authorization": "Bearer " + self.shared.token_value})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()

    def metric(self, name):
        text = self.metrics()
        found = re.search(r"^" + re.escape(name) + r" (\d+)", text, re.M)
        return int(found.group(1)) if found else None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise Failure(f"deadlined ({self.dir}) did not stop within 30 s of SIGTERM")
            if code != 0:
                raise Failure(f"deadlined ({self.dir}) exited with {code} on SIGTERM:\n" + self.log()[-3000:])

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Sink:
    """bench/webhook_sink: `stats` and `reset` over its standard input and output."""

    def __init__(self, build_dir, ports, silent=False):
        self.process = subprocess.Popen([os.path.join(build_dir, "bench", "webhook_sink"), str(ports)] +
                                        (["--silent"] if silent else []),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ports":
            raise Failure("webhook_sink did not start: " + " ".join(line))
        self.ports = [int(p) for p in line[1:]]
        self.urls = [f"http://127.0.0.1:{p}/hook" for p in self.ports]

    def command(self, text):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def stats(self):
        fields = dict(item.split("=", 1) for item in self.command("stats").split())
        return {k: (float(v) if k in ("first", "last") else int(v)) for k, v in fields.items()}

    def reset(self):
        if self.command("reset") != "ok":
            raise Failure("webhook_sink did not reset")

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


# --- one round ----------------------------------------------------------------------------------

class Round:
    """k nodes on a fresh copy of `template`, the firing made due, run until `done`."""

    def __init__(self, args, server, shared, work, template, label, k, delivery_extra=""):
        self.args, self.server, self.shared = args, server, shared
        self.label, self.k = label, k
        self.database = f"{template}_{label}"
        server.admin(f"CREATE DATABASE {self.database} TEMPLATE {template}")
        self.uri = server.database_uri(self.database)
        self.nodes = [Node(args.build_dir, os.path.join(work, f"{label}-node{i + 1}"), shared, self.uri, delivery_extra)
                      for i in range(k)]

    def start(self):
        self.shared.set_offset(DUE - 60 - int(time.time()))  # 60 s before the due instant
        for node in self.nodes:
            node.start()
        wait_for(lambda: all(n.serving() for n in self.nodes), 60, f"{self.k} node(s) to serve")
        time.sleep(1.0)  # each has made its plan and passed once

    def fire(self):
        """Makes the trigger due at a whole second of real time 2 s ahead; returns that instant."""
        due_real = math.ceil(time.time() + 2.0)
        self.shared.set_offset(DUE - due_real)
        time.sleep(max(0.0, due_real - 0.3 - time.time()))
        return due_real

    def chunks(self):
        """Chunks each node ran, once one of them has logged the fan-out finished (its counter
        moves after the last chunk's commit and the ANALYZE that follows it)."""
        finished = re.compile(r"fan-out #\d+ \(on_time\) finished")
        wait_for(lambda: any(finished.search(n.log()) for n in self.nodes), 60, "a node to log the fan-out finished")
        return [n.metric("deadlined_fanout_chunks_total") for n in self.nodes]

    def by_node(self):
        """Messages per node whose claim sent them (messages.claimed_by)."""
        rows = dict(self.server.query(self.uri, "SELECT coalesce(claimed_by, '-'), count(*) FROM messages GROUP BY 1"))
        return [rows.get(n.node_id, 0) for n in self.nodes], sum(v for key, v in rows.items()
                                                                  if key not in [n.node_id for n in self.nodes])

    def finish(self):
        errors = []
        for node in self.nodes:
            try:
                node.stop()
            except Failure as e:
                errors.append(str(e))
        for node in self.nodes:
            node.kill()
        self.server.admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        if errors:
            raise Failure("\n".join(errors))

    def abandon(self):
        for node in self.nodes:
            node.kill()
        try:
            self.server.admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        except Exception:  # noqa: BLE001 (cleanup after a failure: keep the first error)
            pass


# The claims' advisory lock (lib/pg/pg_delivery.cc kClaimLockKey, "claimsdl"), as pg_locks
# shows a bigint key: classid the high 32 bits, objid the low ones.
CLAIM_LOCK = (0x636c6169, 0x6d73646c)


def claim_lock_sample(connection):
    """(held, waiting): sessions holding the claim lock now, and waiting for it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted) FROM pg_locks "
                       "WHERE locktype = 'advisory' AND classid = %s AND objid = %s", CLAIM_LOCK)
        return cursor.fetchone()


def pg_counters(connection, database):
    """(WAL bytes written so far by the server, commits in `database`): the WAL position is exact;
    the commit count is the statistics system's, which a busy session passes on about once a
    second (so it is read after a pause)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, "
                       "(SELECT xact_commit FROM pg_stat_database WHERE datname = %s)", (database,))
        wal, commits = cursor.fetchone()
        return int(wal), int(commits or 0)


def firing_state(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(finished_at), coalesce(sum(messages), 0) FROM firings")
        return cursor.fetchone()


def delivery_round(args, server, shared, sink, work, template, k, number):
    r = Round(args, server, shared, work, template, f"d{number}k{k}", k)
    try:
        r.start()
        sink.reset()
        connection = server.connect(r.uri)
        load_before = loadavg()
        time.sleep(1.5)  # the nodes' statistics of their start reach pg_stat_database
        wal_before, commits_before = pg_counters(connection, r.database)
        server.reset_statements()
        due_real = r.fire()
        before = CpuSnapshot(r.nodes, server.root, sink.process.pid)
        finished_seen, samples, stats, locks = None, [], None, []
        deadline = time.monotonic() + args.timeout
        next_db = 0.0
        while True:
            for n in r.nodes:
                n.check_running()
            stats = sink.stats()
            now = time.time()
            samples.append((now, stats["requests"]))
            if stats["requests"]:  # from the first request on: the claims' lock, sampled
                locks.append(claim_lock_sample(connection))
            if finished_seen is None and time.monotonic() >= next_db:
                next_db = time.monotonic() + 0.25
                firings, finished, _ = firing_state(connection)
                if firings and finished == firings:
                    finished_seen = now
            if stats["distinct"] >= args.messages:
                break
            if time.monotonic() > deadline:
                raise Failure(f"{k} node(s): {stats['distinct']} of {args.messages} messages reached the receiver "
                              f"in {args.timeout:.0f} s")
            time.sleep(0.1)
        after = CpuSnapshot(r.nodes, server.root, sink.process.pid)
        wal_after, _ = pg_counters(connection, r.database)
        load_after = loadavg()
        # Every message recorded delivered (the last results commit just after their answers).
        def recorded():
            with connection.cursor() as cursor:
                cursor.execute("SELECT state, count(*) FROM messages GROUP BY state")
                return dict(cursor.fetchall())
        states = wait_for(lambda: (lambda s: s if s.get("delivered", 0) == args.messages else None)(recorded()),
                          30, "every message recorded delivered", interval=0.1)
        if set(states) != {"delivered"}:
            raise Failure(f"{k} node(s): messages in states {states}")
        if finished_seen is None:
            def finished_now():
                firings, finished, _ = firing_state(connection)
                return time.time() if firings and finished == firings else None
            finished_seen = wait_for(finished_now, 60, "the firing's finished_at", interval=0.1)
        time.sleep(1.5)
        _, commits_after = pg_counters(connection, r.database)
        statements = server.top_statements(r.database) if server.statements else []
        connection.close()
        stats = sink.stats()
        if stats["unexpected"]:
            raise Failure(f"{k} node(s): {stats['unexpected']} unexpected request(s) at the receiver")
        per_node, unknown = r.by_node()
        chunks = r.chunks()
        r.finish()
    except BaseException:
        r.abandon()
        raise
    cpu = cpu_between(before, after)
    span = stats["last"] - stats["first"]
    result = {
        "k": k, "rate": args.messages / span, "span": span, "first": stats["first"] - due_real,
        "last": stats["last"] - due_real, "fanout": finished_seen - due_real, "requests": stats["requests"],
        "distinct": stats["distinct"], "per_node": per_node, "unknown": unknown, "chunks": chunks, "cpu": cpu,
        "load": (load_before, load_after),
        "wal": wal_after - wal_before, "commits": commits_after - commits_before, "statements": statements,
        "lock_held": sum(1 for h, _ in locks if h) / max(1, len(locks)),
        "lock_waiting": sum(w for _, w in locks) / max(1, len(locks)),
    }
    # Delivered after the fan-out finished, per second: the nodes' rate with nothing else to do.
    tail = [(t, c) for t, c in samples if t >= finished_seen]
    if len(tail) >= 2 and tail[-1][0] - tail[0][0] >= 0.5:
        result["tail_rate"] = (tail[-1][1] - tail[0][1]) / (tail[-1][0] - tail[0][0])
    else:
        result["tail_rate"] = None
    report_delivery_round(args, number, result)
    return result


def us(seconds, messages):
    return seconds / messages * 1e6


def lock_us(r, messages):
    """The claim lock's hold per message: held fraction x (first -> last request) / messages.
    Its inverse is what claims allow the whole database at that hold time."""
    return us(r["lock_held"] * r["span"], messages)


def report_delivery_round(args, number, r):
    n = args.messages
    c = r["cpu"]
    nodes_cpu = sum(c["nodes"])
    pg = "not measured" if c["pg"] is None else f"{us(c['pg'], n):.0f} µs"
    tail = f", after the fan-out {r['tail_rate']:,.0f}/s" if r["tail_rate"] else ""
    log(f"round {number}, {r['k']} node(s): {r['rate']:,.0f} messages/s "
        f"(first -> last request {r['span']:.2f} s{tail}); "
        f"from the due instant: first request {r['first'] * 1000:.0f} ms, fan-out finished {r['fanout']:.2f} s, "
        f"last request {r['last']:.2f} s")
    log(f"    CPU per message: nodes {us(nodes_cpu, n):.0f} µs (" +
        ", ".join(f"{us(x, n):.0f}" for x in c["nodes"]) + f"), PostgreSQL {pg}, receiver {us(c['sink'], n):.1f} µs, "
        f"this script {us(c['me'], n):.1f} µs; machine {c['cores_busy']:.2f} of {os.cpu_count()} cores busy over "
        f"{c['span']:.2f} s, others {c['others']:.2f} CPU-s, steal {c['steal']:.2f} cores; "
        f"load {r['load'][0]} -> {r['load'][1]}")
    log("    per node: messages sent " + ", ".join(str(x) for x in r["per_node"]) +
        (f" (+{r['unknown']} by no running node)" if r["unknown"] else "") +
        "; fan-out chunks " + ", ".join(str(x) for x in r["chunks"]) +
        f"; WAL {r['wal'] / n:,.0f} bytes and {r['commits'] / n:.3f} commits per message"
        f"; claim lock held in {r['lock_held'] * 100:.0f}% of samples ({lock_us(r, n):.0f} µs per message), "
        f"{r['lock_waiting']:.2f} session(s) waiting on average; "
        f"receiver: {r['requests']} requests, {r['distinct']} distinct ids" +
        (f" ({r['requests'] - r['distinct']} sent twice)" if r["requests"] != r["distinct"] else ""))
    report_statements(r["statements"], n, r["span"] * r["lock_held"])


def report_statements(statements, messages, lock_seconds=None):
    """--statements: where the server's time went (pg_stat_statements), and the claims."""
    if not statements:
        return
    log("    statements (pg_stat_statements, the 10 with most time): calls, rows, total ms, mean ms")
    for calls, rows, total, mean, query in statements[:10]:
        log(f"      {calls:>7} {rows:>8} {total:>9.0f} {mean:>8.3f}  {query[:110]}")
    claims = sum(c for c, _, _, _, q in statements if q.startswith("SELECT pg_advisory_xact_lock"))
    # The claim's "UPDATE messages SET state = 'sending', attempts = attempts + 1, ...", its
    # constants shown as parameters (pg_stat_statements normalises them).
    marks = re.compile(r"UPDATE messages SET state = (\$\d+|'sending'), attempts = attempts \+")
    marked = sum(rw for _, rw, _, _, q in statements if marks.match(q))
    marking = sum(c for c, _, _, _, q in statements if marks.match(q))
    if claims:
        hold = f", the claim lock held {lock_seconds / claims * 1000:.1f} ms per claim" if lock_seconds else ""
        log(f"    claims: {claims} ({marking} of them claimed anything, {marked / max(1, marking):.0f} messages "
            f"each{hold})")


def fanout_round(args, server, shared, sink, work, template, k, label):
    # The receiver never answers: each node parks its first requests (total_timeout 600 s) and
    # claims nothing more, so only the fan-out runs.
    r = Round(args, server, shared, work, template, label, k,
              "total_timeout_seconds = 600\nconnect_timeout_seconds = 60")
    try:
        r.start()
        connection = server.connect(r.uri)
        load_before = loadavg()
        wal_before, _ = pg_counters(connection, r.database)
        due_real = r.fire()
        before = CpuSnapshot(r.nodes, server.root, sink.process.pid)
        deadline = time.monotonic() + args.fanout_timeout
        started_seen = None
        while True:
            for n in r.nodes:
                n.check_running()
            firings, finished, _ = firing_state(connection)
            if firings and started_seen is None:
                started_seen = time.time()
            if firings and finished == firings:
                finished_seen = time.time()
                break
            if time.monotonic() > deadline:
                raise Failure(f"fan-out with {k} node(s) not finished in {args.fanout_timeout:.0f} s")
            time.sleep(0.25)
        after = CpuSnapshot(r.nodes, server.root, sink.process.pid)
        wal_after, _ = pg_counters(connection, r.database)
        load_after = loadavg()
        _, _, messages = firing_state(connection)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT endpoint_id) FROM messages")
            rows, endpoints = cursor.fetchone()
        connection.close()
        if not (messages == rows == endpoints == args.fanout):
            raise Failure(f"fan-out with {k} node(s): {messages} messages recorded by the firing, {rows} rows, "
                          f"{endpoints} endpoints; expected {args.fanout} each")
        chunks = r.chunks()
        logs = [n.log() for n in r.nodes]
        r.finish()
    except BaseException:
        r.abandon()
        raise
    cpu = cpu_between(before, after)
    took = finished_seen - due_real
    result = {"k": k, "took": took, "rate": args.fanout / took, "chunks": chunks, "cpu": cpu,
              "wal": wal_after - wal_before,
              "load": (load_before, load_after),
              "finished_by": [], "store_ms": None}
    for i, text in enumerate(logs):
        # "fan-out #N (on_time) finished: M message(s) in K chunk(s), T ms on the store thread":
        # K and T count the chunks this node ran.
        found = re.search(r"fan-out #\d+ \(on_time\) finished: .* (\d+) ms on the store thread", text)
        if found:
            result["finished_by"].append(i + 1)
            result["store_ms"] = int(found.group(1))
    n = args.fanout
    pg = "not measured" if cpu["pg"] is None else f"{us(cpu['pg'], n):.1f} µs"
    log(f"fan-out of {n} endpoints, {k} node(s): {took:.1f} s from the due instant to finished_at seen "
        f"({result['rate']:,.0f} messages/s); chunks per node " + ", ".join(str(c) for c in chunks) +
        "; finished by node " + ",".join(str(i) for i in result["finished_by"]) +
        f" (its store thread: {result['store_ms']} ms for its chunks)")
    log(f"    CPU per message: nodes {us(sum(cpu['nodes']), n):.1f} µs (" +
        ", ".join(f"{us(x, n):.1f}" for x in cpu["nodes"]) + f"), PostgreSQL {pg}; WAL {result['wal'] / n:,.0f} "
        f"bytes per message; machine {cpu['cores_busy']:.2f} of {os.cpu_count()} cores busy over "
        f"{cpu['span']:.1f} s, others {cpu['others']:.1f} CPU-s, steal {cpu['steal']:.2f} cores; "
        f"load {load_before} -> {load_after}")
    return result


# --- main ---------------------------------------------------------------------------------------

def result_line(name, value, unit, baseline, **extra):
    ratio = value / baseline if baseline else float("nan")
    log(f"RESULT name={name} value={value:.6g} unit={unit} baseline={baseline:.6g} ratio={ratio:.4g} "
        f"target=none met=n/a" + "".join(f" {k}={v}" for k, v in extra.items()))


def run(args, work):
    server = Server(args.postgresql, args.statements)
    sink = None
    try:
        log(f"nodes_bench: {args.build_dir}/daemon/deadlined; PostgreSQL {server.version} "
            f"({', '.join(f'{k}={v}' for k, v in server.settings.items())}); server CPU "
            f"{'measured (postmaster ' + str(server.root) + ')' if server.root else 'not measured'}; "
            f"{os.cpu_count()} CPUs, nothing pinned; load {loadavg()}; in {work}")
        shared = Shared(work)
        results, fanouts = {}, {}
        tag = "nb" + secrets.token_hex(4)
        if args.only != "fanout":
            sink = Sink(args.build_dir, args.ports)
            template = f"{tag}_d"
            took = make_template(server, args.build_dir, template, args.messages, sink.urls)
            log(f"template: {args.messages} subscribers with one webhook endpoint each on {len(sink.urls)} receiver "
                f"port(s), COPY + ANALYZE in {took:.1f} s")
            counts = args.nodes
            for number in range(args.rounds):
                order = counts[number % len(counts):] + counts[:number % len(counts)]
                for k in order:
                    results.setdefault(k, []).append(
                        delivery_round(args, server, shared, sink, work, template, k, number + 1))
            server.admin(f"DROP DATABASE IF EXISTS {template}")
            sink.close()
            sink = None
        if args.only != "delivery":
            sink = Sink(args.build_dir, 1, silent=True)
            template = f"{tag}_f"
            took = make_template(server, args.build_dir, template, args.fanout, sink.urls)
            log(f"template: {args.fanout} subscribers with one webhook endpoint each (to a receiver that never "
                f"answers), COPY + ANALYZE in {took:.1f} s")
            server.admin("CHECKPOINT")
            sides = [args.fanout_nodes] + ([1] if args.fanout_baseline and args.fanout_nodes != 1 else [])
            for k in sides:
                fanouts[k] = fanout_round(args, server, shared, sink, work, template, k, f"f{k}")
                server.admin("CHECKPOINT")
            server.admin(f"DROP DATABASE IF EXISTS {template}")
    finally:
        if sink:
            sink.close()
        server.stop()

    log()
    if results:
        base = statistics.median(r["rate"] for r in results[min(results)])
        log(f"{'nodes':>5} {'messages/s':>11} {'vs 1 node':>9} {'due->last':>9} {'fan-out':>8} "
            f"{'nodes µs/msg':>12} {'PG µs/msg':>9} {'recv µs':>7} {'claim lock':>10} {'lock µs':>7} "
            f"{'cores busy':>10} {'others CPU-s':>12}")
        for k in sorted(results):
            rs = results[k]
            n = args.messages
            med = lambda f: statistics.median(f(r) for r in rs)  # noqa: E731
            pg = "-" if rs[0]["cpu"]["pg"] is None else f"{med(lambda r: us(r['cpu']['pg'], n)):.0f}"
            log(f"{k:>5} {med(lambda r: r['rate']):>11,.0f} {med(lambda r: r['rate']) / base:>9.2f} "
                f"{med(lambda r: r['last']):>8.2f}s {med(lambda r: r['fanout']):>7.2f}s "
                f"{med(lambda r: us(sum(r['cpu']['nodes']), n)):>12.0f} {pg:>9} "
                f"{med(lambda r: us(r['cpu']['sink'], n)):>7.1f} {med(lambda r: r['lock_held']) * 100:>9.0f}% "
                f"{med(lambda r: lock_us(r, n)):>7.0f} "
                f"{med(lambda r: r['cpu']['cores_busy']):>10.2f} "
                f"{med(lambda r: r['cpu']['others']):>12.2f}")
        log(f"medians over {args.rounds} round(s) of {args.messages} messages; rates from the first to the last "
            "request at the receiver")
    if fanouts:
        for k in sorted(fanouts):
            f = fanouts[k]
            log(f"fan-out {args.fanout} endpoints, {k} node(s): {f['took']:.1f} s, {f['rate']:,.0f} messages/s, "
                f"chunks per node {f['chunks']}")
    for k in sorted(results):
        if k == min(results):
            continue
        rs = results[k]
        n = args.messages
        value = statistics.median(r["rate"] for r in rs)
        extra = {"nodes": k, "messages": n, "rounds": args.rounds,
                 "node_cpu_us": f"{statistics.median(us(sum(r['cpu']['nodes']), n) for r in rs):.0f}",
                 "cores_busy": f"{statistics.median(r['cpu']['cores_busy'] for r in rs):.2f}"}
        if rs[0]["cpu"]["pg"] is not None:
            extra["pg_cpu_us"] = f"{statistics.median(us(r['cpu']['pg'], n) for r in rs):.0f}"
        result_line(f"nodes{k}_delivery", value, "messages/s", base, **extra)
    if fanouts and args.fanout_nodes in fanouts:
        f = fanouts[args.fanout_nodes]
        base = fanouts[1]["rate"] if 1 in fanouts else float("nan")
        result_line(f"nodes{args.fanout_nodes}_fanout", f["rate"], "messages/s", base, nodes=args.fanout_nodes,
                    endpoints=args.fanout, seconds=f"{f['took']:.1f}",
                    chunks="/".join(str(c) for c in f["chunks"]))


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("build_dir")
    parser.add_argument("--postgresql")
    parser.add_argument("--messages", type=int)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--nodes", default="1,2,3")
    parser.add_argument("--ports", type=int, default=1)
    parser.add_argument("--fanout", type=int)
    parser.add_argument("--fanout-nodes", type=int, default=3)
    parser.add_argument("--no-fanout-baseline", dest="fanout_baseline", action="store_false")
    parser.add_argument("--only", choices=["delivery", "fanout"])
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--fanout-timeout", type=float, default=1800)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parse_node_args("nodes_bench", parser)
    defaults = dict(messages=5000, rounds=1, fanout=100_000) if args.quick else \
        dict(messages=20_000, rounds=3, fanout=1_000_000)
    run_bench("nodes_bench", args, defaults, ("daemon/deadlined", "daemon/deadlinectl", "bench/webhook_sink"),
              "ninja -C BUILD deadlined deadlinectl webhook_sink", run)


def parse_node_args(name, parser):
    """The arguments, with --nodes ("1,2,3") read as sorted distinct counts; exit 2 on a usage error."""
    try:
        args = parser.parse_args()
        args.nodes = sorted({int(x) for x in args.nodes.split(",")})
        if not args.nodes or min(args.nodes) < 1:
            raise ValueError("--nodes: counts of 1 or more")
        return args
    except (SystemExit, ValueError) as e:
        if isinstance(e, ValueError):
            print(f"{name}: {e}", file=sys.stderr)
        sys.exit(2)


def run_bench(name, args, defaults, binaries, how_to_build, run):
    """The node benchmarks' main after parsing: `defaults` for the arguments not given, BUILD_DIR
    checked for `binaries` (exit 2 naming `how_to_build`), then run(args, work) in a new work
    directory the server's user can read (exit 1 on a Failure)."""
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.build_dir = os.path.abspath(args.build_dir)
    for binary in binaries:
        if not os.access(os.path.join(args.build_dir, binary), os.X_OK):
            print(f"{name}: {args.build_dir}/{binary} is missing: {how_to_build}", file=sys.stderr)
            sys.exit(2)
    try:
        with tempfile.TemporaryDirectory(prefix=f"{name}.") as work:
            os.chmod(work, 0o755)
            run(args, work)
    except Failure as e:
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)

if __name__ == "__main__":
    main()
