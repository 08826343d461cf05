"""Signed webhooks end to end: the real deadlined, a real SQLite file, a real HTTP receiver on
127.0.0.1 that checks signatures with Python's hmac.
Usage: /usr/bin/python3 webhook_test.py BUILD_DIR"""

import json
import os
import re
import signal
import socket
import sys
import threading
import time
import unittest
from datetime import datetime, timedelta

from harness import SHANGHAI, Daemon, calendar_toml, wait_for
from receiver import Receiver, event, verify

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSES = "2030-01-01T12:00"                                     # a timed close, local
DUE_2H = datetime(2030, 1, 1, 10, 0, tzinfo=SHANGHAI)           # its "2h" reminder


class WebhookCase(unittest.TestCase):
    def start(self, answer=lambda n, r: 200, delivery="retry_delays_seconds = [1, 1, 1, 1]", endpoints=1):
        self.receiver = Receiver(SECRET, answer)
        self.addCleanup(self.receiver.close)
        self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", CLOSES, None)]), delivery=delivery)
        self.addCleanup(self.d.close)
        self.d.set_clock(DUE_2H - timedelta(seconds=2))
        if endpoints == 1:
            self.assertEqual(self.d.ctl("subscribers", "add", "ops@example.cn").returncode, 0)
            added = self.d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook",
                               "--address", self.receiver.url, "--secret", SECRET, "--lead", "2h")
            self.assertEqual(added.returncode, 0, added.stderr)
        else:
            self.d.ctl("outbox")
            self.d.add_endpoints(endpoints, "webhook", self.receiver.url, SECRET)
        self.d.start()
        return self.d

    def message_state(self):
        return self.d.sql("SELECT state, attempts FROM messages")


class Delivers(WebhookCase):
    def test_a_reminder_arrives_signed_and_is_recorded_delivered(self):
        d = self.start()
        request = wait_for(lambda: self.receiver.snapshot(), 20, "the webhook")[0]
        self.assertTrue(request["valid"], "signature does not verify with Python's hmac")
        self.assertEqual(request["headers"]["content-type"], "application/json; charset=utf-8")
        body = event(request)
        self.assertEqual(body["type"], "deadline.reminder")
        self.assertEqual(body["id"], request["headers"]["webhook-id"])
        [reminder] = body["reminders"]
        self.assertEqual(reminder["lead"], "2h")
        self.assertEqual(reminder["programme"]["title"], "集成测试项目")
        self.assertEqual(reminder["window"]["closes"]["utc"], "2030-01-01T04:00:00Z")
        wait_for(lambda: self.message_state() == [("delivered", 1)], 10, "the delivery to be recorded")
        self.assertEqual(d.stop(), 0)

    def test_a_failing_receiver_gets_exactly_one_success_with_the_same_id(self):
        self.start(answer=lambda n, r: 500 if n <= 2 else 200)
        wait_for(lambda: self.message_state() == [("delivered", 3)], 30, "three attempts")
        requests = self.receiver.snapshot()
        self.assertEqual([r["status"] for r in requests], [500, 500, 200])
        self.assertEqual(len({r["headers"]["webhook-id"] for r in requests}), 1)
        self.assertTrue(all(r["valid"] for r in requests))
        time.sleep(2)  # nothing more arrives
        self.assertEqual(len(self.receiver.snapshot()), 3)

    def test_during_a_secret_rotation_both_secrets_sign(self):
        self.receiver = Receiver(SECRET)
        self.addCleanup(self.receiver.close)
        d = self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", CLOSES, None)]))
        self.addCleanup(d.close)
        d.set_clock(DUE_2H - timedelta(seconds=2))
        d.ctl("subscribers", "add", "ops@example.cn")
        d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address", self.receiver.url,
              "--secret", SECRET, "--lead", "2h")
        rotated = d.ctl("endpoints", "rotate-secret", "1")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        new_secret = re.search(r"secret: (whsec_\S+)", rotated.stdout).group(1)
        d.start()
        request = wait_for(lambda: self.receiver.snapshot(), 20, "the webhook")[0]
        self.assertEqual(len(request["headers"]["webhook-signature"].split(" ")), 2)
        self.assertTrue(request["valid"], "the previous secret no longer verifies")
        self.assertTrue(verify(new_secret, request["headers"], request["body"]), "the new secret does not verify")
        finished = d.ctl("endpoints", "finish-rotation", "1")
        self.assertEqual(finished.returncode, 0, finished.stderr)
        self.assertEqual(d.sql("SELECT secret FROM endpoints"), [(new_secret,)])
        self.assertNotEqual(d.ctl("endpoints", "rotate-secret", "99").returncode, 0)

    def test_410_disables_the_endpoint(self):
        d = self.start(answer=lambda n, r: 410)
        wait_for(lambda: self.message_state() == [("dead", 1)], 20, "the message to die")
        state, reason = d.sql("SELECT state, state_reason FROM endpoints")[0]
        self.assertEqual(state, "disabled")
        self.assertIn("410", reason)
        listed = d.ctl("messages", "--state", "dead")  # through the admin API: the daemon runs
        self.assertEqual(listed.returncode, 0, listed.stderr)
        [dead] = json.loads(listed.stdout)["messages"]
        self.assertEqual((dead["state"], dead["attempts"]), ("dead", 1))
        self.assertIn("HTTP 410 Gone", dead["last_error"])
        self.assertEqual(len(self.receiver.snapshot()), 1)

    def test_a_message_whose_window_closes_during_retries_expires_unsent(self):
        # The first retry would come 10000 s (±20%) later: after the close, 2 h after the reminder.
        self.start(answer=lambda n, r: 503, delivery="retry_delays_seconds = [10000]")
        wait_for(lambda: self.message_state() == [("expired", 1)], 20, "the message to expire")
        self.assertEqual(len(self.receiver.snapshot()), 1)

    def test_a_redirect_is_not_followed(self):
        self.start(answer=lambda n, r: 302 if n == 1 else 200)
        wait_for(lambda: self.message_state() == [("delivered", 2)], 20, "the retry after the redirect")
        self.assertEqual([r["path"] for r in self.receiver.snapshot()], ["/hook", "/hook"])


