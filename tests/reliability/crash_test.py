"""kill -9 at random moments while deadlined fans out and delivers thousands of webhooks.

Issue 11, "Crashes": the outbox promises that a fan-out is recorded first and completed by resume
(issue "Delivery at scale": a firing, then chunks of endpoints, each one transaction; a trigger's
messages are always exactly those of its committed chunks, one per endpoint), that every message
arrives at least once (0 lost), and that a repeat is only ever a send that was in flight when the process died, carrying an id the receiver has
already seen. This test checks those promises against the real daemon, its real database (a SQLite
file, or PostgreSQL with DEADLINED_TEST_BACKEND=postgresql: tests/integration/test_database.py) and
a real HTTP receiver (tests/integration/receiver.py, which verifies every signature with Python's
own hmac).

Set-up: one programme with TRIGGERS windows with timed closes ten minutes apart; the lead menu
is only "2h", so each window has exactly one reminder point. ENDPOINTS webhook endpoints (one
subscriber each) each have their own URL path on the receiver, so each reminder point fans out
to ENDPOINTS messages and the receiver alone can tell who got what: TRIGGERS x ENDPOINTS messages.

Rounds (a seeded RNG picks every moment; the seed is printed, DEADLINED_RELIABILITY_SEED replays
the choices, not the machine's timing): a *fan-out* round moves the daemon's clock to the next
one or two reminder points and sends SIGHUP, which runs a scheduler pass at once (a reload
re-plans and wakes the scheduler), then kills at a random delay within the fan-out time the log
reported so far: before, inside or between the fan-out transactions, or just after, while the
earlier points' messages are being delivered. A *delivery* round kills once the receiver has
seen a random number of further requests. After every kill: PRAGMA integrity_check (SQLite); every
reminder point's rows match its committed chunks; which messages may be sent again (below). After the
last kill the daemon runs until every message is delivered, then stops cleanly, and the
receiver's requests are checked against the database: 0 lost, each endpoint one reminder per
window under one id, every signature valid.

Repeats: a request whose webhook-id the receiver already had from an earlier run. What a restart
may send again is what the database says was in flight at the kill: messages 'sending' (claimed,
maybe sent, outcome not committed), plus messages an earlier restart put back to 'retry' as
"interrupted while sending" that this run had not sent again before it was killed (they carry
over; with a receiver that always answers 200 no other message is ever in 'retry'). Every repeat
after a kill must be one of those ids, so their count is at most that number. The dispatcher's
own figure, max_in_flight + claim_ahead, is printed beside it: it is not a strict bound on
'sending', since results sent but not yet committed are 'sending' too.

Short form (default, CI): 10,000 messages, 3 kills. Long form (DEADLINED_RELIABILITY=long):
10,000 messages, 20 kills. DEADLINED_CRASH_MESSAGES overrides the message count.
Usage: /usr/bin/python3 crash_test.py BUILD_DIR
"""

import json
import os
import random
import re
import signal
import sys
import time
import unittest
from collections import Counter
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import BACKEND, SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402
from receiver import Receiver  # noqa: E402

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LONG = os.environ.get("DEADLINED_RELIABILITY") == "long"
MESSAGES = int(os.environ.get("DEADLINED_CRASH_MESSAGES", "10000"))
KILLS = 20 if LONG else 3
TRIGGERS = 5
ENDPOINTS = MESSAGES // TRIGGERS
# [delivery] max_in_flight's default (lib/config/config.h) and DispatcherOptions::claim_ahead
# (lib/delivery/dispatcher.h): printed for comparison with what the database shows in flight.
MAX_IN_FLIGHT, CLAIM_AHEAD = 64, 256
REQUEUED = "interrupted while sending (restart)"  # last_error of requeue_interrupted (sqlite_delivery.cc, pg_delivery.cc)

# Reminder points ten minutes apart; each window stays open two hours after its point, longer
# than the test runs, so nothing expires. late_after is an hour: two points released at once
# are both on time (one firing each), and no restart turns a point late.
FIRST_CLOSE = datetime(2030, 1, 10, 12, 0, tzinfo=SHANGHAI)
SPACING = timedelta(minutes=10)
WINDOWS = [(f"w{i}", (FIRST_CLOSE + i * SPACING).strftime("%Y-%m-%dT%H:%M"), None) for i in range(TRIGGERS)]
DUES = [FIRST_CLOSE + i * SPACING - timedelta(hours=2) for i in range(TRIGGERS)]
WINDOW_IDS = [f"it-programme/{key}/2029" for key, _, _ in WINDOWS]
SCHEDULE = 'replan_seconds = 1\nleads = ["2h"]\nlate_after_seconds = 3600\n'


