"""SIGTERM with [daemon] drain_seconds (docs/operations.md, "Behind a load balancer"): /healthz
answers 503 "draining" while the pages and the feed are still served, then the daemon stops and
exits 0; a second SIGTERM cuts the drain short; SIGINT never drains.
Usage: /usr/bin/python3 drain_test.py BUILD_DIR"""

import http.client
import json
import os
import signal
import sys
import time
import unittest

from harness import Daemon, calendar_toml, wait_for
from notify_socket import NotifySocket

BUILD_DIR = None
DRAIN = 2  # seconds: long enough to look at, short enough for a fast test


def fetch(port, path):
    """(status, body) on a connection of its own, as a balancer's health check or a new visitor
    would; no status is an error here."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Drain(unittest.TestCase):
    def daemon(self, drain_seconds):
        d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]),
                   drain_seconds=drain_seconds)
        self.addCleanup(d.close)
        return d

    def test_healthz_answers_503_while_everything_else_is_served_then_the_daemon_stops(self):
        d = self.daemon(DRAIN)
        listener = NotifySocket(os.path.join(d.dir, "notify.sock"))
        self.addCleanup(listener.close)
        d.start(env={"NOTIFY_SOCKET": listener.path})
        status, body = fetch(d.port, "/healthz")
        self.assertEqual(status, 200)
        self.assertIs(json.loads(body)["draining"], False)

        sent = time.monotonic()
        d.signal(signal.SIGTERM)
        status, body = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(fetch(d.port, "/healthz")), 2,
                                "/healthz to answer 503")
        health = json.loads(body)
        self.assertEqual((health["status"], health["draining"], health["store"]), ("unavailable", True, "ok"))
        self.assertTrue([m for _, m in listener.snapshot() if m.get("STOPPING") == "1"], "no STOPPING=1 at the drain")
        # Everything else as usual, until the drain is over (a page, the public feed, the API).
        checked = 0
        while time.monotonic() < sent + DRAIN - 0.5:
            for path in ("/", "/calendar.ics", "/api/v1/programmes"):
                self.assertEqual(fetch(d.port, path)[0], 200, path)
            self.assertEqual(fetch(d.port, "/healthz")[0], 503)
            checked += 1
            time.sleep(0.1)
        self.assertGreater(checked, 5)
        self.assertTrue(d.running(), "stopped before the drain was over")

        self.assertEqual(d.wait_exit(DRAIN + 10), 0)
        took = time.monotonic() - sent
        self.assertGreaterEqual(took, DRAIN - 0.1)
        self.assertLess(took, DRAIN + 3)
        log = d.log()
        self.assertIn(f"SIGTERM: draining for {DRAIN} s", log)
        self.assertIn("drain over: stopping", log)
        self.assertIn("stopped", log)

    def test_a_second_sigterm_ends_the_drain_at_once_and_sigint_never_drains(self):
        d = self.daemon(60)
        d.start()
        sent = time.monotonic()
        d.signal(signal.SIGTERM)
        wait_for(lambda: fetch(d.port, "/healthz")[0] == 503, 2, "/healthz to answer 503")
        d.signal(signal.SIGHUP)  # no reload while stopping, and no READY=1 after STOPPING=1
        wait_for(lambda: "SIGHUP while draining: ignored" in d.log(), 5, "the SIGHUP to be ignored")
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait_exit(10), 0)
        self.assertLess(time.monotonic() - sent, 5)
        self.assertIn("SIGTERM while draining: ending the drain now", d.log())
        self.assertIn("drain cut short: stopping", d.log())

        # SIGINT (Ctrl-C at a terminal) stops at once, drain or not.
        d.start()
        sent = time.monotonic()
        self.assertEqual(d.stop(signal.SIGINT, timeout=10), 0)
        self.assertLess(time.monotonic() - sent, 5)
        self.assertEqual(d.log().count("draining for"), 1)
        self.assertIn("SIGINT: stopping", d.log())


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
