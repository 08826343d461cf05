"""Load (issue 11, section 3): 200 subscribe requests a second while a reminder fans out to
100,000 endpoints: 0 errors, p99 reported.

The real deadlined, a real SQLite file holding N active subscribers with one email endpoint each
(harness.add_endpoints: one transaction), and a real SMTP relay (Debian's aiosmtpd,
tests/integration/smtp_server.py) that takes both the reminders and the confirmation emails the
subscriptions cause. An open-loop generator sends subscribe requests at a steady 200 a second,
alternating the JSON API (POST /api/v1/subscriptions, 202) and the HTML form (POST /subscribe,
303 to /subscribed), each with its own email address and from its own source address (127.2.x.y), so the
per-client limiter applies as in production and never trips. A few seconds into the load the
daemon's clock is set just before a reminder point (as integration.daemon's SurvivesKill9 does),
so the fan-out happens in the middle of the load; the load goes on for some seconds after it.

Why open-loop: each request has a scheduled send time (i / 200 s after the start) and its latency
is counted from that time, not from when it was actually sent, so a stall of the daemon (or of the
generator) shows as latency instead of silently lowering the offered load ("coordinated
omission"). The generator's own lag (actual start - scheduled time) is reported beside it.

Checks: the generator kept to its schedule; every answer is the documented success status with
its success text (no other status, no connection closed unanswered, no timeout); the trigger was
recorded and the fan-out ran inside the load period (from the daemon's "fired 1 trigger(s) on
time" line to its "fan-out #N (on_time) finished" line); the fan-out made one delivery per
endpoint; every subscription made is in the database afterwards as a pending subscriber with its
email endpoint. And the bound of issue "Delivery at scale" §1: at least MIN_OVERLAPPING requests
overlap the fan-out and their p99 is under MAX_OVERLAPPING_P99_S. The fan-out runs in chunks of
endpoints, each its own transaction on the store thread, so a subscription waits for one chunk at
most, not for the whole fan-out (before the chunks, the p99 of those requests was the fan-out's
length: 2.7-5.6 s). Reported: latencies overall, of the requests that overlapped the fan-out and
of the rest, a per-second timeline, and GET /healthz probes (10 a second) that show whether the
HTTP thread itself stalled or only the store work queued.

The SMTP server runs in a child process: in this process its asyncio thread would compete for the
GIL with the generator and make the generator, not the daemon, the bottleneck. It forgets messages
once counted, so tens of thousands of reminders do not fill the memory.

Usage: /usr/bin/python3 load_test.py BUILD_DIR
  DEADLINED_RELIABILITY=long: 100,000 endpoints and 60 s of load (default: the short form CI runs).
"""

import asyncio
import multiprocessing
import os
import re
import sys
import threading
import time
import unittest
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))

from harness import SHANGHAI, Daemon, calendar_toml  # noqa: E402
from smtp_server import SmtpServer  # noqa: E402

BUILD_DIR = None
LONG = os.environ.get("DEADLINED_RELIABILITY") == "long"

RATE = 200                      # subscribe requests a second, as the issue asks
# Both forms: the short one fits the CI budget with all of them. DEADLINED_LOAD_ENDPOINTS sets
# another count (bench/fanout_load_bench.py: 1,000,000).
ENDPOINTS = int(os.environ.get("DEADLINED_LOAD_ENDPOINTS", "100000"))
WARMUP_S = 3.0                  # load before the clock is moved to the reminder point
TAIL_S = 5.0                    # load after the fan-out has finished (the short form)
LONG_LOAD_S = 60.0              # the long form's whole load period
# The short form gives up waiting for the fan-out after this (a fan-out records about 25,000
# endpoints a second on 2 cores, load included: room for several times that).
MAX_SHORT_LOAD_S = 40.0 + ENDPOINTS / 10_000
# A request that has no answer after this long is an error. Generous on purpose: a stall of
# several seconds must show up in the latencies, reported, not as a lost request.
CLIENT_TIMEOUT_S = 30.0
MAX_GENERATOR_LAG_P99_S = 0.5   # see check_generator_kept_to_schedule
MIN_OVERLAPPING = 50            # requests that must overlap the fan-out for its p99 to mean anything
MAX_OVERLAPPING_P99_S = 1.0     # the CI bound on their p99 (the 200 ms target is bench/fanout_bench's)