def set_clock(d, when):
    """Makes the daemon's clock read `when` from now on, replacing the offset file in one step
    (the harness's set_clock truncates, then writes: the daemon could read an empty file, offset
    0). Never moves it back: the scheduler's cursor does not, and a point behind it never fires."""
    if os.path.exists(d.clock_file):
        when = max(when, d.daemon_now())
    temporary = d.clock_file + ".new"
    with open(temporary, "w") as f:
        f.write(str(int(round(when.timestamp() - time.time()))))
    os.replace(temporary, d.clock_file)


def add_webhook_endpoints(d, count, base_url):
    """`count` active subscribers, one webhook endpoint each at base_url/N (N = endpoint id), in
    one transaction: the request's path then says which endpoint it was for."""
    d.database.executemany([
        ("INSERT INTO subscribers (id, email, email_hash, state, created_at) VALUES (?, ?, ?, 'active', 0)",
         [(i, f"user{i}@example.cn", f"hash{i}") for i in range(1, count + 1)]),
        ("INSERT INTO endpoints (id, subscriber_id, kind, address, secret, created_at) "
         "VALUES (?, ?, 'webhook', ?, ?, 0)",
         [(i, i, f"{base_url}/{i}", SECRET) for i in range(1, count + 1)])])
    d.database.after_explicit_ids()  # PostgreSQL's identity sequences past the ids given here


def fast_receiver():
    """receiver.py's Receiver with Nagle's algorithm off on its connections. Its handler writes the
    status line and headers, then the body, in two small sends; with Nagle on, the second waits
    for the client's delayed ACK (40 ms), so a connection manages ~20 requests a second and
    10,000 webhooks take a minute instead of a few seconds."""
    receiver = Receiver(SECRET)
    receiver.server.RequestHandlerClass.disable_nagle_algorithm = True  # read per new connection
    return receiver


def receiver_idle(receiver):
    """No connection handler is running: each of the dead process's connections has been read to
    its end. (socketserver's ThreadingMixIn lists its handler threads in the server's _threads
    from the first connection on.)"""
    return not any(thread.is_alive() for thread in list(vars(receiver.server).get("_threads", [])))


def webhook_id(request):
    return request["headers"]["webhook-id"]


def truncated(request):
    """A body cut short: the sender died while writing it (the receiver reads to EOF)."""
    return len(request["body"]) != int(request["headers"].get("content-length", "-1"))


class Outbox:
    """What the database says (read beside the daemon or between its runs: on SQLite, WAL
    readers; on PostgreSQL, sessions of their own). Counts come back as int from SQLite and as
    int or Decimal (sum of bigint) from PostgreSQL: equal either way."""

    def __init__(self, d):
        self.d = d

    def integrity(self):
        """SQLite only: the daemon writes the file itself, so a kill -9 mid-write is its to survive."""
        return self.d.sql("PRAGMA integrity_check")

    def fanouts(self):
        """window id -> (trigger rows, triggers.messages, deliveries, distinct messages, endpoints
        up to the firing's last committed chunk)."""
        rows = {}
        for window_id in WINDOW_IDS:
            recorded = self.d.sql("SELECT count(*), coalesce(sum(messages), 0) FROM triggers WHERE window_id = ?",
                                  window_id)[0]
            deliveries = self.d.sql("SELECT count(*), count(DISTINCT message_id) FROM deliveries WHERE window_id = ?",
                                    window_id)[0]
            covered = self.d.sql("SELECT coalesce(sum((SELECT count(*) FROM endpoints e WHERE e.id <= f.done_through)), 0) "
                                 "FROM firings f JOIN firing_triggers t ON t.firing_id = f.id WHERE t.window_id = ?",
                                 window_id)[0][0]
            rows[window_id] = (*recorded, *deliveries, covered)
        return rows

    def recorded(self, window_id):
        """1 once the window's fan-out has finished (its firing's last chunk committed), else 0."""
        return self.d.sql("SELECT count(*) FROM firings f JOIN firing_triggers t ON t.firing_id = f.id "
                          "WHERE t.window_id = ? AND f.finished_at IS NOT NULL", window_id)[0][0]

    def states(self):
        """message id -> (state, last_error)."""
        return {i: (state, error) for i, state, error in self.d.sql("SELECT id, state, last_error FROM messages")}

    def count(self, state):
        return self.d.sql("SELECT count(*) FROM messages WHERE state = ?", state)[0][0]

    def undelivered(self):
        return self.d.sql("SELECT count(*) FROM messages WHERE state != 'delivered'")[0][0]


