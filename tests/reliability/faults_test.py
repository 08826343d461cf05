"""Faults the daemon meets in production, caused for real: receivers that answer 500, time out,
trickle bytes or answer 410; an SMTP relay that answers 451, refuses a recipient with 550 or drops
the connection after the final dot; a full disk under the database (a size-limited tmpfs filled
by the test: a real ENOSPC, as root too); the database locked by another writer (a real
SQLITE_BUSY). For each: the daemon keeps serving HTTP, says what happened in its log and in
/metrics (read by the test), and once the fault clears every message arrives, exactly once where
the fault allows it to be known (a receiver that never answered may see the same id again).

On PostgreSQL (DEADLINED_TEST_BACKEND=postgresql, tests/integration/test_database.py) the receiver
and relay faults run as they are; the database faults are a SQLite file's (a full disk under it, its
write lock) and skip themselves: PostgreSQL's own (the server stopped, sessions terminated) are
pg_outage_test.py's.

Usage: /usr/bin/python3 faults_test.py BUILD_DIR   (root: the disk-full case mounts a tmpfs)"""

import email
import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email import policy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from faulty_receiver import FaultyReceiver  # noqa: E402
from harness import BACKEND, SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402
from smtp_server import SmtpServer  # noqa: E402

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSES = "2030-01-01T12:00"                       # a timed close, Asia/Shanghai
DUE_2H = datetime(2030, 1, 1, 10, 0, tzinfo=SHANGHAI)  # its "2h" reminder point
FAST_RETRIES = "retry_delays_seconds = [1, 1, 1, 1, 1, 1, 1, 1]"


def http_get(port, path, timeout=10):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def http_post_json(port, path, body, timeout=20):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class FaultCase(unittest.TestCase):
    def daemon(self, delivery=FAST_RETRIES, extra_config=""):
        d = self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", CLOSES, None)]),
                            delivery=delivery, extra_config=extra_config)
        self.addCleanup(d.close)
        d.set_clock(DUE_2H - timedelta(seconds=2))
        return d

    def metrics(self):
        """/metrics from the admin listener, as {'name{labels}': value}."""
        with open(self.d.admin_token_file) as f:  # beside the database
            token = f.read().strip()
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.admin_port}/metrics",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                for line in text.splitlines() if line and not line.startswith("#")}

    def assert_serving(self):
        """The public pages answer while the fault lasts (they need no store write)."""
        for path in ("/healthz", "/", "/calendar.ics"):
            status, _ = http_get(self.d.port, path)
            self.assertEqual(status, 200, f"GET {path} during the fault")

    def add_webhook(self, url):
        added = self.d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address", url,
                           "--secret", SECRET, "--lead", "2h")
        self.assertEqual(added.returncode, 0, added.stderr)

    def states(self):
        return dict(self.d.sql("SELECT state, count(*) FROM messages GROUP BY state"))


class Receivers(FaultCase):
    def test_500_timeout_trickle_and_410_then_every_message_arrives_once(self):
        receiver = FaultyReceiver(faults_per_path={"fail500": 2, "timeout": 2, "trickle": 2, "gone410": 1}, stall=4)
        self.addCleanup(receiver.close)
        d = self.daemon(delivery=FAST_RETRIES + "\ntotal_timeout_seconds = 2\nconnect_timeout_seconds = 1")
        self.assertEqual(d.ctl("subscribers", "add", "ops@example.cn").returncode, 0)
        paths = ["fail500", "timeout", "trickle", "gone410"]  # endpoint ids 1..4
        for path in paths:
            self.add_webhook(receiver.url(path))
        d.start()

        wait_for(lambda: d.sql("SELECT state FROM endpoints WHERE id = 4") == [("disabled",)], 20,
                 "the 410 to disable its endpoint")
        self.assert_serving()
        wait_for(lambda: self.states().get("delivered") == 3, 40, "the other three delivered after their faults")
        self.assert_serving()

        log = d.log()
        self.assertIn("HTTP 500", log)
        self.assertIn("HTTP 410", log)
        self.assertRegex(log, r"(?i)timeout|timed out", "a receiver that never answered is not named in the log")
        m = self.metrics()
        self.assertGreaterEqual(m['deadlined_deliveries_total{outcome="retried"}'], 6)  # 2 + 2 + 2 failed attempts
        self.assertEqual(m['deadlined_deliveries_total{outcome="dead"}'], 1)
        self.assertEqual(m["deadlined_endpoints_disabled_total"], 1)

        # The 410 clears: the receiver's owner re-creates the hook, the operator enables it, and
        # the message it missed is replayed with its id.
        enabled = d.ctl("endpoints", "enable", "4")
        self.assertEqual(enabled.returncode, 0, enabled.stderr)
        wait_for(lambda: self.states() == {"delivered": 4}, 20, "the replay after enabling")

        requests = receiver.snapshot()
        ids = {path: {webhook_id for p, webhook_id, _ in requests if p == "/" + path} for path in paths}
        for path in paths:
            self.assertEqual(len(ids[path]), 1, f"/{path}: retries must carry the message's one id")
        self.assertEqual(set(receiver.answered_200().values()), {1}, "a message answered 200 twice")
        self.assertEqual(set(receiver.answered_200()), {row[0] for row in d.sql("SELECT id FROM messages")})
        print("  " + ", ".join(f"/{p}: {[w for q, _, w in requests if q == '/' + p]}" for p in paths), file=sys.stderr)
        self.assertEqual(d.stop(), 0)


