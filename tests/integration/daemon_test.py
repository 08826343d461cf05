"""deadlined as ops run it: a real process, a real SQLite file, real HTTP, signals, kill -9.
Usage: /usr/bin/python3 daemon_test.py BUILD_DIR BUNDLED_CALENDARS"""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from datetime import datetime, timedelta, timezone

from harness import BACKEND, SHANGHAI, Daemon, calendar_toml, wait_for

BUILD_DIR = BUNDLED = None


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class DaemonCase(unittest.TestCase):
    def daemon(self, **kwargs):
        d = Daemon(BUILD_DIR, **kwargs)
        self.addCleanup(d.close)
        return d


class ServesTheCalendar(DaemonCase):
    def test_healthz_programmes_and_upcoming_over_http(self):
        d = self.daemon(calendars_dir=BUNDLED)
        d.set_clock(datetime(2026, 11, 27, 0, 0, tzinfo=SHANGHAI))
        d.start()
        status, health = d.get("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(health["status"], "ok")
        status, body = d.get("/api/v1/programmes")
        self.assertEqual(len(body["programmes"]), 20)
        status, body = d.get("/api/v1/upcoming?at=2026-11-27T00:00%2B08:00&days=45")
        self.assertEqual(len(body["windows"]), 7)  # only programmes that recur are projected
        self.assertEqual(d.stop(), 0)
        self.assertIn("SIGTERM: stopping", d.log())
        self.assertIn("stopped", d.log())

    def test_embedded_defaults_with_no_flags(self):
        """The README's run command: no config, defaults: ./var/deadlined.sqlite, 127.0.0.1:8080."""
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", 8080)) == 0:
                self.skipTest("something else listens on 127.0.0.1:8080")
        with tempfile.TemporaryDirectory() as cwd:
            process = subprocess.Popen([os.path.join(BUILD_DIR, "daemon", "deadlined")], cwd=cwd,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                def healthy():
                    try:
                        with urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=2) as r:
                            return r.status == 200
                    except OSError:
                        return False
                wait_for(healthy, 10, "/healthz on the default address")
                self.assertTrue(os.path.exists(os.path.join(cwd, "var", "deadlined.sqlite")))
            finally:
                process.send_signal(signal.SIGTERM)
                self.assertEqual(process.wait(15), 0)

    def test_check_config_names_the_broken_line(self):
        d = self.daemon(calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]))
        path = os.path.join(d.calendars, "calendar.toml")
        text = read_text(path).replace('closes = "2030-01-01T12:00"', 'closes = "2030-02-30T12:00"')
        write_text(path, text)
        line = text.splitlines().index('closes = "2030-02-30T12:00"') + 1
        result = subprocess.run([os.path.join(BUILD_DIR, "daemon", "deadlined"), "--config", d.config, "--check-config"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{path}:{line}: programme 'it-programme' window 'apply': closes: impossible date", result.stderr)

    def test_a_database_uri_is_never_taken_for_a_file_name(self):
        """--db postgresql://… once made a directory "postgresql:" with a SQLite file in it. Now a
        postgresql:// URI is a PostgreSQL database; any other scheme is refused; neither makes a
        file, and no password reaches the output."""
        deadlined = os.path.join(BUILD_DIR, "daemon", "deadlined")
        unreachable = "postgresql://deadlined:hunter2@/deadlined?host=/nonexistent-deadlined-socket-dir"
        with tempfile.TemporaryDirectory() as cwd:
            for uri, flags, code, expected in [
                ("mysql://root:hunter2@db/deadlined", ["--check-config"], 1,
                 "--db: 'mysql://root@db/deadlined' is not a database deadlined can use (scheme 'mysql')"),
                (unreachable, ["--check-config"], 0, "configuration and calendars are valid"),
                (unreachable, [], 1, "cannot connect to PostgreSQL postgresql://deadlined@/deadlined?host=/nonexistent")]:
                result = subprocess.run([deadlined, "--db", uri, "--listen", "127.0.0.1:0", "--admin-listen",
                                         "127.0.0.1:0", *flags], cwd=cwd, capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, code, result.stderr)
                self.assertIn(expected, result.stderr)
                self.assertNotIn("hunter2", result.stderr + result.stdout)
                self.assertEqual(os.listdir(cwd), [], "something was created for a URI")


class FiresOnTime(DaemonCase):
    def test_a_reminder_due_in_seconds_is_recorded_on_time(self):
        # "2h before a timed close": close 2030-01-01 12:00 local → due 10:00 local = 02:00Z.
        d = self.daemon(calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]))
        due = datetime(2030, 1, 1, 10, 0, tzinfo=SHANGHAI)
        d.set_clock(due - timedelta(seconds=3))
        self.assertEqual(d.ctl("subscribers", "add", "ops@example.cn").returncode, 0)
        self.assertEqual(d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "email",
                               "--address", "ops@example.cn").returncode, 0)
        d.start()
        rows = wait_for(lambda: d.sql("SELECT created_at, due_at, state FROM messages"), 20, "the message")
        created_at, due_at, state = rows[0]
        self.assertEqual(due_at, int(due.timestamp()))
        # The dispatcher may already be trying it (no SMTP relay listens in this test).
        self.assertIn(state, ("pending", "sending", "retry"))
        self.assertLessEqual(created_at - due_at, 5, "recorded more than 5 s after its due time")
        self.assertGreaterEqual(created_at, due_at, "recorded before it was due")
        self.assertEqual(d.sql("SELECT lead, outcome FROM triggers"), [("2h", "fired")])
        self.assertEqual(d.stop(), 0)


