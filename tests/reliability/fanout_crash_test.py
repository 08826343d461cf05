"""kill -9 in the middle of a large fan-out, several times; after the last restart every endpoint
has exactly one message for the firing.

Issue "Delivery at scale" §1: a fan-out is a firing, recorded first with the highest endpoint id it
covers; chunks of endpoints then add its messages in id order, each chunk one transaction that
also records how far the firing got; a crash resumes after the last committed chunk and never
doubles a message (messages are unique on firing and endpoint).

The real deadlined on its real database (a SQLite file, or PostgreSQL with
DEADLINED_TEST_BACKEND=postgresql: tests/integration/test_database.py): ENDPOINTS active
subscribers with one email endpoint each (harness.add_endpoints), and a calendar whose one
window's "open" reminder is due at DUE. The SMTP relay is a listening socket that never answers,
and [delivery] max_in_flight is 1: delivery stays out of the way (one transfer hangs), so the store
thread's work is the fan-out.

Rounds (a seeded RNG, DEADLINED_RELIABILITY_SEED replays the choices, not the machine's timing):
the first start has the clock one second before DUE; each round picks a share of the endpoints,
watches the database through a reader of its own (on SQLite, a WAL reader) until the firing's
done_through passes that share, and kills -9. After each kill: PRAGMA integrity_check is ok
(SQLite); the trigger and its firing are recorded once; the firing's messages are exactly one per
endpoint up to done_through, none beyond it (partial counts printed). The next start resumes the
firing (its log says from where). At least one kill must have landed mid-fan-out. After the last
kill the daemon runs the fan-out to its end and stops cleanly: every endpoint has exactly one
message for the firing.

Short form (default, CI): 100,000 endpoints, 3 kills. Long form (DEADLINED_RELIABILITY=long, in
scripts/reliability-long.sh): 1,000,000 endpoints, 6 kills.
Usage: /usr/bin/python3 fanout_crash_test.py BUILD_DIR
"""

import os
import random
import socket
import sqlite3
import sys
import time
import unittest
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import BACKEND, SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402

BUILD_DIR = None
LONG = os.environ.get("DEADLINED_RELIABILITY") == "long"
ENDPOINTS = 1_000_000 if LONG else 100_000
KILLS = 6 if LONG else 3

# calendar_toml's one window opens 2030-01-01 (a date): its "open" reminder is due at send_time.
DUE = datetime(2030, 1, 1, 9, 0, tzinfo=SHANGHAI)
TRIGGER_KEY = "it-programme/apply/2029|open|2030-03-01T04:00:00Z"
# A read the watcher may retry: on SQLite, a checkpoint can hold the file's lock for a moment
# (sqlite3 is imported for this class only; every read goes through the harness). PostgreSQL's
# readers never wait for the writer: nothing to retry there.
BUSY = (sqlite3.OperationalError,) if BACKEND == "sqlite" else ()


def log(text):
    print(text, file=sys.stderr, flush=True)