class SmtpRelay(FaultCase):
    def test_451_550_and_a_dropped_connection_then_every_message_arrives_once(self):
        smtp = SmtpServer().start()
        self.addCleanup(smtp.stop)
        smtp.fail_next_data = 2
        smtp.drop_next_data = 1
        smtp.refuse_recipients = {"refused@example.cn"}
        d = self.daemon(extra_config=f'[email]\nrelay = "smtp://127.0.0.1:{smtp.port}"\n'
                                     'from_address = "reminders@deadlined.example.cn"\n')
        addresses = ["a@example.cn", "b@example.cn", "refused@example.cn"]
        for n, address in enumerate(addresses, start=1):
            self.assertEqual(d.ctl("subscribers", "add", address).returncode, 0)
            added = d.ctl("endpoints", "add", "--subscriber", str(n), "--kind", "email", "--address", address,
                          "--lead", "2h")
            self.assertEqual(added.returncode, 0, added.stderr)
        d.start()

        wait_for(lambda: self.states() == {"delivered": 2, "dead": 1}, 40, "two delivered, the refused one dead")
        self.assert_serving()
        log = d.log()
        self.assertIn("451", log)
        self.assertIn("550", log)
        m = self.metrics()
        self.assertGreaterEqual(m['deadlined_deliveries_total{outcome="retried"}'], 3)  # two 451s and the drop
        self.assertEqual(m['deadlined_deliveries_total{outcome="dead"}'], 1)

        # The 550 clears (the mailbox exists again): the operator replays the dead message.
        smtp.refuse_recipients = set()
        [(dead_id,)] = d.sql("SELECT id FROM messages WHERE state = 'dead'")
        replayed = d.ctl("replay", dead_id)
        self.assertEqual(replayed.returncode, 0, replayed.stderr)
        wait_for(lambda: self.states() == {"delivered": 3}, 20, "the replayed message delivered")

        received = [email.message_from_bytes(r.data, policy=policy.default) for r in smtp.messages]
        message_ids = [str(m["Message-ID"]) for m in received]
        self.assertEqual(len(message_ids), 3)
        self.assertEqual(len(set(message_ids)), 3, "a message was accepted twice")
        self.assertEqual(sorted(r.recipients[0] for r in smtp.messages), sorted(addresses))
        # The dropped one was the same message again (same Message-ID), not a new one.
        dropped_ids = {str(email.message_from_bytes(c, policy=policy.default)["Message-ID"]) for c in smtp.dropped}
        self.assertTrue(dropped_ids <= set(message_ids))
        self.assertEqual(d.stop(), 0)