class Round:
    """One run of the daemon, from a start to its kill -9 (or, the last, to a clean stop)."""

    def __init__(self, number, kind):
        self.number, self.kind = number, kind
        self.released = []       # reminder points whose time this run's clock reached
        self.committed = 0       # of those, recorded when the kill came
        self.log_mark = 0        # length of the daemon's log when the SIGHUP went
        self.note = ""
        self.requests = []       # what the receiver got from this run
        self.sending = set()     # ids 'sending' right after the kill
        self.carried = set()     # ids requeued by an earlier restart, not yet sent again
        self.states = {}         # every message's (state, last_error) right after the kill
        self.repeats = 0
        self.landing = ""        # where the kill came: before/inside/after the fan-out, or delivery

    @property
    def may_repeat(self):
        return self.sending | self.carried


class SurvivesKill9DuringFanOutAndDelivery(unittest.TestCase):
    def setUp(self):
        self.seed = int(os.environ.get("DEADLINED_RELIABILITY_SEED", str(time.time_ns() % 10**9)))
        self.rng = random.Random(self.seed)
        self.receiver = fast_receiver()
        self.addCleanup(self.receiver.close)
        self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml(WINDOWS),
                        delivery="retry_delays_seconds = [1, 1, 1, 1, 1, 1, 1]")
        self.addCleanup(self.d.close)
        with open(self.d.config) as f:
            config = f.read()
        with open(self.d.config, "w") as f:
            f.write(config.replace("replan_seconds = 1\n", SCHEDULE))
        self.d.ctl("outbox")  # creates and migrates the database
        add_webhook_endpoints(self.d, ENDPOINTS, self.receiver.url)
        self.outbox = Outbox(self.d)
        self.unreleased = list(range(TRIGGERS))

    # --- moments to kill at ----------------------------------------------------------------------
    def release(self, count, round_):
        """Moves the clock to the next `count` reminder points and wakes the scheduler at once
        with SIGHUP. Returns when the signal went."""
        points = [self.unreleased.pop(0) for _ in range(min(count, len(self.unreleased)))]
        round_.released += points
        round_.log_mark = len(self.d.log())
        set_clock(self.d, DUES[points[-1]])
        self.d.signal(signal.SIGHUP)
        return time.monotonic()

    def fanout_seconds(self):
        """One reminder point's fan-out time as the log reported it so far (a guess before any)."""
        took = [int(ms) for ms in re.findall(r"fan-out #\d+ \(on_time\) finished: .*?, (\d+) ms on the store thread",
                                              self.d.log())]
        return sum(took) / len(took) / 1000 if took else 0.3

    def fanout_round(self, round_):
        count = self.rng.choice([1, 2])
        estimate = self.fanout_seconds()
        sent = self.release(count, round_)
        delay = self.rng.uniform(0, 1.5 * count * estimate + 0.05)
        time.sleep(max(0.0, sent + delay - time.monotonic()))
        round_.note = (f"{len(round_.released)} point(s) released, kill {delay:.2f} s after SIGHUP "
                       f"(fan-out ~{estimate * 1000:.0f} ms a point)")

    def delivery_round(self, round_, rounds_left, outstanding, received):
        """Kills once the receiver got a random share of what was outstanding at the start (every
        unsent message will be sent, so the share is always reached), spread so that work remains
        for the rounds after. `received`: the receiver's count at the start."""
        if outstanding == 0:
            time.sleep(self.rng.uniform(0.1, 1.0))
            round_.note = "idle: nothing left to deliver"
            return
        target = max(1, int(min(0.9, self.rng.uniform(0.2, 1.8) / rounds_left) * outstanding))
        wait_for(lambda: len(self.receiver.snapshot()) >= received + target, 60, f"{target} more requests",
                 interval=0.005)
        round_.note = f"kill after {target} more requests ({outstanding} undelivered at the start)"

    # --- after each kill -------------------------------------------------------------------------
    def kill_and_check(self, round_):
        self.d.kill9()
        # What the killed process sent is in the receiver's sockets; it belongs to this run.
        wait_for(lambda: receiver_idle(self.receiver), 10, "the receiver to read what was sent before the kill")
        if BACKEND == "sqlite":  # PostgreSQL has no such check; a killed client never writes its files
            self.assertEqual(self.outbox.integrity(), [("ok",)], f"integrity_check after kill {round_.number}")
        self.assert_all_or_none(f"after kill {round_.number}")
        round_.states = self.outbox.states()
        round_.sending = {i for i, (state, _) in round_.states.items() if state == "sending"}
        round_.carried = {i for i, (state, error) in round_.states.items() if state == "retry" and error == REQUEUED}
        round_.committed = sum(self.outbox.recorded(WINDOW_IDS[p]) for p in round_.released)
        round_.landing = self.where_the_kill_landed(round_) if round_.kind == "fan-out" else "during delivery"
        if round_.kind == "fan-out":
            round_.note += "; " + round_.landing

    def assert_all_or_none(self, when):
        """A fan-out is a firing recorded with its trigger, then chunks of endpoints: whatever the
        kill interrupted, a reminder point's messages are exactly one per endpoint up to its last
        committed chunk (nothing before the firing is recorded)."""
        for window_id, (triggers, counted, deliveries, messages, covered) in self.outbox.fanouts().items():
            self.assertIn(triggers, (0, 1), f"{when}: {window_id} recorded twice")
            self.assertEqual((counted, deliveries, messages), (covered, covered, covered),
                             f"{when}: fan-out of {window_id} does not match its committed chunks "
                             "(triggers.messages, deliveries, messages vs endpoints covered)")

    def where_the_kill_landed(self, round_):
        """Relative to the pass the SIGHUP started: the reload logs "in force" just after it hands
        the new plan to the scheduler, whose pass then records one firing per point and its chunks
        follow."""
        if round_.committed == len(round_.released):
            return "after the fan-out committed"
        if "in force" not in self.d.log()[round_.log_mark:]:
            return "before the pass"
        return f"inside the pass ({round_.committed} of {len(round_.released)} fan-outs committed)"

    # --- the test ----------------------------------------------------------------------------------
    def test_all_or_none_every_message_arrives_repeats_only_sends_in_flight(self):
        total = TRIGGERS * ENDPOINTS
        log(f"\n  seed {self.seed}: {TRIGGERS} reminder points x {ENDPOINTS} webhook endpoints = {total} messages, "
            f"{KILLS} kill -9 ({'long' if LONG else 'short'} form)")
        started = time.monotonic()
        set_clock(self.d, DUES[0] - timedelta(minutes=1))
        outstanding = self.outbox.undelivered()
        self.d.start()
        rounds, consumed = [], 0
        for number in range(1, KILLS + 1):
            fanout = self.unreleased and (number % 2 == 1 or outstanding == 0)
            round_ = Round(number, "fan-out" if fanout else "delivery")
            if fanout:
                self.fanout_round(round_)
            else:
                self.delivery_round(round_, KILLS - number + 1, outstanding, consumed)
            self.kill_and_check(round_)
            snapshot = self.receiver.snapshot()  # just before the restart: all this run sent
            round_.requests, consumed = snapshot[consumed:], len(snapshot)
            rounds.append(round_)
            log(f"  kill {number:2}/{KILLS} at +{time.monotonic() - started:5.1f} s [{round_.kind}: {round_.note}]: "
                f"{self.outbox.count('delivered')} delivered; in flight {len(round_.sending)} sending + "
                f"{len(round_.carried)} requeued earlier, not yet resent (dispatcher's figure "
                f"{MAX_IN_FLIGHT + CLAIM_AHEAD}); {len(round_.requests)} requests this run")
            outstanding = self.outbox.undelivered()
            self.d.start()

        final = Round(KILLS + 1, "final")
        if self.unreleased:
            self.release(len(self.unreleased), final)
        wait_for(lambda: self.outbox.count("delivered") == total, 240, "every message delivered after the last restart")
        time.sleep(0.5)  # a stray repeat would show now
        self.assertEqual(self.d.stop(), 0)
        final.requests = self.receiver.snapshot()[consumed:]
        rounds.append(final)

        self.check_outbox_at_the_end()
        self.check_what_arrived(rounds)
        self.check_repeats(rounds)
        for previous, round_ in zip(rounds, rounds[1:]):
            log(f"  after kill {previous.number:2}: {round_.repeats} repeat(s) "
                f"<= {len(previous.may_repeat)} in flight at the kill")
        landings = Counter(re.sub(r" \(.*", "", r.landing) for r in rounds[:-1])
        log(f"  kills: {', '.join(f'{n} {where}' for where, n in sorted(landings.items()))}")
        requests = self.receiver.snapshot()
        log(f"  {total} messages: {len(requests)} requests, {sum(r.repeats for r in rounds)} repeats, "
            f"{sum(truncated(r) for r in requests)} cut by a kill; {time.monotonic() - started:.1f} s")

    def check_outbox_at_the_end(self):
        if BACKEND == "sqlite":  # as after each kill
            self.assertEqual(self.outbox.integrity(), [("ok",)])
        self.assertEqual(sorted(self.d.sql("SELECT window_id, outcome, messages FROM triggers")),
                         [(w, "fired", ENDPOINTS) for w in WINDOW_IDS])
        self.assert_all_or_none("at the end")
        self.assertEqual(self.d.sql("SELECT state, count(*) FROM messages GROUP BY state"),
                         [("delivered", TRIGGERS * ENDPOINTS)])

    def check_what_arrived(self, rounds):
        """0 lost, nothing unknown, and from the receiver's side alone: each endpoint got one
        reminder per window, under one id, the message the database made for it."""
        for round_ in rounds:  # a request cut short is one that was in flight at that kill
            cut = {webhook_id(r) for r in round_.requests if truncated(r)}
            self.assertLessEqual(cut, round_.sending, f"run {round_.number}: a cut request that was not 'sending'")
        whole = [r for r in self.receiver.snapshot() if not truncated(r)]
        self.assertTrue(all(r["valid"] for r in whole), "a signature did not verify")
        arrived = {webhook_id(r) for r in whole}
        stored = {row[0] for row in self.d.sql("SELECT id FROM messages")}
        self.assertEqual(len(stored - arrived), 0, "messages never arrived (lost)")
        self.assertEqual(len(arrived - stored), 0, "requests for messages the database does not know")
        got = {}
        for r in whole:
            body = json.loads(r["body"])
            self.assertEqual(body["id"], webhook_id(r))
            for reminder in body["reminders"]:
                self.assertEqual(reminder["lead"], "2h")
                got.setdefault((r["path"], reminder["window"]["id"]), set()).add(body["id"])
        expected = {(f"/hook/{e}", w) for e in range(1, ENDPOINTS + 1) for w in WINDOW_IDS}
        self.assertEqual(len(set(got) ^ expected), 0, "an endpoint missed a reminder, or got one it should not")
        self.assertEqual([k for k, ids in got.items() if len(ids) > 1], [], "one reminder came under two ids")
        made = {(f"/hook/{e}", w): {m} for m, e, w in self.d.sql("SELECT message_id, endpoint_id, window_id FROM deliveries")}
        self.assertTrue(got == made, "a reminder arrived under an id the database gave another")

    def check_repeats(self, rounds):
        """Each run's repeats (ids an earlier run delivered to the receiver) are messages the
        database showed in flight at the kill before; no run sends one message twice itself."""
        seen = set()
        for previous, round_ in zip([None] + rounds[:-1], rounds):
            ids = Counter(webhook_id(r) for r in round_.requests)
            self.assertEqual([i for i, n in ids.items() if n > 1], [], f"run {round_.number} sent a message twice")
            repeated = set(ids) & seen
            round_.repeats = len(repeated)
            allowed = previous.may_repeat if previous else set()
            unexplained = sorted(repeated - allowed)[:5]
            self.assertEqual(unexplained, [],
                             f"run {round_.number}: repeats not in flight at the kill before; their (state, error) "
                             f"then: {[previous.states.get(i) for i in unexplained]}; received in runs "
                             f"{[[r.number for r in rounds for q in r.requests if webhook_id(q) == i] for i in unexplained]}")
            self.assertLessEqual(round_.repeats, len(allowed))
            seen |= set(ids)


def log(line):
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
