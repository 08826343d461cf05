"""The daemon's clock jumps: forward 2 h and back 2 h while it runs, and 3 days of downtime.

Issue 11, "time": a reminder point is handled once ever (the triggers table's key), and the
scheduler's cursor never moves back, so a wall-clock jump neither loses a point nor fires one
twice. How a point is labelled (lib/firing/scheduler_pass.h, docs/configuration.md
"late_after_seconds"): a pass at `now` takes the points due in (cursor, now];
  - its window already closed          -> 'missed', nothing sent;
  - due more than late_after (300 s) ago -> 'late': one batch, one reminder per endpoint and
                                          window (the window's latest late point), one message
                                          per endpoint for the whole batch;
  - otherwise                          -> 'fired', one message per endpoint per due instant.
The points below are placed so each case is unambiguous (minutes from the 300 s border), and
the tests assert the exact rows of triggers and deliveries and exactly what the receiver got.

The daemon's clock is the harness's offset file, replaced in one step while the daemon runs
(it rereads it at every pass; replan_seconds = 1 makes a pass at least every second). Its database
is a SQLite file, or PostgreSQL with DEADLINED_TEST_BACKEND=postgresql
(tests/integration/test_database.py); every read and write goes through the harness.

Two nodes (issue 24, DEADLINED_CLOCK_NODES=2, PostgreSQL only; CTest's reliability.clock_two_nodes):
the same tests with two daemons on one database, each with its own clock-offset file, the second
node's clock always SKEW = 1 s ahead of the first's. Both run the scheduler on the database's one
cursor; every assertion is unchanged: each point recorded once, by whichever node got there first,
one message per endpoint per request, each delivered once. The jumps and the downtime move both
clocks together (the second keeps its 1 s lead); both nodes stop and start together.

Short form (default, CI): 2 webhook endpoints, quiet periods of 3 replan periods. Long form
(DEADLINED_RELIABILITY=long): 200 endpoints, quiet periods of 10 replan periods.
Usage: /usr/bin/python3 clock_test.py BUILD_DIR
"""

import json
import os
import sys
import time
import unittest
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402
from receiver import Receiver  # noqa: E402
from test_database import BACKEND  # noqa: E402

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LONG = os.environ.get("DEADLINED_RELIABILITY") == "long"
ENDPOINTS = 200 if LONG else 2
QUIET = 10 if LONG else 3          # seconds (replan periods) to wait for something that must not happen
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
NODES = int(os.environ.get("DEADLINED_CLOCK_NODES", "1"))
SKEW = 1                           # seconds each further node's clock runs ahead of the one before


def local(*fields):
    return datetime(*fields, tzinfo=SHANGHAI)


def ts(when):
    return int(when.timestamp())


def window_id(key):
    return f"it-programme/{key}/2029"  # harness.calendar_toml: programme it-programme, cycle 2029


def set_clock(d, when):
    d.set_offset(round(when.timestamp() - time.time()))


def move_clock(d, by):
    d.set_offset(d.offset + by.total_seconds())