@unittest.skipUnless(BACKEND == "sqlite", "a SQLite file's faults: PostgreSQL's are pg_outage_test.py's")
class Database(FaultCase):
    ENDPOINTS = 2000

    def mount_small_disk(self, d, megabytes):
        """The database directory on its own tmpfs of `megabytes`, so filling it is a real ENOSPC."""
        data = os.path.join(d.dir, "data")
        os.makedirs(data)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", data],
                                 capture_output=True, text=True)
        self.assertEqual(mounted.returncode, 0, f"cannot mount a tmpfs (root needed): {mounted.stderr}")
        self.addCleanup(lambda: subprocess.run(["umount", "-l", data]))
        moved = os.path.join(data, "db.sqlite")
        with open(d.config) as f:
            config = f.read()
        self.assertIn(f'database = "{d.db}"', config)  # the harness's file, named by its full path
        with open(d.config, "w") as f:
            f.write(config.replace(f'database = "{d.db}"', f'database = "{moved}"'))
        d.db = d.database.location = moved  # deadlinectl's --db and the test's own reads
        # The secrets' default files follow the database file (harness.Daemon).
        d.admin_token_file = os.path.join(data, "admin-token")
        d.token_keys_file = os.path.join(data, "token-keys")
        return data

    @staticmethod
    def fill(directory):
        """Writes a filler file until the file system says ENOSPC; returns its path."""
        path = os.path.join(directory, "filler")
        with open(path, "wb", buffering=0) as f:
            for chunk in (1 << 20, 4096, 512):
                while True:
                    try:
                        f.write(b"\0" * chunk)
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
        return path

    def test_a_full_disk_holds_the_fan_out_back_and_nothing_is_lost_once_it_clears(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        receiver = FaultyReceiver()
        self.addCleanup(receiver.close)
        d = self.daemon()
        data = self.mount_small_disk(d, 32)
        d.ctl("outbox")
        d.add_endpoints(self.ENDPOINTS, "webhook", receiver.url("ok"), SECRET)
        d.set_clock(DUE_2H - timedelta(seconds=3))
        d.start()
        wait_for(lambda: d.get("/healthz")[1]["scheduler"]["passes"] >= 1, 10, "the first pass")
        filler = self.fill(data)

        # The reminder point comes and goes; its fan-out cannot be written.
        wait_for(lambda: self.metrics()['deadlined_store_errors_total{component="scheduler"}'] >= 2, 20,
                 "failed passes counted in /metrics")
        self.assertIn("database or disk is full", d.log())
        self.assertEqual(d.get("/healthz")[1]["scheduler"]["last_error"] is not None, True)
        self.assertEqual(d.sql("SELECT count(*) FROM triggers")[0][0], 0, "a trigger was recorded by halves")
        self.assertEqual(d.sql("SELECT count(*) FROM messages")[0][0], 0)
        self.assert_serving()
        subscribers = d.sql("SELECT count(*) FROM subscribers")[0][0]
        status, body = http_post_json(d.port, "/api/v1/subscriptions", {"email": "new@example.cn"})
        self.assertEqual(status, 503, body)
        self.assertEqual(json.loads(body)["error"]["code"], "unavailable")
        self.assertEqual(d.sql("SELECT count(*) FROM subscribers")[0][0], subscribers, "a refused write left a row")

        os.remove(filler)  # the operator frees space
        wait_for(lambda: self.states().get("delivered") == self.ENDPOINTS, 60, "every message delivered")
        self.assertEqual(d.sql("SELECT count(*) FROM triggers")[0][0], 1)
        answered = receiver.answered_200()
        self.assertEqual(set(answered), {row[0] for row in d.sql("SELECT id FROM messages")}, "a message was lost")
        self.assertEqual(set(answered.values()), {1}, "a message was sent twice")
        status, body = http_post_json(d.port, "/api/v1/subscriptions", {"email": "new@example.cn"})
        self.assertEqual(status, 202, body)
        self.assertEqual(d.stop(), 0)
        self.assertEqual(d.sql("PRAGMA integrity_check"), [("ok",)])

    def test_a_database_locked_by_another_writer_keeps_results_until_they_can_be_written(self):
        endpoints = 300
        receiver = FaultyReceiver()
        self.addCleanup(receiver.close)
        d = self.daemon()
        d.ctl("outbox")
        d.add_endpoints(endpoints, "webhook", receiver.url("ok"), SECRET)
        receiver.hold_requests()
        d.start()
        # The first requests arrive and wait, unanswered; then another process takes the write lock
        # (an operator's sqlite3 shell left in a transaction, say), and the receiver answers.
        # (8: the mail and HTTP client's connections to one receiver host, curl_multi_client.h)
        wait_for(lambda: len(receiver.snapshot()) >= 8, 20, "requests in flight")
        locker = sqlite3.connect(d.db, isolation_level=None, timeout=10)
        locker.execute("BEGIN IMMEDIATE")
        receiver.release()
        wait_for(lambda: "could not record" in d.log(), 30, "the failed record in the log")
        status, health = d.get("/healthz")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(health["delivery"]["store_errors"], 1)
        self.assert_serving()
        time.sleep(2)
        locker.execute("ROLLBACK")
        locker.close()

        wait_for(lambda: self.states().get("delivered") == endpoints, 60, "every message recorded delivered")
        self.assertGreaterEqual(self.metrics()['deadlined_store_errors_total{component="dispatcher"}'], 1)
        answered = receiver.answered_200()
        self.assertEqual(set(answered), {row[0] for row in d.sql("SELECT id FROM messages")}, "a message was lost")
        self.assertEqual(set(answered.values()), {1}, "a message whose result waited was sent again")
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