# calendar_toml's one window opens 2030-01-01 (a date): its "open" reminder is due at send_time.
DUE = datetime(2030, 1, 1, 9, 0, tzinfo=SHANGHAI)
TRIGGER_KEY = "it-programme/apply/2029|open|2030-03-01T04:00:00Z"
FIRED_LINE = re.compile(r"^(\S+) info scheduler: fired 1 trigger\(s\) on time", re.M)
FINISHED_LINE = re.compile(r"^(\S+) info scheduler: fan-out #\d+ \(on_time\) finished: (\d+) message\(s\) "
                           r"in (\d+) chunk\(s\), (\d+) ms on the store thread$", re.M)


# --- the SMTP relay, in a child process ------------------------------------------------------

def smtp_child(conn):
    """Runs an SmtpServer until told to stop; answers with the number of messages it took."""
    server = SmtpServer().start()
    taken = {"confirmations": 0, "reminders": 0}
    stop = threading.Event()

    def forget():  # counts and drops what arrived: 100,000 reminders would not fit in memory
        while not stop.wait(0.5):
            with server.lock:
                for m in server.messages:
                    taken["confirmations" if m.recipients[0].startswith("load-") else "reminders"] += 1
                server.messages.clear()
                server.commands.clear()

    threading.Thread(target=forget, daemon=True).start()
    conn.send(server.port)
    conn.recv()
    stop.set()
    server.stop()
    with server.lock:  # what arrived after the last sweep
        for m in server.messages:
            taken["confirmations" if m.recipients[0].startswith("load-") else "reminders"] += 1
    conn.send(taken)


class SmtpRelay:
    def __init__(self):
        # fork: started before this process has any thread, and the child needs no re-import.
        self.conn, child_conn = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(target=smtp_child, args=(child_conn,), daemon=True)
        self.process.start()
        if not self.conn.poll(15):
            raise AssertionError("the SMTP server did not start")
        self.port = self.conn.recv()

    def stop(self):
        """The messages taken, by kind."""
        self.conn.send("stop")
        taken = self.conn.recv() if self.conn.poll(15) else None
        self.process.join(10)
        return taken


# --- the load --------------------------------------------------------------------------------

@dataclass
class Outcome:
    i: int
    kind: str             # "api" or "form"
    email: str
    scheduled: float      # time.monotonic() the request was due to be sent
    started: float = 0.0  # when the generator got round to it
    finished: float = 0.0
    status: int = 0
    error: str = ""       # "" when the answer is the documented success

    @property
    def latency(self):
        return self.finished - self.scheduled


def source_address(kind, i):
    """One client address per request, so each has the limiter's whole allowance to itself;
    the /healthz probes come from addresses of their own."""
    return f"127.{3 if kind == 'probe' else 2}.{i // 250}.{i % 250 + 1}"


def request_bytes(port, kind, email):
    """A JSON API or form subscribe request, or a /healthz probe; the connection is closed
    after the answer."""
    if kind == "probe":
        return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    if kind == "api":
        path, ctype, body = "/api/v1/subscriptions", "application/json", f'{{"email": "{email}", "leads": ["7d"]}}'
    else:
        path, ctype = "/subscribe", "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode({"email": email, "lead": "7d", "consent": "yes"})
    body = body.encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


# What each route answers on success (docs/http-api.md): status and a text the body must hold.
SUCCESS = {"api": (202, '"status":"confirmation_sent"'), "form": (303, ""),
           "probe": (200, '"status":"ok"')}


def judge(kind, answer):
    """'' when `answer` (the raw HTTP response) is the route's documented success, else why not."""
    head, _, body = answer.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", head)
    if not match:
        return 0, f"not an HTTP answer: {answer[:80]!r}"
    status = int(match.group(1))
    want_status, want_text = SUCCESS[kind]
    if status != want_status:
        return status, f"HTTP {status}: {body[:200].decode(errors='replace')}"
    if want_text not in body.decode(errors="replace").replace(" ", ""):
        return status, f"HTTP {status} without {want_text!r}: {body[:200]!r}"
    return status, ""


async def send_one(port, outcome):
    outcome.started = time.monotonic()
    writer = None
    try:
        async def exchange():
            nonlocal writer
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source_address(outcome.kind, outcome.i), 0))
            writer.write(request_bytes(port, outcome.kind, outcome.email))
            return await reader.read()  # to EOF: the request asked for Connection: close
        answer = await asyncio.wait_for(exchange(), CLIENT_TIMEOUT_S)
        outcome.status, outcome.error = judge(outcome.kind, answer)
    except asyncio.TimeoutError:
        outcome.error = f"no answer within {CLIENT_TIMEOUT_S:g} s"
    except OSError as e:
        outcome.error = f"connection: {e!r}"
    finally:
        outcome.finished = time.monotonic()
        if writer is not None:
            writer.close()