class SurvivesKill9(DaemonCase):
    ENDPOINTS = 10_000

    def test_kill_during_fan_out_resumes_and_fires_once(self):
        # A window with eight reminder points; each round takes the next one.
        # No SMTP relay listens here, so every email fails; the clock jumps weeks between rounds,
        # which would disable the endpoints (failing > 72 h) and leave later fan-outs nobody to
        # reach. This test is about the fan-out, so failing endpoints stay enabled for a year.
        d = self.daemon(calendars_text=calendar_toml([("apply", "2030-03-01T12:00", "2030-01-01")]),
                        delivery="disable_after_hours = 8760")
        d.ctl("outbox")  # creates and migrates the database
        d.add_endpoints(self.ENDPOINTS, "email")
        dues = [(lead, datetime(*when, tzinfo=SHANGHAI)) for lead, when in [
            ("open", (2030, 1, 1, 9)), ("30d", (2030, 1, 30, 9)), ("14d", (2030, 2, 15, 9)), ("7d", (2030, 2, 22, 9)),
            ("3d", (2030, 2, 26, 9)), ("1d", (2030, 2, 28, 9)), ("closing-day", (2030, 3, 1, 9)), ("2h", (2030, 3, 1, 10))]]
        rng = random.Random(20261127)
        for lead, due in dues:
            with self.subTest(lead=lead):
                key = f"it-programme/apply/2029|{lead}|2030-03-01T04:00:00Z"
                d.set_clock(due - timedelta(seconds=1))
                d.start()
                delay = rng.uniform(0.5, 2.5)  # before, during or after the fan-out (see the log's "in N ms")
                time.sleep(delay)
                d.kill9()
                delivered = d.sql("SELECT count(*) FROM deliveries WHERE trigger_key = ?", key)[0][0]
                recorded = d.sql("SELECT count(*) FROM triggers WHERE key = ?", key)[0][0]
                # A fan-out is a firing recorded with its trigger, then chunks of endpoints in id
                # order: whatever the kill interrupted, the deliveries are exactly those of the
                # endpoints up to the last committed chunk (endpoint ids here are 1..ENDPOINTS).
                done = d.sql("SELECT f.done_through FROM firings f JOIN firing_triggers t ON t.firing_id = f.id "
                             "WHERE t.key = ?", key)
                self.assertEqual(len(done), recorded, "a trigger recorded without its firing, or the reverse")
                self.assertEqual(delivered, done[0][0] if done else 0, "deliveries beyond the firing's committed chunks")
                state = "before the firing" if not recorded else (
                    "fan-out complete" if delivered == self.ENDPOINTS else f"mid-fan-out, {delivered} of {self.ENDPOINTS}")
                print(f"  kill -9 round {lead} at +{delay:.2f} s: {state}", file=sys.stderr)
                if BACKEND == "sqlite":  # PostgreSQL has no such check; its WAL recovery is its own
                    self.assertEqual(d.sql("PRAGMA integrity_check"), [("ok",)])
                d.start()
                wait_for(lambda: d.sql("SELECT count(*) FROM firings f JOIN firing_triggers t ON t.firing_id = f.id "
                                       "WHERE t.key = ? AND f.finished_at IS NOT NULL", key)[0][0] == 1, 30,
                         f"the {lead} fan-out finished after restart")
                self.assertEqual(d.stop(), 0)
                self.assertEqual(d.sql("SELECT count(*) FROM deliveries WHERE trigger_key = ?", key)[0][0], self.ENDPOINTS)
        took = re.findall(r"fan-out #\d+ \(on_time\) finished: \d+ message\(s\) in \d+ chunk\(s\), (\d+) ms", d.log())
        print(f"  fan-out of {self.ENDPOINTS} endpoints took {', '.join(took)} ms", file=sys.stderr)
        # Every reminder point fired exactly once, each to every endpoint once.
        self.assertEqual(d.sql("SELECT count(*) FROM triggers")[0][0], len(dues))
        self.assertEqual(d.sql("SELECT count(*) FROM deliveries")[0][0], len(dues) * self.ENDPOINTS)
        # Nothing could be delivered (no relay), so each newer lead superseded the older ones: every
        # endpoint still has its newest reminder unsent, the rest expired as superseded.
        # (A message being sent while a newer lead fans out is not superseded: it may stay beside it.)
        self.assertEqual(d.sql("SELECT count(DISTINCT endpoint_id) FROM messages "
                               "WHERE state IN ('pending', 'sending', 'retry')")[0][0], self.ENDPOINTS)