class FanoutSurvivesKill9(unittest.TestCase):
    def setUp(self):
        self.seed = int(os.environ.get("DEADLINED_RELIABILITY_SEED", random.SystemRandom().randrange(1 << 30)))
        self.rng = random.Random(self.seed)
        # An SMTP relay that accepts connections (the kernel's backlog) and never says a word.
        self.silent_relay = socket.socket()
        self.silent_relay.bind(("127.0.0.1", 0))
        self.silent_relay.listen(64)
        self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-03-01T12:00", "2030-01-01")]),
                        delivery="max_in_flight = 1\ndisable_after_hours = 8760",
                        extra_config=f'[email]\nrelay = "smtp://127.0.0.1:{self.silent_relay.getsockname()[1]}"\n')

    def tearDown(self):
        self.d.close()
        self.silent_relay.close()

    # --- the database, read beside the daemon ------------------------------------------------
    def firing(self):
        """(id, done_through, last_endpoint_id, finished) of the reminder point's firing, or None."""
        rows = self.d.sql("SELECT f.id, f.done_through, f.last_endpoint_id, f.finished_at IS NOT NULL "
                          "FROM firings f JOIN firing_triggers t ON t.firing_id = f.id WHERE t.key = ?", TRIGGER_KEY)
        self.assertLessEqual(len(rows), 1, "the reminder point has more than one firing")
        return rows[0] if rows else None

    def messages(self, firing_id):
        """(messages, distinct endpoints, endpoints beyond done_through) of the firing. (CASE:
        PostgreSQL does not sum booleans; sum of bigint is a Decimal there, equal to the int.)"""
        return self.d.sql("SELECT count(*), count(DISTINCT m.endpoint_id), "
                          "coalesce(sum(CASE WHEN m.endpoint_id > f.done_through THEN 1 ELSE 0 END), 0) "
                          "FROM messages m JOIN firings f ON f.id = m.firing_id WHERE f.id = ?", firing_id)[0]

    def wait_until_share(self, share):
        """Polls until the firing has covered `share` of the endpoints (or finished)."""
        target = int(share * ENDPOINTS)

        def covered():
            try:
                row = self.firing()
            except BUSY:  # SQLite: a checkpoint held the lock for a moment
                return None
            return row if row and (row[3] or row[1] >= target) else None
        return wait_for(covered, 120, f"the fan-out to pass {target} endpoints", interval=0.01)

    # --- the test ------------------------------------------------------------------------------
    def test_kill_mid_fan_out_then_one_message_per_endpoint(self):
        log(f"\n  seed {self.seed}: {ENDPOINTS:,} endpoints, {KILLS} kill -9 ({'long' if LONG else 'short'} form)")
        d = self.d
        d.ctl("outbox")  # creates and migrates the database
        began = time.monotonic()
        d.add_endpoints(ENDPOINTS, "email")
        log(f"  {ENDPOINTS:,} endpoints written in {time.monotonic() - began:.1f} s")
        d.set_clock(DUE - timedelta(seconds=1))
        mid_fan_out = 0
        shares = sorted(self.rng.uniform(0.05, 0.95) for _ in range(KILLS))
        for number, share in enumerate(shares, 1):
            d.start()
            seen = self.wait_until_share(share)
            d.kill9()
            firing_id, done, last, finished = self.firing()
            if BACKEND == "sqlite":  # PostgreSQL has no such check; a killed client never writes its files
                self.assertEqual(d.sql("PRAGMA integrity_check"), [("ok",)], f"integrity_check after kill {number}")
            self.assertEqual(d.sql("SELECT count(*) FROM triggers WHERE key = ?", TRIGGER_KEY), [(1,)])
            self.assertEqual(last, ENDPOINTS, "the firing covers every endpoint there was")
            count, distinct, beyond = self.messages(firing_id)
            # Endpoint ids are 1..ENDPOINTS, all matching: the committed chunks hold exactly
            # endpoints 1..done_through, one message each.
            self.assertEqual((count, distinct, beyond), (done, done, 0),
                             f"kill {number}: messages do not match the committed chunks")
            landed = "after the fan-out finished" if finished else f"mid-fan-out: {done:,} of {ENDPOINTS:,} messages"
            mid_fan_out += 0 if finished else 1
            log(f"  kill {number}/{KILLS} aimed at {share:.0%} (seen {seen[1]:,}): {landed}")
        self.assertGreater(mid_fan_out, 0, "no kill landed in the middle of the fan-out")

        d.start()
        resumed = [line for line in d.log().splitlines() if "resumes after endpoint" in line]
        wait_for(lambda: self.firing()[3], 600, "the fan-out to finish after the last restart", interval=0.1)
        self.assertEqual(d.stop(), 0)
        firing_id, done, last, finished = self.firing()
        count, distinct, beyond = self.messages(firing_id)
        self.assertEqual((count, distinct, beyond), (ENDPOINTS, ENDPOINTS, 0), "not one message per endpoint")
        self.assertEqual(d.sql("SELECT messages FROM triggers WHERE key = ?", TRIGGER_KEY), [(ENDPOINTS,)])
        self.assertEqual(d.sql("SELECT count(*) FROM deliveries WHERE trigger_key = ?", TRIGGER_KEY), [(ENDPOINTS,)])
        if BACKEND == "sqlite":  # as after each kill
            self.assertEqual(d.sql("PRAGMA integrity_check"), [("ok",)])
        self.assertTrue(resumed, "the daemon did not log where it resumed the fan-out")
        log(f"  after the last restart: {count:,} messages for {distinct:,} endpoints, each once; "
            f"{len(resumed)} resume line(s), e.g. {resumed[-1].split(': ', 1)[-1]!r}")
        log(f"  test took {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    BUILD_DIR = sys.argv.pop(1)
    unittest.main(verbosity=2)
