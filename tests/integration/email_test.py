"""Reminders by email end to end: the real deadlined, a real SQLite file, a real SMTP server
(Debian's aiosmtpd) on 127.0.0.1, every received message parsed with Python's email package.
The text/calendar part is also judged by libical (tests/ical/libical_check).
Usage: /usr/bin/python3 email_test.py BUILD_DIR CALENDARS_DIR [LIBICAL_CHECK]"""

import email
import os
import random
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from email import policy

from harness import BACKEND, SHANGHAI, Daemon, libical_check, organizers_seen, wait_for
from receiver import Receiver
from smtp_server import SmtpServer, mail_config

BUILD_DIR = CALENDARS = LIBICAL_CHECK = None
# The bundled handbook: several November estimates close at 2026-11-30 24:00; their "7d" reminder
# is due at 09:00 on 23 November.
SEVEN_DAYS_BEFORE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
ONCE_PER_MESSAGE = ["From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
                    "List-Unsubscribe-Post", "Auto-Submitted", "MIME-Version"]


class EmailCase(unittest.TestCase):
    def start(self, endpoints=(("ops@example.cn", ["7d"]),), fail_next_data=0, drop_next_data=0):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.smtp.fail_next_data = fail_next_data
        self.smtp.drop_next_data = drop_next_data
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, delivery="retry_delays_seconds = [1, 1, 1, 1]",
                        extra_config=f'''[email]
relay = "smtp://127.0.0.1:{self.smtp.port}"
from_address = "reminders@deadlined.example.cn"
from_name = "江苏省中小企业申报提醒"
list_id = "reminders.deadlined.example.cn"

[http]
public_url = "https://deadlined.example.cn"
''')
        self.addCleanup(self.d.close)
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        for n, (address, leads) in enumerate(endpoints, start=1):
            self.assertEqual(self.d.ctl("subscribers", "add", address).returncode, 0)
            args = ["endpoints", "add", "--subscriber", str(n), "--kind", "email", "--address", address]
            for lead in leads:
                args += ["--lead", lead]
            added = self.d.ctl(*args)
            self.assertEqual(added.returncode, 0, added.stderr)
        self.d.start()
        return self.d

    def parsed(self, received):
        return email.message_from_bytes(received.data, policy=policy.default)

    def post(self, path, body, content_type):
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}{path}", data=body, method="POST",
                                         headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.d.port}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class Delivers(EmailCase):
    def test_a_digest_arrives_well_formed_in_chinese(self):
        d = self.start()
        [received] = wait_for(lambda: self.smtp.received(), 30, "the reminder email")
        raw = received.data
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""), "a bare LF in the message")
        self.assertNotIn(b"\r", raw.replace(b"\r\n", b""), "a bare CR in the message")
        message = self.parsed(received)
        for name in ONCE_PER_MESSAGE:
            self.assertEqual(len(message.get_all(name) or []), 1, name)
        [message_id] = [row[0] for row in d.sql("SELECT id FROM messages")]
        self.assertEqual(message["Message-ID"], f"<{message_id}@deadlined.example.cn>")
        self.assertEqual(received.sender, f"bounces+{message_id}@deadlined.example.cn")
        self.assertEqual(received.recipients, ["ops@example.cn"])
        self.assertEqual(message["From"].addresses[0].display_name, "江苏省中小企业申报提醒")
        self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertEqual(message["Auto-Submitted"], "auto-generated")
        self.assertTrue(str(message["Subject"]).startswith("【申报提醒】"), message["Subject"])
        self.assertRegex(message["List-Unsubscribe"], r"^<https://deadlined\.example\.cn/unsubscribe/[A-Za-z0-9_-]{46}>$")

        # multipart/mixed { multipart/alternative { text, html }, text/calendar; method=PUBLISH }.
        self.assertEqual(message.get_content_type(), "multipart/mixed")
        alternative, calendar_part = list(message.iter_parts())
        self.assertEqual(alternative.get_content_type(), "multipart/alternative")
        self.assertEqual([p.get_content_type() for p in alternative.iter_parts()], ["text/plain", "text/html"])
        self.assertEqual((calendar_part.get_content_type(), calendar_part.get_param("method")),
                         ("text/calendar", "PUBLISH"))
        self.assertEqual(calendar_part.get_filename(), "reminders.ics")
        calendar_text = calendar_part.get_content().replace("\r\n ", "")  # unfolded (RFC 5545 §3.1)
        self.assertIn("METHOD:PUBLISH\r\n", calendar_text)
        text = alternative.get_body(("plain",)).get_content()
        html = alternative.get_body(("html",)).get_content()
        # Every reminder the digest holds is in both parts, soonest first.
        windows = d.sql("SELECT window_id FROM deliveries WHERE message_id = ?", message_id)
        self.assertGreaterEqual(len(windows), 2, "the handbook should have several windows closing together")
        status, programmes = d.get("/api/v1/programmes")
        self.assertEqual(status, 200)
        titles = {p["id"]: p["title"] for p in programmes["programmes"]}
        self.assertIn(str(len(windows)) + " 个项目", str(message["Subject"]))
        for (window_id,) in windows:
            title = titles[window_id.split("/")[0]]
            self.assertIn(title, text)
            self.assertIn(title, html)
            # One event per reminder, under the feeds' UID (PROGRAMME-CYCLE-KEY@HOST).
            programme, key, cycle = window_id.split("/")
            self.assertIn(f"UID:{programme}-{cycle}-{key}@deadlined.example.cn\r\n", calendar_text)
        self.assertEqual(calendar_text.count("BEGIN:VEVENT"), len(windows))
        # libical, as strict clients parse it: no parse error, and RFC 5546's PUBLISH rules hold
        # (one ORGANIZER per VEVENT: the sender the From header names, with its display name).
        code, checked = libical_check(LIBICAL_CHECK, calendar_part.get_payload(decode=True), "--print",
                                      "--min-events", str(len(windows)))
        self.assertEqual(code, 0, checked)
        self.assertIn("METHOD PUBLISH", checked)
        self.assertEqual(organizers_seen(checked),
                         [("江苏省中小企业申报提醒", "mailto:reminders@deadlined.example.cn")] * len(windows), checked)
        self.assertIn("预计", text)
        self.assertIn("2026年11月", text)
        self.assertIn("/unsubscribe/", text)
        wait_for(lambda: d.sql("SELECT state FROM messages") == [("delivered",)], 10, "delivered in the database")

    def test_a_temporary_failure_is_retried_with_the_same_message_id(self):
        d = self.start(fail_next_data=1)
        [received] = wait_for(lambda: self.smtp.received(), 30, "the retried email")
        self.assertEqual(len(self.smtp.refused), 1)
        first = email.message_from_bytes(self.smtp.refused[0], policy=policy.default)
        self.assertEqual(first["Message-ID"], self.parsed(received)["Message-ID"])
        wait_for(lambda: d.sql("SELECT state, attempts FROM messages") == [("delivered", 2)], 10, "two attempts")
        time.sleep(1.5)
        self.assertEqual(len(self.smtp.received()), 1)

    def test_a_connection_lost_after_the_final_dot_is_retried_with_the_same_message_id(self):
        d = self.start(drop_next_data=1)
        [received] = wait_for(lambda: self.smtp.received(), 30, "the email after the lost connection")
        self.assertEqual(len(self.smtp.dropped), 1)
        lost = email.message_from_bytes(self.smtp.dropped[0], policy=policy.default)
        self.assertEqual(lost["Message-ID"], self.parsed(received)["Message-ID"])
        wait_for(lambda: d.sql("SELECT state, attempts FROM messages") == [("delivered", 2)], 10, "two attempts")

    def test_a_refused_recipient_is_dead_not_retried(self):
        d = self.start(endpoints=(("nobody@example.cn", ["7d"]),))
        self.smtp.refuse_recipients.add("nobody@example.cn")
        wait_for(lambda: d.sql("SELECT state FROM messages") == [("dead",)], 30, "the message to die")
        [(error,)] = d.sql("SELECT last_error FROM messages")
        self.assertIn("550", error)
        self.assertEqual(self.smtp.received(), [])