class CatchesUpAfterDowntime(DaemonCase):
    def test_one_late_reminder_for_an_open_window_and_missed_for_a_closed_one(self):
        d = self.daemon(calendars_text=calendar_toml([("long", "2030-01-10T12:00", None),
                                                      ("short", "2030-01-02T12:00", None)]))
        d.set_clock(datetime(2030, 1, 1, 0, 0, tzinfo=SHANGHAI))
        d.ctl("subscribers", "add", "ops@example.cn")
        d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "email", "--address", "ops@example.cn")
        d.start()
        wait_for(lambda: d.get("/healthz")[1]["scheduler"]["passes"] >= 1, 10, "the first pass")
        self.assertEqual(d.stop(), 0)
        # Down for a week: "long" passed its 7d and 3d points and is still open; "short" closed.
        d.set_clock(datetime(2030, 1, 8, 0, 0, tzinfo=SHANGHAI))
        d.start()
        wait_for(lambda: d.sql("SELECT count(*) FROM triggers")[0][0] >= 5, 10, "the catch-up pass")
        wait_for(lambda: d.sql("SELECT count(*) FROM firings WHERE finished_at IS NULL")[0][0] == 0, 10,
                 "the catch-up fan-out")
        self.assertEqual(sorted(d.sql("SELECT window_id, lead, outcome FROM triggers")), [
            ("it-programme/long/2029", "3d", "late"), ("it-programme/long/2029", "7d", "late"),
            ("it-programme/short/2029", "1d", "missed"), ("it-programme/short/2029", "2h", "missed"),
            ("it-programme/short/2029", "closing-day", "missed")])
        self.assertEqual(d.sql("SELECT window_id, lead FROM deliveries"), [("it-programme/long/2029", "3d")])
        self.assertEqual(d.sql("SELECT count(*) FROM messages")[0][0], 1)
        self.assertEqual(d.stop(), 0)


class ReloadsOnSighup(DaemonCase):
    def test_a_broken_calendar_keeps_the_old_snapshot_and_a_good_one_replaces_it(self):
        d = self.daemon(calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]))
        d.set_clock(datetime(2029, 12, 1, 0, 0, tzinfo=SHANGHAI))
        d.start()
        before = d.get("/healthz")[1]["calendar_revision"]
        path = os.path.join(d.calendars, "calendar.toml")
        good = read_text(path)
        broken = good.replace('closes = "2030-01-01T12:00"', 'closes = "2030-01-01T25:00"')
        write_text(path, broken)
        line = broken.splitlines().index('closes = "2030-01-01T25:00"') + 1
        d.signal(signal.SIGHUP)
        wait_for(lambda: "keeping calendar " + before in d.log(), 10, "the rejected reload")
        self.assertIn(f"reload rejected: {path}:{line}: programme 'it-programme' window 'apply': closes: "
                      "impossible time of day '2030-01-01T25:00'", d.log())
        self.assertEqual(d.get("/healthz")[1]["calendar_revision"], before)
        self.assertEqual(len(d.get("/api/v1/programmes")[1]["programmes"]), 1)
        write_text(path, good.replace("集成测试项目", "集成测试项目（更新）"))
        d.signal(signal.SIGHUP)
        wait_for(lambda: d.get("/healthz")[1]["calendar_revision"] != before, 10, "the new calendar")
        self.assertEqual(d.get("/api/v1/programmes")[1]["programmes"][0]["title"], "集成测试项目（更新）")
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    BUILD_DIR, BUNDLED = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