class Nodes:
    """NODES daemons on one database and calendar (the first creates the database and the link
    keys; the others use them), each reading its own clock-offset file: node i's clock is
    i * SKEW seconds ahead of the first's. One node is the ordinary single-daemon case."""

    def __init__(self, windows, leads):
        first = Daemon(BUILD_DIR, calendars_text=calendar_toml(windows))
        self.nodes = [first] + [Daemon(BUILD_DIR, calendars_dir=first.calendars, database=first.database,
                                       secrets_dir=first.secrets_dir) for _ in range(1, NODES)]
        for d in self.nodes:
            with open(d.config) as f:
                config = f.read()
            with open(d.config, "w") as f:
                f.write(config.replace("replan_seconds = 1\n", f"replan_seconds = 1\nleads = {json.dumps(leads)}\n"))
        self.database = first.database
        self.offset = 0

    def set_offset(self, seconds):
        """Replaces each node's clock offset file in one step: a daemon never reads a half-written one."""
        self.offset = int(seconds)
        for i, d in enumerate(self.nodes):
            temporary = d.clock_file + ".new"
            with open(temporary, "w") as f:
                f.write(str(self.offset + i * SKEW))
            os.replace(temporary, d.clock_file)

    def start(self):
        for d in self.nodes:
            d.start()
        # A new database's cursor starts at the first daemon's start: points due before it never fire.
        wait_for(lambda: all(d.get("/healthz")[1]["scheduler"]["passes"] >= 1 for d in self.nodes), 10,
                 "every node's first pass")

    def stop(self):
        """Stops every node; the exit codes that are not 0 (none: [])."""
        codes = [d.stop() for d in self.nodes]
        return [c for c in codes if c != 0]

    def close(self):
        for d in reversed(self.nodes):  # the first owns the database: dropped last
            d.close()

    def sql(self, query, *args):
        return self.database.sql(query, *args)

    def ctl(self, *args):
        return self.nodes[0].ctl(*args)

    def passes_that_recorded(self):
        """Per node, how many of its scheduler passes recorded triggers (the log line a pass
        writes when it fired, batched or missed any; a pass that found them all recorded by the
        other node writes none)."""
        return [d.log().count("trigger(s) on time") for d in self.nodes]


class ClockCase(unittest.TestCase):
    def start(self, windows, leads, clock):
        """The daemon (NODES of them) on a one-programme calendar with the lead menu `leads`, its
        clock at `clock`, and ENDPOINTS webhook endpoints at receiver paths /hook/1.. choosing
        every lead."""
        self.receiver = Receiver(SECRET)
        self.addCleanup(self.receiver.close)
        self.d = Nodes(windows, leads)
        self.addCleanup(self.d.close)
        self.d.ctl("outbox")  # creates and migrates the database
        self.d.database.executemany([
            ("INSERT INTO subscribers (id, email, email_hash, state, created_at) VALUES (?, ?, ?, 'active', 0)",
             [(i, f"user{i}@example.cn", f"hash{i}") for i in range(1, ENDPOINTS + 1)]),
            ("INSERT INTO endpoints (id, subscriber_id, kind, address, secret, created_at) "
             "VALUES (?, ?, 'webhook', ?, ?, 0)",
             [(i, i, f"{self.receiver.url}/{i}", SECRET) for i in range(1, ENDPOINTS + 1)])])
        self.d.database.after_explicit_ids()  # PostgreSQL's identity sequences past the ids given here
        set_clock(self.d, clock)
        self.d.start()
        return self.d

    # --- what the daemon recorded and what arrived -------------------------------------------------
    def triggers(self):
        """(window key, lead, due_at, outcome, messages), in due order (ties by window id and lead,
        sorted here: a PostgreSQL database's collation need not be SQLite's byte order)."""
        rows = self.d.sql("SELECT window_id, lead, due_at, outcome, messages FROM triggers")
        return [(w.split("/")[1], lead, due, outcome, n) for w, lead, due, outcome, n in
                sorted(rows, key=lambda row: (row[2], row[0], row[1]))]

    def wait_triggers(self, count, what):
        """Waits for `count` trigger rows whose fan-outs have finished: a trigger is recorded
        with its firing, and its messages count grows chunk by chunk after that."""
        wait_for(lambda: len(self.triggers()) == count and
                 self.d.sql("SELECT count(*) FROM firings WHERE finished_at IS NULL")[0][0] == 0, 10, what)

    def deliveries(self):
        """message id -> sorted [(window key, lead)] for every message."""
        made = {}
        for message, w, lead in self.d.sql("SELECT message_id, window_id, lead FROM deliveries"):
            made.setdefault(message, []).append((w.split("/")[1], lead))
        return {m: sorted(items) for m, items in made.items()}

    def arrivals(self):
        """endpoint number -> its requests, each as sorted [(window key, lead)], sorted (two
        messages pending together may go out in either order)."""
        got = {}
        for r in self.receiver.snapshot():
            self.assertTrue(r["valid"], "a signature did not verify")
            body = json.loads(r["body"])
            self.assertEqual(body["id"], r["headers"]["webhook-id"])
            got.setdefault(int(r["path"].rsplit("/", 1)[1]), []).append(
                sorted((x["window"]["id"].split("/")[1], x["lead"]) for x in body["reminders"]))
        return {e: sorted(requests) for e, requests in got.items()}

    def wait_delivered(self, messages):
        wait_for(lambda: self.d.sql("SELECT count(*) FROM messages WHERE state = 'delivered'")[0][0] == messages, 20,
                 f"{messages} messages delivered")

    def assert_each_endpoint_got(self, requests):
        """Every endpoint got exactly `requests` (a list of its requests' reminders), each once,
        and the database made exactly those messages, each delivered on its first attempt."""
        self.assertEqual(self.arrivals(), {e: sorted(requests) for e in range(1, ENDPOINTS + 1)})
        ids = [r["headers"]["webhook-id"] for r in self.receiver.snapshot()]
        self.assertEqual(len(ids), len(set(ids)), "a message arrived twice")
        self.assertEqual(sorted(self.deliveries().values()), sorted(requests * ENDPOINTS))
        self.assertEqual(set(self.deliveries()), set(ids))
        self.assertEqual(self.d.sql("SELECT DISTINCT state, attempts FROM messages"), [("delivered", 1)])

    def assert_quiet(self, what):
        """Nothing recorded, sent or changed for QUIET seconds."""
        before = (self.d.sql("SELECT * FROM triggers ORDER BY key"), self.d.sql("SELECT * FROM messages ORDER BY id"),
                  len(self.receiver.snapshot()))
        time.sleep(QUIET)
        after = (self.d.sql("SELECT * FROM triggers ORDER BY key"), self.d.sql("SELECT * FROM messages ORDER BY id"),
                 len(self.receiver.snapshot()))
        self.assertEqual(after[0], before[0], f"{what}: the triggers table changed")
        self.assertEqual(after[1], before[1], f"{what}: the messages table changed")
        self.assertEqual(after[2], before[2], f"{what}: the receiver got more requests")


