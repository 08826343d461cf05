"""Signed webhooks end to end: the real deadlined, a real SQLite file, a real HTTP receiver on
127.0.0.1 that checks signatures with Python's hmac.
Usage: /usr/bin/python3 webhook_test.py BUILD_DIR"""

import email
import json
import os
import re
import sys
import time
import unittest
from datetime import datetime, timedelta
from email import policy

from harness import SHANGHAI, Daemon, calendar_toml, wait_for
from receiver import Receiver, event, verify
from smtp_server import SmtpServer, mail_config

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


# The owner's mails about a failing endpoint (issue 21 §3): a window closing two days after its
# "1d" reminder, so the clock can be stepped hours ahead while the message still retries.
LATER_CLOSES = "2030-01-03T12:00"
DUE_1D = datetime(2030, 1, 2, 9, 0, tzinfo=SHANGHAI)
OWNER = "ops@example.cn"


class NoticesToOwner(unittest.TestCase):
    def start(self, address, answer=lambda n, r: 500, retries="[1, 1, 3600, 3600, 3600, 3600]"):
        self.receiver = Receiver(SECRET, answer)
        self.addCleanup(self.receiver.close)
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", LATER_CLOSES, None)]),
                        delivery=f"retry_delays_seconds = {retries}", extra_config=mail_config(self.smtp.port))
        self.addCleanup(self.d.close)
        self.d.set_clock(DUE_1D - timedelta(seconds=2))
        self.assertEqual(self.d.ctl("subscribers", "add", OWNER).returncode, 0)
        added = self.d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address",
                           address(self.receiver), "--secret", SECRET, "--lead", "1d")
        self.assertEqual(added.returncode, 0, added.stderr)
        return self.d.start()

    def notices(self):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()]

    def attempts(self):
        rows = self.d.sql("SELECT m.attempts FROM messages m JOIN endpoints e ON e.id = m.endpoint_id "
                          "WHERE e.kind = 'webhook'")
        return rows[0][0] if rows else 0

    def step_clock(self, hours):
        self.d.set_clock(self.d.daemon_now() + timedelta(hours=hours))

    def assert_plain_chinese_notice(self, mail, subject, problem):
        self.assertEqual(str(mail["Subject"]), subject)
        self.assertEqual(mail["To"], OWNER)
        for part in (mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()):
            self.assertIn(problem, part)
            self.assertRegex(part, r"https://deadlined\.example\.cn/manage/[A-Za-z0-9_-]+")
            self.assertNotIn("HTTP 500", part)
            self.assertNotIn("refused", part)
            self.assertNotIn("最近的错误", part)

    def test_a_failing_endpoint_is_mailed_once_after_an_hour_and_two_attempts(self):
        self.start(lambda r: r.url)
        # Three attempts within seconds fail: the owner is not told of a failure that young.
        wait_for(lambda: self.attempts() >= 3, 30, "three failed attempts")
        time.sleep(2)
        self.assertEqual(self.notices(), [], "mailed after the first failed attempts")
        # Two hours on, the next retry (an hour ±20% after the third attempt) fails too: told once.
        self.step_clock(2)
        [notice] = wait_for(self.notices, 30, "the failing-endpoint mail")
        self.assert_plain_chinese_notice(notice, "【申报提醒】接收方式发送失败", "接收地址暂时出错，系统会自动重试")
        self.assertIn("Webhook http://127.0.0.1", notice.get_body(("plain",)).get_content())
        attempts = self.attempts()
        # Still failing, still retried: no second mail for the same streak.
        self.step_clock(2)
        wait_for(lambda: self.attempts() > attempts, 30, "another failed attempt")
        time.sleep(2)
        self.assertEqual(len(self.notices()), 1, "a second mail for the same failing streak")
        self.assertEqual(self.d.sql("SELECT state FROM endpoints WHERE kind = 'webhook'"), [("active",)])

    def test_a_host_that_resolves_to_loopback_needs_attention_at_once(self):
        # localhost is not on the allow-list (127.0.0.1 is): the name passes when the URL is read,
        # and the address guard refuses every address it resolves to at connect time.
        self.start(lambda r: f"https://localhost:{r.port}/hook")
        wait_for(lambda: self.d.sql("SELECT state FROM endpoints WHERE kind = 'webhook'") == [("needs_attention",)],
                 20, "the endpoint to need attention")
        self.assertEqual(self.attempts(), 1, "retried on the normal schedule")
        [reason] = self.d.sql("SELECT state_reason FROM endpoints WHERE kind = 'webhook'")[0]
        self.assertRegex(reason, r"^refused: \S+ is loopback")
        [notice] = wait_for(self.notices, 20, "the needs-attention mail")
        self.assert_plain_chinese_notice(notice, "【申报提醒】接收方式需要您处理", "这个地址指向内网或本机")
        self.assertEqual(self.receiver.snapshot(), [])
        time.sleep(3)
        self.assertEqual(self.attempts(), 1)
        self.assertEqual(self.d.sql("SELECT m.state FROM messages m JOIN endpoints e ON e.id = m.endpoint_id "
                                    "WHERE e.kind = 'webhook'"), [("retry",)])  # waits for its owner


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