class EndpointNotices(EmailCase):
    def test_a_disabled_webhook_is_reported_to_its_subscriber_by_email(self):
        receiver = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", lambda n, r: 410)
        self.addCleanup(receiver.close)
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        d = self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=mail_config(self.smtp.port))
        self.addCleanup(d.close)
        d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        d.ctl("subscribers", "add", "ops@example.cn")
        added = d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address",
                      receiver.url + "/secret-path-token", "--lead", "7d")
        self.assertEqual(added.returncode, 0, added.stderr)
        d.start()
        [notice] = wait_for(lambda: self.smtp.received(), 30, "the notice email")
        self.assertEqual(notice.recipients, ["ops@example.cn"])
        message = self.parsed(notice)
        self.assertEqual(str(message["Subject"]), "【申报提醒】接收方式已停用")
        text = message.get_body(("plain",)).get_content()
        self.assertIn("https://deadlined.example.cn/manage/", text)
        self.assertIn("410", text)
        self.assertNotIn("secret-path-token", text, "the webhook URL's path (a secret) leaked into the email")
        self.assertEqual(d.sql("SELECT what, sent_at IS NOT NULL FROM endpoint_notices"), [("disabled", 1)])
        time.sleep(1)
        self.assertEqual(len(self.smtp.received()), 1, "the notice was sent more than once")