class ClockJumpsWhileRunning(ClockCase):
    """One lead, "1h", and four windows with timed closes; the clock starts at 08:00 and jumps to
    10:00 (+2 h), then back to 08:00 (-2 h), then walks forward again."""
    START = local(2030, 1, 1, 8, 0)
    WINDOWS = [("a", "2030-01-01T09:30", None),   # 1h at 08:30; closes 09:30, inside the skipped 2 h
               ("b", "2030-01-01T10:15", None),   # 1h at 09:15: 45 min before the jump's end: late
               ("c", "2030-01-01T10:59", None),   # 1h at 09:59: ~1 min before it: on time
               ("d", "2030-01-01T11:30", None)]   # 1h at 10:30: after the jump
    DUE = {key: local(2030, 1, 1, *hm) for key, hm in [("a", (8, 30)), ("b", (9, 15)), ("c", (9, 59)), ("d", (10, 30))]}

    def test_forward_2h_fires_each_skipped_point_once_and_back_2h_fires_nothing_again(self):
        d = self.start(self.WINDOWS, ["1h"], self.START)
        self.assertEqual(self.triggers(), [])

        # (a) +2 h: the three points of the skipped 2 h, each recorded once, labelled by how late
        # the pass found it; only the two open windows send, one message each (late batch; on time).
        move_clock(d, 2 * HOUR)
        self.wait_triggers(3, "the points of the skipped 2 hours")
        after_jump = [("a", "1h", ts(self.DUE["a"]), "missed", 0), ("b", "1h", ts(self.DUE["b"]), "late", ENDPOINTS),
                      ("c", "1h", ts(self.DUE["c"]), "fired", ENDPOINTS)]
        self.assertEqual(self.triggers(), after_jump)
        self.wait_delivered(2 * ENDPOINTS)
        self.assert_each_endpoint_got([[("b", "1h")], [("c", "1h")]])
        self.assert_quiet("after +2 h")

        # (b) -2 h: the clock is behind the cursor; nothing fires, nothing is sent again ...
        move_clock(d, -2 * HOUR)
        self.assert_quiet("after -2 h")
        # ... not even when the clock walks past the points it already handled ...
        for key in ("b", "c"):
            set_clock(d, self.DUE[key] - timedelta(seconds=2))
            self.assert_quiet(f"walking past {key}'s point again")
        self.assertEqual(self.triggers(), after_jump)
        # ... and the point after the cursor still fires, once, when the clock reaches it.
        set_clock(d, self.DUE["d"] - timedelta(seconds=2))
        self.wait_triggers(4, "d's point")
        self.assertEqual(self.triggers(), after_jump + [("d", "1h", ts(self.DUE["d"]), "fired", ENDPOINTS)])
        self.wait_delivered(3 * ENDPOINTS)
        self.assert_each_endpoint_got([[("b", "1h")], [("c", "1h")], [("d", "1h")]])
        self.assert_quiet("after d's point")
        print(f"\n{NODES} node(s): passes that recorded triggers, by node: {d.passes_that_recorded()}", flush=True)
        self.assertEqual(d.stop(), [])