@dataclass
class Fanout:
    start: float = 0.0      # time.monotonic() when the pass that recorded the firing was logged
    seen: float = 0.0       # time.monotonic() when its last chunk was logged (0: not seen)
    took_ms: int = 0        # the chunks' time on the store thread, summed
    chunks: int = 0
    logged_at: str = ""     # the finishing line's own timestamp (wall clock, whole seconds)

    @property
    def end(self):
        return self.seen


async def watch_fanout(daemon, fanout, done):
    """Tails the daemon's log for the pass that fired the reminder point, then for the end of
    that fan-out's chunks."""
    offset = 0
    while not done.is_set():
        with open(daemon.log_path, "rb") as f:
            f.seek(offset)
            chunk = f.read()
        # Only whole lines: a line being written is read again next time.
        complete = chunk[:chunk.rfind(b"\n") + 1]
        offset += len(complete)
        text = complete.decode(errors="replace")
        if not fanout.start and FIRED_LINE.search(text):
            fanout.start = time.monotonic()
        match = FINISHED_LINE.search(text)
        if fanout.start and match:
            fanout.seen, fanout.logged_at = time.monotonic(), match.group(1)
            fanout.chunks, fanout.took_ms = int(match.group(3)), int(match.group(4))
            done.set()
            return
        await asyncio.sleep(0.02)


PROBE_EVERY = 20  # a GET /healthz every 20th tick: 10 a second beside the subscriptions