POSTFIX_DSN = """Return-Path: <>
Delivered-To: bounces+{id}@deadlined.example.cn
From: MAILER-DAEMON@mx.example.cn (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: bounces+{id}@deadlined.example.cn
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="ABC.1/mx.example.cn"

--ABC.1/mx.example.cn
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--ABC.1/mx.example.cn
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.cn
X-Postfix-Queue-ID: ABC
Arrival-Date: Mon, 23 Nov 2026 09:00:05 +0800 (CST)

Final-Recipient: rfc822; ops@example.cn
Original-Recipient: rfc822;ops@example.cn
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.example.cn
Diagnostic-Code: smtp; 550 5.1.1 <ops@example.cn>: Recipient address rejected

--ABC.1/mx.example.cn--
"""


class Bounces(EmailCase):
    def test_a_dsn_piped_to_deadlinectl_marks_the_message_bounced(self):
        d = self.start()
        wait_for(lambda: d.sql("SELECT state FROM messages") == [("delivered",)], 30, "the delivery")
        [(message_id,)] = d.sql("SELECT id FROM messages")
        piped = subprocess.run([os.path.join(BUILD_DIR, "daemon", "deadlinectl"), "--db", d.db, "bounce"],
                               input=POSTFIX_DSN.format(id=message_id), capture_output=True, text=True, timeout=30)
        self.assertEqual(piped.returncode, 0, piped.stderr)
        self.assertIn("bounced (5.1.1", piped.stdout)
        [(state, error)] = d.sql("SELECT state, last_error FROM messages")
        self.assertEqual(state, "dead")
        self.assertIn("550 5.1.1", error)
        self.assertEqual(d.sql("SELECT state, hard_failures FROM endpoints"), [("active", 1)])
        # Not a DSN of ours: EX_DATAERR, nothing changes.
        junk = subprocess.run([os.path.join(BUILD_DIR, "daemon", "deadlinectl"), "--db", d.db, "bounce"],
                              input="Subject: hello\n\nnot a report\n", capture_output=True, text=True, timeout=30)
        self.assertEqual(junk.returncode, 65, junk.stdout)
        self.assertEqual(d.sql("SELECT state, hard_failures FROM endpoints"), [("active", 1)])