class RefusesInternalAddresses(WebhookCase):
    """With no host allow-listed, URLs that lead to this machine are refused before any TCP
    connection: a canary listener on 127.0.0.1 (and ::1) counts accepts and must see none."""

    def test_no_url_reaches_the_canary(self):
        canaries = [socket.create_server(("127.0.0.1", 0))]
        port = canaries[0].getsockname()[1]
        try:
            canaries.append(socket.create_server(("::1", port), family=socket.AF_INET6))
        except OSError:
            pass  # no IPv6 loopback here: the IPv6 rows are still refused, just not observed
        accepts = []

        def count(server):
            server.settimeout(0.2)
            while not stop.is_set():
                try:
                    connection, _ = server.accept()
                    accepts.append(server.getsockname())
                    connection.close()
                except (socket.timeout, OSError):
                    pass

        stop = threading.Event()
        threads = [threading.Thread(target=count, args=(c,), daemon=True) for c in canaries]
        for t in threads:
            t.start()
        self.addCleanup(lambda: [stop.set(), [c.close() for c in canaries]])
        urls = [f"https://127.0.0.1:{port}/hook", f"http://127.0.0.1:{port}/hook", f"https://localhost:{port}/",
                f"https://127.1:{port}/", f"https://2130706433:{port}/", f"https://0x7f.0.0.1:{port}/",
                f"https://0177.0.0.1:{port}/", f"https://[::1]:{port}/", f"https://[::ffff:127.0.0.1]:{port}/",
                f"https://[::127.0.0.1]:{port}/", f"https://[64:ff9b::7f00:1]:{port}/", f"https://[2002:7f00:1::]:{port}/",
                f"https://user:pw@127.0.0.1:{port}/", f"https://127.0.0.1.nip.invalid:{port}/", f"https://0.0.0.0:{port}/",
                f"https://[::]:{port}/", f"https://[::ffff:7f00:1]:{port}/"]
        d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", CLOSES, None)]), allow_hosts="[]",
                   delivery="retry_delays_seconds = [1, 1, 1, 1, 1, 1, 1]")
        self.addCleanup(d.close)
        d.set_clock(DUE_2H - timedelta(seconds=2))
        d.ctl("outbox")
        for url in urls:
            d.add_endpoints(1, "webhook", url, SECRET)
        d.start()
        # A URL the policy refuses outright puts its endpoint in needs_attention after one
        # attempt; a name that only resolves to a refused address is refused at connect time and
        # retried (DNS may change). Wait for both, plus a few retries of the latter.
        resolved_at_connect = 2  # localhost, and a name that does not resolve
        wait_for(lambda: d.sql("SELECT count(*) FROM endpoints WHERE state = 'needs_attention'")[0][0]
                 == len(urls) - resolved_at_connect, 30, "needs_attention for every URL refused outright")
        wait_for(lambda: d.sql("SELECT count(*) FROM messages WHERE attempts >= 3")[0][0] == resolved_at_connect, 30,
                 "retries at the URLs refused at connect time")
        self.assertEqual(d.stop(), 0)
        self.assertEqual(accepts, [], "a refused URL reached the canary")
        errors = [row[0] for row in d.sql("SELECT last_error FROM messages")]
        for url, (error,) in zip(urls, d.sql("SELECT m.last_error FROM messages m JOIN endpoints e ON e.id = m.endpoint_id "
                                             "ORDER BY e.id")):
            print(f"  {url.replace(str(port), 'P')}: {error}", file=sys.stderr)
        self.assertEqual(len(errors), len(urls))
        self.assertTrue(all(e for e in errors), errors)
        log = d.log()
        self.assertNotIn("user:pw", log, "a URL's credentials reached the log")


class SurvivesKill9DuringDelivery(WebhookCase):
    COUNT = int(os.environ.get("DEADLINED_KILL_MESSAGES", "10000"))

    def test_every_message_arrives_and_repeats_carry_a_delivered_id(self):
        d = self.start(endpoints=self.COUNT, delivery="retry_delays_seconds = [1, 1, 1, 1, 1, 1, 1]")
        # Kill once the receiver has seen part of the messages.
        wait_for(lambda: len(self.receiver.snapshot()) >= self.COUNT // 3, 120, "a third of the deliveries")
        d.kill9()
        seen_before_kill = {r["headers"]["webhook-id"] for r in self.receiver.snapshot()}
        self.assertEqual(d.sql("PRAGMA integrity_check"), [("ok",)])
        d.start()
        wait_for(lambda: d.sql("SELECT count(*) FROM messages WHERE state = 'delivered'")[0][0] == self.COUNT, 240,
                 "every message delivered after the restart")
        self.assertEqual(d.stop(), 0)
        requests = self.receiver.snapshot()
        ids = [r["headers"]["webhook-id"] for r in requests]
        messages = {row[0] for row in d.sql("SELECT id FROM messages")}
        self.assertEqual(set(ids), messages, "a message never arrived")
        duplicates = {i for i in ids if ids.count(i) > 1} if len(ids) != len(set(ids)) else set()
        self.assertTrue(duplicates <= seen_before_kill, "a repeat carried an id not seen before the kill")
        self.assertTrue(all(r["valid"] for r in requests))
        print(f"  {self.COUNT} messages: {len(ids)} requests, {len(ids) - len(set(ids))} repeats after kill -9",
              file=sys.stderr)


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