async def run_load(daemon, port):
    """Sends the load; moves the daemon's clock to the reminder point after WARMUP_S. Returns
    the subscribe outcomes, the /healthz probes' outcomes, the fan-out seen, and the load's start
    and end (time.monotonic()).

    The probes tell the two ways a fan-out can hold up an answer apart: /healthz is answered on
    the HTTP thread alone, the subscriptions need the store thread as well."""
    outcomes, probes, tasks = [], [], []
    fanout, fired = Fanout(), asyncio.Event()
    watcher = asyncio.create_task(watch_fanout(daemon, fanout, fired))
    t0 = time.monotonic() + 0.2
    clock_moved = False
    for i in range(10**9):
        scheduled = t0 + i / RATE
        elapsed = scheduled - t0
        if not clock_moved and elapsed >= WARMUP_S:
            daemon.set_clock(DUE - timedelta(seconds=1))  # the next pass fires it (replan_seconds = 1)
            clock_moved = True
        if LONG and elapsed >= LONG_LOAD_S:
            break
        if not LONG and (elapsed >= MAX_SHORT_LOAD_S or (fired.is_set() and scheduled >= fanout.end + TAIL_S)):
            break
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        kind = "api" if i % 2 == 0 else "form"
        outcome = Outcome(i, kind, f"load-{kind}-{i}@example.cn", scheduled)
        outcomes.append(outcome)
        tasks.append(asyncio.create_task(send_one(port, outcome)))
        if i % PROBE_EVERY == 0:
            probe = Outcome(i // PROBE_EVERY, "probe", "", scheduled)
            probes.append(probe)
            tasks.append(asyncio.create_task(send_one(port, probe)))
    load_sent_until = time.monotonic()
    await asyncio.gather(*tasks)
    fired.set()  # stops the watcher if the fan-out never came
    await watcher
    return outcomes, probes, fanout, t0, load_sent_until


# --- figures ---------------------------------------------------------------------------------

def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def latency_line(label, outcomes):
    if not outcomes:
        return f"  {label}: none"
    ms = [1000 * o.latency for o in outcomes]
    return (f"  {label}: {len(ms)} requests; latency p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
            f"p99 {percentile(ms, 99):.0f} ms, max {max(ms):.0f} ms")


def overlaps(outcome, fanout):
    """Whether the request was waiting for its answer at some moment of the fan-out."""
    return bool(fanout.seen) and outcome.scheduled < fanout.end and outcome.finished > fanout.start


def error_kinds(errors):
    """The errors grouped by what happened (digits and bodies left out), most frequent first."""
    kinds = {}
    for o in errors:
        what = f"HTTP {o.status}" if o.status else re.sub(r"\d+", "N", o.error)[:100]
        kinds[what] = kinds.get(what, 0) + 1
    return sorted(kinds.items(), key=lambda kv: -kv[1])


def timeline(outcomes, t0):
    """One line per second of the load: where in the run the latency grew or errors came."""
    seconds = {}
    for o in outcomes:
        seconds.setdefault(int(o.scheduled - t0), []).append(o)
    return [f"    +{s:>2} s: {len(b):>3} sent, {sum(1 for o in b if o.error):>3} errors, "
            f"{1000 * percentile([o.latency for o in b], 50):>6.0f} / {1000 * max(o.latency for o in b):>6.0f} ms"
            for s, b in sorted(seconds.items())]


class Load(unittest.TestCase):
    def test_subscriptions_during_a_fan_out_all_succeed(self):
        began = time.monotonic()
        relay = SmtpRelay()
        d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-03-01T12:00", "2030-01-01")]),
                   extra_config=f'''[email]
relay = "smtp://127.0.0.1:{relay.port}"
from_address = "reminders@deadlined.example.cn"

[http]
public_url = "https://deadlined.example.cn"
''')
        self.addCleanup(d.close)
        taken = None
        try:
            d.ctl("outbox")  # creates and migrates the database
            populate = time.monotonic()
            d.add_endpoints(ENDPOINTS, "email")
            populate = time.monotonic() - populate
            d.set_clock(DUE - timedelta(hours=1))
            d.start()
            outcomes, probes, fanout, t0, sent_until = asyncio.run(run_load(d, d.port))
            self.assertEqual(d.stop(), 0)
        finally:
            taken = relay.stop()
        load_end = max(o.finished for o in outcomes)
        self.report(outcomes, probes, fanout, t0, sent_until, load_end, populate, taken, time.monotonic() - began, d)

        self.check_generator_kept_to_schedule(outcomes)
        errors = [o for o in outcomes if o.error]
        self.assertEqual([], [f"#{o.i} {o.kind} +{o.scheduled - t0:.2f}s: {o.error}" for o in errors[:20]],
                         f"{len(errors)} of {len(outcomes)} requests failed")
        self.check_fan_out_in_load(d, fanout, t0, sent_until)
        self.check_subscriptions_stored(d, outcomes)
        self.check_nobody_waited_for_the_fan_out(outcomes, fanout)

    # --- checks ------------------------------------------------------------------------------
    def check_generator_kept_to_schedule(self, outcomes):
        # Latency counts from the scheduled time, so a late generator cannot hide a stall; but if
        # it fell far behind, the daemon was not offered 200 requests a second and the figures
        # would be the generator's. 500 ms at p99 is ample: it measured 5-150 ms on a busy 2-core
        # machine (the high end while the daemon refused connections in a burst).
        lag_p99 = percentile([o.started - o.scheduled for o in outcomes], 99)
        self.assertLess(lag_p99, MAX_GENERATOR_LAG_P99_S,
                        f"the generator fell behind its schedule (p99 lag {1000 * lag_p99:.0f} ms)")

    def check_fan_out_in_load(self, d, fanout, t0, sent_until):
        self.assertTrue(fanout.seen, "the daemon never logged the fan-out (\"fired 1 trigger(s)\", then "
                        "\"fan-out #N (on_time) finished\")")
        self.assertTrue(t0 <= fanout.start and fanout.end <= sent_until,
                        f"the fan-out ({fanout.start - t0:.2f} s to {fanout.end - t0:.2f} s) was not inside "
                        f"the load (0 to {sent_until - t0:.2f} s)")
        [(recorded_at, outcome, messages)] = d.sql(
            "SELECT recorded_at, outcome, messages FROM triggers WHERE key = ?", TRIGGER_KEY)
        self.assertEqual(outcome, "fired")
        # recorded_at is the daemon's clock (whole seconds) at the pass's start; back to real time
        # by the offset, it must fall in the load too (1 s of slack for the rounding).
        real = recorded_at - self.offset(d)
        t0_wall = time.time() - (time.monotonic() - t0)
        self.assertTrue(t0_wall - 1 <= real <= t0_wall + (sent_until - t0) + 1,
                        f"the trigger was recorded at {real:.0f}, outside the load ({t0_wall:.0f} + {sent_until - t0:.0f} s)")
        deliveries = d.sql("SELECT count(*) FROM deliveries WHERE trigger_key = ?", TRIGGER_KEY)[0][0]
        self.assertEqual((deliveries, messages), (ENDPOINTS, ENDPOINTS), "not one delivery per endpoint")

    def check_nobody_waited_for_the_fan_out(self, outcomes, fanout):
        during = [o.latency for o in outcomes if overlaps(o, fanout)]
        self.assertGreaterEqual(len(during), MIN_OVERLAPPING,
                                f"only {len(during)} requests overlapped the fan-out")
        p99 = percentile(during, 99)
        self.assertLess(p99, MAX_OVERLAPPING_P99_S,
                        f"p99 of the {len(during)} requests overlapping the fan-out: {1000 * p99:.0f} ms")

    @staticmethod
    def offset(d):
        with open(d.clock_file) as f:
            return int(f.read())

    def check_subscriptions_stored(self, d, outcomes):
        stored = dict(d.sql("SELECT email, state FROM subscribers WHERE email LIKE 'load-%'"))
        missing = [o.email for o in outcomes if o.email not in stored]
        self.assertEqual([], missing[:20], f"{len(missing)} subscriptions answered but not stored")
        self.assertEqual(len(stored), len(outcomes), "subscribers nobody asked for")
        self.assertEqual({"pending"}, set(stored.values()))
        # And each its email endpoint (what a confirmation will activate).
        self.assertEqual(d.sql("SELECT count(*) FROM endpoints JOIN subscribers s ON s.id = subscriber_id "
                               "WHERE s.email LIKE 'load-%' AND kind = 'email'")[0][0], len(outcomes))

    # --- the report --------------------------------------------------------------------------
    def report(self, outcomes, probes, fanout, t0, sent_until, load_end, populate, taken, took, d):
        errors = [o for o in outcomes if o.error]
        lag_ms = [1000 * (o.started - o.scheduled) for o in outcomes]
        during = [o for o in outcomes if overlaps(o, fanout)]
        outside = [o for o in outcomes if not overlaps(o, fanout)]
        lines = [
            f"load: {'long' if LONG else 'short'} form, {ENDPOINTS:,} endpoints (populated in {populate:.1f} s), "
            f"{RATE} requests/s for {sent_until - t0:.1f} s (answers until +{load_end - t0:.1f} s)",
            f"  sent {len(outcomes)} ({sum(o.kind == 'api' for o in outcomes)} JSON API, "
            f"{sum(o.kind == 'form' for o in outcomes)} form), errors {len(errors)}",
            *(f"    {n} x {what}" for what, n in error_kinds(errors)),
            latency_line("all", outcomes),
            latency_line("overlapping the fan-out", during),
            latency_line("not overlapping it", outside),
            latency_line("GET /healthz probes overlapping the fan-out (HTTP thread only)",
                         [p for p in probes if overlaps(p, fanout)]),
            f"  GET /healthz probes: {len(probes)}, errors {sum(1 for p in probes if p.error)}",
            (f"  fan-out: {fanout.chunks} chunks, {fanout.took_ms} ms on the store thread (logged {fanout.logged_at}), "
             f"from +{fanout.start - t0:.2f} s to +{fanout.end - t0:.2f} s of the load"
             if fanout.seen else "  fan-out: not seen"),
            f"  generator lag (start - scheduled): p50 {percentile(lag_ms, 50):.1f} ms, p99 {percentile(lag_ms, 99):.1f} ms, "
            f"max {max(lag_ms):.1f} ms",
            f"  SMTP relay took {taken}" if taken else "  SMTP relay: no count",
            f"  test took {took:.1f} s",
            "  per second of the load (by scheduled time): sent, errors, latency p50 / max:",
            *timeline(outcomes, t0),
        ]
        problems = sorted({re.sub(r"\d", "N", line.split(" ", 1)[1]) for line in d.log().splitlines()
                           if " error " in line or " warning " in line})
        if problems:
            lines += ["  the daemon's warnings and errors (digits as N):", *(f"    {p}" for p in problems[:20])]
        print("\n".join(lines), file=sys.stderr)
        if during and outside:
            # For bench/report.py: the requests overlapping the fan-out against those that did
            # not, in the same run; the target is issue "Delivery at scale"'s 200 ms.
            p99_during = percentile([o.latency for o in during], 99)
            p99_outside = percentile([o.latency for o in outside], 99)
            print(f"RESULT name=subscribe_during_fanout value={p99_during:.4f} unit=s baseline={p99_outside:.4f} "
                  f"ratio={p99_during / max(p99_outside, 1e-6):.2f} target=value<=0.2s "
                  f"met={'yes' if p99_during <= 0.2 else 'no'} endpoints={ENDPOINTS} overlapping={len(during)}",
                  file=sys.stderr)


if __name__ == "__main__":
    BUILD_DIR = sys.argv[1]
    unittest.main(argv=[sys.argv[0]], verbosity=2)
