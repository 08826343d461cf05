"""PostgreSQL goes away while deadlined delivers, then comes back (issue "The store on
PostgreSQL", §3 Faults).

A server of this test's own (tests/pg/pg_server.py; the shared `pg` fixture server must not stop
under the other tests), a real daemon on it, and a real webhook receiver
(tests/integration/receiver.py, which checks every signature):

- outage: 10,000 webhooks fan out; once the receiver has seen a share of them the server is
  stopped for 20 s (pg_ctl stop -m fast: every session ends, as in a restart or a failover).
  Meanwhile what needs no store is served (home, a programme page, /calendar.ics); /healthz
  answers 503 with "store": "unavailable"; /metrics shows deadlined_store_up 0; a subscription
  through the API answers 503 "unavailable". Then the server starts again, and with no restart
  of the daemon: /healthz is ok again, the owner lock is held again, every message is delivered,
  and a message the receiver saw twice came with the same webhook-id both times (the only repeats
  allowed: sends in flight when the server went).
- terminated: pg_terminate_backend on every session of the daemon's database: the next calls
  connect again, the owner lock is taken back, and a subscription works, with no restart.

Usage: /usr/bin/python3 pg_outage_test.py BUILD_DIR
"""

import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "pg"))
import pg_server  # noqa: E402

# This test's own server (it stops and starts it); the harness keeps the daemon's data there.
SERVER_DIR = pg_server.of_a_test_of_its_own("outage")

from harness import SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402
from receiver import Receiver  # noqa: E402

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGES = int(os.environ.get("DEADLINED_OUTAGE_MESSAGES", "10000"))
OUTAGE_SECONDS = 20
CLOSES = datetime(2030, 1, 10, 12, 0, tzinfo=SHANGHAI)
SCHEDULE = 'replan_seconds = 1\nleads = ["2h"]\nlate_after_seconds = 3600\n'


def http(port, path, method="GET", body=None):
    """(status, body bytes) of a request to the daemon; an error status is an answer too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def healthz(d):
    status, body = http(d.port, "/healthz")
    return status, json.loads(body)


class PostgresOutage(unittest.TestCase):
    def setUp(self):
        pg_server.start(SERVER_DIR)
        self.receiver = Receiver(SECRET)
        self.d = Daemon(BUILD_DIR, calendar_toml([("w", CLOSES.strftime("%Y-%m-%dT%H:%M"), None)]))
        with open(self.d.config) as f:
            config = f.read()
        with open(self.d.config, "w") as f:  # one lead, 2 h before the close: one reminder point
            f.write(config.replace("replan_seconds = 1\n", SCHEDULE))

    def tearDown(self):
        try:
            self.receiver.close()
            self.d.close()  # drops the daemon's database: the server is up again by now
        finally:
            pg_server.stop(SERVER_DIR)

    def start_daemon_with_endpoints(self, count):
        self.d.start()
        self.d.add_endpoints(count, "webhook", address=self.receiver.url, secret=SECRET)

    def test_the_server_stopped_for_20_seconds_during_delivery(self):
        d, receiver = self.d, self.receiver
        self.start_daemon_with_endpoints(MESSAGES)
        d.set_clock(CLOSES - timedelta(hours=2))  # the reminder point: the fan-out starts
        wait_for(lambda: len(receiver.requests) >= MESSAGES // 5, 120, "a fifth of the webhooks")

        pg_server.halt(SERVER_DIR)
        halted = time.monotonic()
        seen_at_halt = len(receiver.requests)
        print(f"server stopped after {seen_at_halt} requests", flush=True)

        # What needs no store is served all along.
        for path in ("/", "/programmes/it-programme", "/calendar.ics"):
            status, _ = http(d.port, path)
            self.assertEqual(status, 200, path)
        # The store's state is told, once a call has found the server gone (the dispatcher
        # calls every few hundred milliseconds).
        status, health = wait_for(lambda: (lambda h: h if h[0] == 503 else None)(healthz(d)), 15,
                                  "/healthz to say the store is unavailable")
        self.assertEqual(health["store"], "unavailable")
        self.assertIsNotNone(health["calendar_revision"])
        status, body = http(d.port, "/api/v1/subscriptions", "POST", {"email": "outage@qiye.example.cn"})
        self.assertEqual(status, 503, body)
        self.assertEqual(json.loads(body)["error"]["code"], "unavailable")
        metrics = self.admin_metrics()
        self.assertIn("\ndeadlined_store_up 0\n", metrics)
        self.assertTrue(d.running())

        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - halted)))
        print(f"outage: {time.monotonic() - halted:.1f} s; receiver saw {len(receiver.requests) - seen_at_halt} "
              "requests meanwhile (claimed before the stop)", flush=True)
        pg_server.resume(SERVER_DIR)
        resumed = time.monotonic()

        wait_for(lambda: healthz(d)[0] == 200, 30, "/healthz ok again")
        wait_for(lambda: "holding the database's owner lock again" in d.log(), 30, "the owner lock held again")
        delivered = lambda: d.sql("SELECT count(*) FROM messages WHERE state = 'delivered'")[0][0]
        wait_for(lambda: delivered() == MESSAGES, 180, "every message delivered")
        print(f"every message delivered {time.monotonic() - resumed:.1f} s after the server came back", flush=True)
        self.assertIn("\ndeadlined_store_up 1\n", self.admin_metrics())

        self.assertEqual(d.sql("SELECT count(*) FROM messages")[0][0], MESSAGES)
        by_id = defaultdict(set)
        for request in receiver.requests:
            self.assertTrue(request["valid"], request["headers"])
            by_id[request["headers"]["webhook-id"]].add(request["path"])
        self.assertEqual(len(by_id), MESSAGES, "one webhook-id per message")
        self.assertTrue(all(len(paths) == 1 for paths in by_id.values()), "an id reached two endpoints")
        repeats = len(receiver.requests) - len(by_id)
        print(f"requests {len(receiver.requests)}, distinct ids {len(by_id)}, repeats {repeats}", flush=True)
        # The log tells the story once each, not once per failed call.
        log = d.log().splitlines()
        for marker in ("store unavailable", "lost the database's owner lock", "cannot take the owner lock back",
                       "holding the database's owner lock again"):
            lines = [line for line in log if marker in line]
            self.assertTrue(lines, f"no log line with {marker!r}")
            print(f"log ({len(lines)} like it): {lines[0][:400]}", flush=True)

    def test_terminated_sessions_are_replaced_without_a_restart(self):
        d = self.d
        self.start_daemon_with_endpoints(1)
        wait_for(lambda: healthz(d)[0] == 200, 10, "the daemon")
        terminated = d.database.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid != pg_backend_pid()")[0][0]
        self.assertGreaterEqual(terminated, 2, "the store's session and the owner lock's")
        wait_for(lambda: "holding the database's owner lock again" in d.log(), 15, "the owner lock held again")
        status, body = http(d.port, "/api/v1/subscriptions", "POST", {"email": "after@qiye.example.cn"})
        self.assertEqual(status, 202, body)
        self.assertEqual(d.sql("SELECT state FROM subscribers WHERE email = 'after@qiye.example.cn'"), [("pending",)])
        self.assertEqual(healthz(d)[0], 200)
        self.assertTrue(d.running())

    def admin_metrics(self):
        with open(self.d.admin_token_file) as f:
            token = f.read().strip()
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.admin_port}/metrics",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=15) as response:
            return "\n" + response.read().decode()


if __name__ == "__main__":
    BUILD_DIR = sys.argv.pop(1)
    unittest.main(verbosity=2)