class CatchesUpAfterThreeDaysDown(ClockCase):
    """Leads 5d, 3d, 1d, closing-day, 2h (send time 09:00); down from 2030-01-01 08:00 to
    2030-01-04 08:00. Points before the first start never fire (the cursor starts there)."""
    START = local(2030, 1, 1, 8, 0)
    LEADS = ["5d", "3d", "1d", "closing-day", "2h"]
    WINDOWS = [("long", "2030-01-06T17:00", None),    # open: 5d Jan 1, 3d Jan 3 passed; 1d Jan 5 ahead
               ("mid", "2030-01-04T24:00", None),     # open: 3d Jan 1, 1d Jan 3 passed; closing-day Jan 4 09:00 ahead
               ("short", "2030-01-02T17:00", None)]   # closed Jan 2: 1d, closing-day, 2h passed

    def test_one_late_reminder_per_open_window_and_missed_for_the_closed_one(self):
        d = self.start(self.WINDOWS, self.LEADS, self.START)
        self.assertEqual(d.stop(), [])
        move_clock(d, 3 * DAY)
        d.start()
        self.wait_triggers(7, "the catch-up pass")
        at = lambda day, hour: ts(local(2030, 1, day, hour, 0))  # noqa: E731
        self.assertEqual(self.triggers(), [
            ("long", "5d", at(1, 9), "late", 0),            # superseded by long's newer late point
            ("mid", "3d", at(1, 9), "late", 0),             # superseded by mid's 1d
            ("short", "1d", at(1, 9), "missed", 0),
            ("short", "closing-day", at(2, 9), "missed", 0),
            ("short", "2h", at(2, 15), "missed", 0),
            ("long", "3d", at(3, 9), "late", ENDPOINTS),
            ("mid", "1d", at(3, 9), "late", ENDPOINTS)])
        self.wait_delivered(ENDPOINTS)
        # One message per endpoint: the late batch, one reminder per open window, its newest point.
        self.assert_each_endpoint_got([[("long", "3d"), ("mid", "1d")]])
        self.assert_quiet("after the catch-up")

        # The points still ahead are untouched: mid's closing-day reminder fires on time.
        set_clock(d, local(2030, 1, 4, 9, 0) - timedelta(seconds=2))
        self.wait_triggers(8, "mid's closing-day point")
        self.assertEqual(self.triggers()[-1], ("mid", "closing-day", at(4, 9), "fired", ENDPOINTS))
        self.wait_delivered(2 * ENDPOINTS)
        self.assert_each_endpoint_got([[("long", "3d"), ("mid", "1d")], [("mid", "closing-day")]])
        print(f"\n{NODES} node(s): passes that recorded triggers, by node: {d.passes_that_recorded()}", flush=True)
        self.assertEqual(d.stop(), [])


if __name__ == "__main__":
    if NODES > 1 and BACKEND != "postgresql":
        sys.exit("DEADLINED_CLOCK_NODES > 1 needs DEADLINED_TEST_BACKEND=postgresql: nodes share a PostgreSQL database")
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