class Unsubscribes(EmailCase):
    def test_the_received_link_unsubscribes_with_one_post_and_gets_alone_change_nothing(self):
        d = self.start()
        [received] = wait_for(lambda: self.smtp.received(), 30, "the reminder email")
        url = self.parsed(received)["List-Unsubscribe"].strip("<>")
        path = urllib.parse.urlsplit(url).path
        for _ in range(100):
            status, page = self.get(path)
            self.assertEqual(status, 200)
        self.assertIn("确认退订", page)
        self.assertEqual(d.sql("SELECT state FROM subscribers"), [("active",)], "a GET changed something")
        status, page = self.post(path, b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")
        self.assertEqual((status, "已退订" in page), (200, True))
        self.assertEqual(d.sql("SELECT state FROM subscribers"), [("unsubscribed",)])
        # The multipart form encoding works too, and a repeat still answers 200.
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
                f"One-Click\r\n--{boundary}--\r\n").encode()
        status, _ = self.post(path, body, f"multipart/form-data; boundary={boundary}")
        self.assertEqual(status, 200)
        # A later reminder (the 3-day one) is not sent.
        d.set_clock(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI) - timedelta(seconds=1))
        time.sleep(4)
        self.assertEqual(len(self.smtp.received()), 1)

    def test_a_forged_or_altered_token_is_refused(self):
        self.start()
        [received] = wait_for(lambda: self.smtp.received(), 30, "the reminder email")
        path = urllib.parse.urlsplit(self.parsed(received)["List-Unsubscribe"].strip("<>")).path
        altered = path[:-1] + ("A" if path[-1] != "A" else "B")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            self.post(altered, b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")
        self.assertEqual(refused.exception.code, 404)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("active",)])


class Injection(EmailCase):
    def test_hostile_addresses_in_the_database_never_reach_the_smtp_dialogue(self):
        d = self.start()
        wait_for(lambda: self.smtp.received(), 30, "the first, honest email")
        d.stop()
        rng = random.Random(20261127)
        # Every piece alone makes an address invalid: line breaks, NUL, what ends an address in a
        # header or an SMTP command, invalid UTF-8, encoded-word look-alikes, over-long parts.
        pieces = ["\r\n", "\n", "\r", "\x00", "\r\nRCPT TO:<evil@x.cn>", "=?utf-8?q?x?=", ">", "<", " ", "\"",
                  ",", "\udcff", "a" * 300, "\nBcc: evil@x.cn", "\r\nDATA\r\n", ".."]
        if BACKEND == "postgresql":
            # PostgreSQL's text holds neither NUL nor invalid UTF-8: such an address cannot be in
            # the database at all (the SQLite run covers reading one back).
            pieces = [p for p in pieces if p not in ("\x00", "\udcff")]
        hostile = []
        for i in range(10000):
            local = "u%d" % i + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
            hostile.append(local + "@example.cn")
        as_stored = (lambda a: a.encode("utf-8", "surrogateescape")) if BACKEND == "sqlite" else (lambda a: a)
        start = d.sql("SELECT max(id) FROM subscribers")[0][0]
        d.database.executemany([
            ("INSERT INTO subscribers (id, email, email_hash, state, created_at) VALUES (?, ?, ?, 'active', 0)",
             [(start + 1 + i, as_stored(a), "h%d" % i) for i, a in enumerate(hostile)]),
            ("INSERT INTO endpoints (subscriber_id, kind, address, created_at) VALUES (?, 'email', ?, 0)",
             [(start + 1 + i, as_stored(a)) for i, a in enumerate(hostile)])])
        d.database.after_explicit_ids()
        commands_before = len(self.smtp.commands)
        d.set_clock(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI) - timedelta(seconds=2))  # the 3d reminders
        d.start()
        wait_for(lambda: d.sql("SELECT count(*) FROM messages WHERE state IN ('pending', 'sending', 'retry')")
                 == [(0,)] and d.sql("SELECT count(*) FROM messages")[0][0] > 10000, 60, "every message decided")
        new_commands = self.smtp.commands[commands_before:]
        # The honest subscriber chose only the 7-day reminder: nothing at all reaches the server.
        self.assertEqual(new_commands, [])
        self.assertEqual(d.sql("SELECT count(*) FROM messages WHERE state = 'delivered'"), [(1,)])
        for verb, arg in new_commands:
            self.assertNotIn("evil", arg or "")
        for received in self.smtp.received():
            headers = received.data.split(b"\r\n\r\n", 1)[0]
            self.assertNotIn(b"evil", headers)
            self.assertNotIn(b"Bcc", headers)


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = sys.argv[1], sys.argv[2]
    LIBICAL_CHECK = sys.argv[3] if len(sys.argv) > 3 else f"{BUILD_DIR}/tests/libical_check"
    unittest.main(argv=sys.argv[:1], verbosity=2)
