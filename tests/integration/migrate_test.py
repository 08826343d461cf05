"""Moving a daemon's database from SQLite to PostgreSQL (issue "The store on PostgreSQL" §4): a
daemon started on the target behaves as it would have on the source — the same later reminders,
none repeated, links made before the move still work.

A daemon on SQLite sends a window's first reminder points to signed webhooks (one endpoint
failing, its message left to retry; one subscriber unsubscribed; one endpoint filtered out) and
stops. `deadlinectl migrate` copies the file to a new PostgreSQL database. A daemon on that
database, with the key ring and admin token carried over, is moved through the window's later
reminder points; then a control daemon on a copy of the SQLite file, taken before the move, is
moved through the same points. Both runs must send the same reminders to each endpoint, and
neither may send again what was delivered before the move. Needs the `pg` fixture's server
(DEADLINED_PG_DIR), whatever DEADLINED_TEST_BACKEND says: each daemon here names its backend.
Usage: /usr/bin/python3 migrate_test.py BUILD_DIR"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta

from harness import SHANGHAI, Daemon, calendar_toml, wait_for
from receiver import Receiver, event

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CALENDAR = calendar_toml([("apply", "2030-03-01T12:00", "2030-01-01")])
# The window's reminder points on the default menu (daemon_test.py's kill -9 test): two before
# the move, six after it.
DUE = {lead: datetime(*when, tzinfo=SHANGHAI) for lead, when in [
    ("open", (2030, 1, 1, 9)), ("30d", (2030, 1, 30, 9)), ("14d", (2030, 2, 15, 9)), ("7d", (2030, 2, 22, 9)),
    ("3d", (2030, 2, 26, 9)), ("1d", (2030, 2, 28, 9)), ("closing-day", (2030, 3, 1, 9)), ("2h", (2030, 3, 1, 10))]}
BEFORE = ["open", "30d"]
AFTER = ["14d", "7d", "3d", "1d", "closing-day", "2h"]
# A retry an hour (±20%) after a failure: the failing endpoint's 30d message is still waiting for
# it when the daemon stops, and its retry is due before the next point. Endpoints failing across
# the clock's jumps stay enabled.
DELIVERY = "retry_delays_seconds = [3600, 3600]\ndisable_after_hours = 8760"
# One subscriber per endpoint, ids 1–6 in this order: (path, deadlinectl endpoints add options).
ENDPOINTS = [
    ("/all", []),                                               # every lead of the menu
    ("/some", ["--lead", "30d", "--lead", "7d", "--lead", "1d"]),
    ("/flaky", ["--lead", "30d", "--lead", "3d"]),              # answers 500 until the move
    ("/leaver", []),                                            # unsubscribes by link after the move
    ("/gone", []),                                              # unsubscribed between open and 30d
    ("/other", ["--role", "推荐单位"]),                          # filtered out (the window is 企业's)
]
SUBSCRIBER = {path: number for number, (path, _) in enumerate(ENDPOINTS, start=1)}
# What a daemon that never moved sends after the move: the flaky endpoint's 30d retried (the
# message made before the move, same webhook-id), then each later point to whoever chose it.
EXPECTED_AFTER = {"/all": AFTER, "/some": ["7d", "1d"], "/flaky": ["30d", "3d"]}


def link_token(keys_file, purpose, subscriber, generation):
    """A link token as deadlined makes it (lib/subscription/tokens.h), from the key file's last
    key: what a link in a mail sent before the move carries."""
    with open(keys_file) as f:
        lines = [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]
    key_id, key = lines[-1].split(":", 1)
    header = bytes([1, int(key_id)]) + subscriber.to_bytes(8, "big", signed=True) + generation.to_bytes(8, "big", signed=True)
    mac = hmac.new(base64.b64decode(key), b"deadlined-token-v1\0" + purpose.encode() + b"\0" + header,
                   hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(header + mac).rstrip(b"=").decode()


def http(d, method, path):
    request = urllib.request.Request(f"http://127.0.0.1:{d.port}{path}", method=method,
                                     data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def reminders_by_path(requests):
    """Per endpoint path, the reminders of the answered (2xx) requests in the order they came:
    each reminder whole (lead, days left, programme and window) and the event's type, not its
    id or time."""
    told = {}
    for r in requests:
        if 200 <= r["status"] < 300:
            body = event(r)
            told.setdefault(r["path"], []).append(
                {"type": body["type"], "reminders": body["reminders"], "changes": body.get("changes", [])})
    return told


def leads_by_path(told):
    return {path: [rem["lead"] for e in events for rem in e["reminders"]] for path, events in told.items()}


class MovedToPostgres(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.phase = "before"
        self.receiver = Receiver(SECRET, lambda n, r: 500 if self.phase == "before" and r["path"] == "/flaky" else 200)
        self.addCleanup(self.receiver.close)

    def daemon(self, backend, **kwargs):
        d = Daemon(BUILD_DIR, delivery=DELIVERY, backend=backend, **kwargs)
        self.addCleanup(d.close)
        return d

    # --- waiting on the daemon's database ---------------------------------------------------
    @staticmethod
    def settled(d, lead):
        """`lead` fired, its fan-out finished and nothing is being sent (a failed message waits
        in 'retry')."""
        return (d.sql("SELECT count(*) FROM triggers WHERE lead = ?", lead)[0][0] == 1
                and d.sql("SELECT count(*) FROM firings WHERE finished_at IS NULL")[0][0] == 0
                and d.sql("SELECT count(*) FROM messages WHERE state IN ('pending', 'sending')")[0][0] == 0)

    @staticmethod
    def wait(d, predicate, what):
        """wait_for, and on a timeout the daemon's last log lines."""
        try:
            return wait_for(predicate, 20, what)
        except AssertionError as e:
            raise AssertionError(f"{e}; the daemon's log ends:\n" + "\n".join(d.log().splitlines()[-15:])) from None

    def through(self, d, lead):
        d.set_clock(DUE[lead])  # due now: fired on the next pass (on time: up to 5 min late)
        self.wait(d, lambda: self.settled(d, lead), f"the {lead} reminders to be sent")

    @staticmethod
    def endpoint_messages(d, path):
        return d.sql("SELECT m.state, m.attempts FROM messages m JOIN endpoints e ON e.id = m.endpoint_id "
                     "WHERE e.address LIKE ? ORDER BY m.due_at", "%" + path)

    def outcome(self, d):
        """What the daemon's database says it did, without random ids and wall-clock times."""
        return {
            "triggers": sorted(d.sql("SELECT key, lead, outcome, messages FROM triggers")),
            "deliveries": sorted(d.sql("SELECT endpoint_id, trigger_key, superseded FROM deliveries")),
            "messages": sorted(d.sql("SELECT endpoint_id, due_at, state, attempts FROM messages")),
            "subscribers": sorted(d.sql("SELECT id, state, token_generation FROM subscribers")),
            "endpoints": sorted(d.sql("SELECT id, state FROM endpoints")),
        }

    # --- the two halves -----------------------------------------------------------------------
    def run_after_the_move(self, d, unsubscribe_path, manage_token, name):
        """The same steps for the migrated daemon and the control: start where the source stopped,
        follow a link made before the move, let the failed message's retry come, then every later
        reminder point. Returns the requests the receiver got meanwhile."""
        first = len(self.receiver.snapshot())
        d.set_clock(DUE["30d"] + timedelta(minutes=1))
        d.start()
        self.assertIn(f"; database {d.db};", d.log())
        # Links made before the move: the manage API shows the subscription, the unsubscribe link
        # works (a daemon with another key ring answers 404 to both).
        status, body = http(d, "GET", f"/api/v1/manage/{manage_token}")
        self.assertEqual(status, 200, f"{name}: a manage link made before the move: {body}")
        self.assertEqual(json.loads(body)["email"], "leaver@example.cn")
        status, body = http(d, "POST", unsubscribe_path)
        self.assertEqual(status, 200, f"{name}: an unsubscribe link made before the move: {body[:300]}")
        self.assertEqual(d.sql("SELECT state FROM subscribers WHERE id = ?", SUBSCRIBER["/leaver"]),
                         [("unsubscribed",)], name)
        # Two hours on: the retry of the message that failed before the move is due, and succeeds.
        d.set_clock(DUE["30d"] + timedelta(hours=2))
        self.wait(d, lambda: self.endpoint_messages(d, "/flaky") == [("delivered", 2)],
                  f"{name}: the failed 30d message's retry")
        for lead in AFTER:
            self.through(d, lead)
        self.assertEqual(d.stop(), 0)
        return self.receiver.snapshot()[first:]

    def test_a_daemon_on_the_migrated_database_sends_what_the_sqlite_one_would_have(self):
        started = time.monotonic()
        source = self.daemon("sqlite", calendars_text=CALENDAR)
        for path, options in ENDPOINTS:
            name = path.strip("/")
            added = source.ctl("subscribers", "add", f"{name}@example.cn")
            self.assertEqual(added.returncode, 0, added.stderr)
            added = source.ctl("endpoints", "add", "--subscriber", str(SUBSCRIBER[path]), "--kind", "webhook",
                               "--address", self.receiver.url.replace("/hook", path), "--secret", SECRET, *options)
            self.assertEqual(added.returncode, 0, added.stderr)

        # 1. Before the move, on SQLite: "open" and "30d"; /gone unsubscribes between them; the
        # 30d message to /flaky fails once and waits for its retry.
        source.set_clock(DUE["open"] - timedelta(hours=1))
        source.start()
        self.through(source, "open")
        gone = source.ctl("subscribers", "unsubscribe", str(SUBSCRIBER["/gone"]))
        self.assertEqual(gone.returncode, 0, gone.stderr)
        # A link as a mail would carry it: the manage token made with the daemon's key ring, and
        # the unsubscribe link the daemon itself gives for it.
        generation = source.sql("SELECT token_generation FROM subscribers WHERE id = ?", SUBSCRIBER["/leaver"])[0][0]
        manage_token = link_token(source.token_keys_file, "manage", SUBSCRIBER["/leaver"], generation)
        status, body = http(source, "GET", f"/api/v1/manage/{manage_token}")
        self.assertEqual(status, 200, body)
        unsubscribe_path = "/unsubscribe/" + json.loads(body)["unsubscribe"].rsplit("/unsubscribe/", 1)[1]
        self.through(source, "30d")
        self.assertEqual(self.endpoint_messages(source, "/flaky"), [("retry", 1)])
        self.assertEqual(source.stop(), 0)
        before = self.receiver.snapshot()
        self.assertEqual(leads_by_path(reminders_by_path(before)), {
            "/all": BEFORE, "/some": ["30d"], "/leaver": BEFORE, "/gone": ["open"]})
        self.assertEqual([r["status"] for r in before if r["path"] == "/flaky"], [500])
        self.assertTrue(all(r["valid"] for r in before), "a webhook whose signature does not verify")

        # The control: a copy of the stopped daemon's file, with its key ring and admin token.
        control = self.daemon("sqlite", calendars_dir=source.calendars)
        with sqlite3.connect(source.db) as original, sqlite3.connect(control.db) as copy:
            original.backup(copy)
        for secret in ("token_keys_file", "admin_token_file"):
            shutil.copy2(getattr(source, secret), getattr(control, secret))

        # 2. The move: a new PostgreSQL database (the daemon's, created empty), every table copied.
        moved = self.daemon("postgresql", calendars_dir=source.calendars)
        migrate = subprocess.run([os.path.join(BUILD_DIR, "daemon", "deadlinectl"), "migrate",
                                  "--from", source.db, "--to", moved.db],
                                 capture_output=True, text=True, timeout=60, cwd=moved.dir)
        print(migrate.stdout, end="", file=sys.stderr)
        self.assertEqual(migrate.returncode, 0, migrate.stderr)
        counts = {table: int(rows) for table, rows in re.findall(r"^  ([a-z_]+) +(\d+)$", migrate.stdout, re.M)}
        self.assertEqual(len(counts), 19, migrate.stdout)
        for table, rows in counts.items():
            self.assertEqual(rows, source.sql(f"SELECT count(*) FROM {table}")[0][0], f"{table}: the source's rows")
            self.assertEqual(rows, moved.sql(f"SELECT count(*) FROM {table}")[0][0], f"{table}: the target's rows")
        for table, expected in [("subscribers", 6), ("endpoints", 6), ("endpoint_leads", 5), ("endpoint_filters", 1),
                                ("triggers", 2), ("firings", 2), ("messages", 7), ("deliveries", 7),
                                ("scheduler_state", 1)]:
            self.assertEqual(counts[table], expected, f"{table} in the move's output")
        total = re.search(r"^  \(all\) +(\d+) rows in [\d.]+ s$", migrate.stdout, re.M)
        self.assertIsNotNone(total, migrate.stdout)
        self.assertEqual(int(total.group(1)), sum(counts.values()))
        self.assertRegex(migrate.stdout, re.compile(r"^checksum sha256:[0-9a-f]{64} \(source and target alike\)$", re.M))
        self.assertIn("token key ring", migrate.stdout)
        # What the output says to carry (docs/operations.md, "Moving a database"): the key ring and
        # the admin token, to where the daemon on a server database looks for them (./var).
        os.makedirs(moved.secrets_dir, exist_ok=True)
        for secret in ("token_keys_file", "admin_token_file"):
            shutil.copy2(getattr(source, secret), getattr(moved, secret))
        self.assertEqual(self.outcome(moved), self.outcome(control), "the move changed what the database says")

        # 3. The later points: on PostgreSQL, then the control on SQLite through the same steps.
        self.phase = "after"
        after_move = self.run_after_the_move(moved, unsubscribe_path, manage_token, "on PostgreSQL")
        stayed = self.run_after_the_move(control, unsubscribe_path, manage_token, "on SQLite")

        # 4. Nothing delivered before the move comes again, on either side: the only id seen both
        # before and after is the message that failed before it, retried (Standard Webhooks: the
        # same id on every attempt), and no endpoint is told of a reminder point twice.
        told_moved, told_stayed = reminders_by_path(after_move), reminders_by_path(stayed)
        for path in sorted(set(told_moved) | set(told_stayed)):
            print(f"  {path}: after the move {leads_by_path(told_moved).get(path, [])}, "
                  f"control {leads_by_path(told_stayed).get(path, [])}", file=sys.stderr)
        delivered_before = {r["headers"]["webhook-id"] for r in before if r["status"] == 200}
        failed_before = {r["headers"]["webhook-id"] for r in before if r["status"] != 200}
        for name, requests in (("on PostgreSQL", after_move), ("on SQLite", stayed)):
            ids = [r["headers"]["webhook-id"] for r in requests]
            self.assertEqual(set(ids) & delivered_before, set(), f"{name}: a message delivered before the move, again")
            self.assertEqual(len(ids), len(set(ids)), f"{name}: a message sent twice after the move")
            self.assertEqual({i for i in ids if i in failed_before}, failed_before,
                             f"{name}: the message that failed before the move was not retried with its id")
            for path, events in reminders_by_path(before + requests).items():
                seen = Counter((rem["lead"], rem["window"]["id"]) for e in events for rem in e["reminders"])
                self.assertEqual([point for point, n in seen.items() if n > 1], [],
                                 f"{name}: {path} told of a reminder point twice")
            self.assertEqual(Counter(r["status"] for r in requests), Counter({200: len(requests)}), name)
            self.assertTrue(all(r["valid"] for r in requests), f"{name}: a webhook whose signature does not verify")
        # The same later reminders to each endpoint: the control does what the calendar and the
        # endpoints' choices say, and the migrated daemon what the control does, event for event.
        self.assertEqual(leads_by_path(told_stayed), EXPECTED_AFTER, "the control did not do what it should")
        self.assertEqual(leads_by_path(told_moved), leads_by_path(told_stayed),
                         "the migrated daemon's reminders differ from the control's")
        self.assertEqual(told_moved, told_stayed, "the migrated daemon's events differ from the control's")
        self.assertEqual(self.outcome(moved), self.outcome(control), "the databases disagree after the later points")
        self.assertTrue(all(outcome == "fired" for _, _, outcome, _ in self.outcome(moved)["triggers"]))
        print(f"  {len(before)} webhook(s) before the move, {len(after_move)} after it on PostgreSQL "
              f"(control on SQLite: {len(stayed)}); {time.monotonic() - started:.1f} s", file=sys.stderr)

if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
