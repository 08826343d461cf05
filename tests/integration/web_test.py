"""The public pages and double opt-in end to end: the real deadlined serving the bundled
handbook, a real SMTP server (aiosmtpd) on 127.0.0.1, real HTTP requests; every email parsed with
Python's email package. Usage: /usr/bin/python3 web_test.py BUILD_DIR CALENDARS_DIR"""

import email
import re
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from email import policy

from harness import SHANGHAI, Daemon, wait_for
from receiver import Receiver, event
from smtp_server import SmtpServer, mail_config

BUILD_DIR = CALENDARS = None
SEVEN_DAYS_BEFORE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # November estimates' 7d reminder


class Site(unittest.TestCase):
    def setUp(self):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=mail_config(self.smtp.port))
        self.addCleanup(self.d.close)
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1))
        self.d.start()

    def request(self, method, path, form=None):
        """(status, body) after following redirects, as a browser would."""
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def mails_to(self, address):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()
                if m.recipients == [address]]

    def link_in(self, message, path):
        text = message.get_body(("plain",)).get_content()
        url = re.search(r"https://deadlined\.example\.cn(" + path + r"[A-Za-z0-9_-]+)", text)
        self.assertIsNotNone(url, text)
        return url.group(1)

    def test_pages_render_the_handbook(self):
        status, home = self.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn('<form', home)
        self.assertIn("预计", home)
        self.assertIn('action="/subscribe#subscribe"', home)
        status, page = self.request("GET", "/programmes/first-set-equipment-insurance")
        self.assertEqual(status, 200)
        self.assertIn("申报时间：11月", page)
        self.assertEqual(self.request("GET", "/programmes/no-such-programme")[0], 404)

    def test_a_bad_form_changes_nothing_and_says_why(self):
        status, page = self.request("POST", "/subscribe", {"email": "not-an-address", "lead": ["7d"], "consent": "yes"})
        self.assertEqual(status, 400)
        self.assertIn("请输入有效的邮箱地址", page)
        self.assertIn('value="not-an-address"', page)
        self.assertEqual(self.d.sql("SELECT count(*) FROM subscribers"), [(0,)])

    def test_subscribe_confirm_remind_unsubscribe(self):
        address = "finance@enterprise.example.cn"
        status, page = self.request("POST", "/subscribe", {"email": address, "lead": ["7d"],
                                                           "category": ["资金引导"], "consent": "yes"})
        self.assertEqual(status, 200, page)
        [confirmation] = wait_for(lambda: self.mails_to(address), 20, "the confirmation email")
        self.assertEqual(str(confirmation["Subject"]), "请确认订阅申报提醒")
        confirm = self.link_in(confirmation, "/confirm/")
        for _ in range(100):  # mail scanners: GETs change nothing
            self.assertEqual(self.request("GET", confirm)[0], 200)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("pending",)])
        status, page = self.request("POST", confirm, {})
        self.assertEqual(status, 200)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("active",)])
        # The 7-day reminder of the November 资金引导 estimates arrives.
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        reminder = wait_for(lambda: [m for m in self.mails_to(address) if m["List-Unsubscribe"]], 30, "the reminder")[0]
        self.assertIn("【申报提醒】", str(reminder["Subject"]))
        # The manage link in the reminder: change the choices, see them kept.
        manage = self.link_in(reminder, "/manage/")
        status, page = self.request("GET", manage)
        self.assertEqual(status, 200)
        self.assertIn(address, page)
        self.assertIn('value="资金引导" checked', page.replace("checked=\"checked\"", "checked"))
        status, page = self.request("POST", manage, {"action": "choices", "lead": ["3d", "1d"]})
        self.assertEqual(status, 200, page)
        self.assertIn("已保存", page)
        self.assertEqual(sorted(self.d.sql("SELECT lead FROM endpoint_leads")), [("1d",), ("3d",)])
        self.assertEqual(self.d.sql("SELECT count(*) FROM endpoint_filters"), [(0,)])
        status, page = self.request("POST", manage, {"action": "choices", "lead": ["no-such-lead"]})
        self.assertEqual(status, 400)
        self.assertEqual(sorted(self.d.sql("SELECT lead FROM endpoint_leads")), [("1d",), ("3d",)])
        unsubscribe = urllib.parse.urlsplit(reminder["List-Unsubscribe"].strip("<>")).path
        self.assertEqual(self.request("POST", unsubscribe, {"List-Unsubscribe": "One-Click"})[0], 200)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("unsubscribed",)])
        count = len(self.mails_to(address))
        self.d.set_clock(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI) - timedelta(seconds=2))  # 3-day point
        time.sleep(4)
        self.assertEqual(len(self.mails_to(address)), count, "something was sent after unsubscribing")
        self.assertEqual(self.request("GET", manage)[0], 404, "a manage link outlived the unsubscribe")

    def test_the_answer_is_the_same_for_known_and_unknown_addresses_and_resends_are_limited(self):
        form = {"email": "known@example.cn", "lead": ["7d"], "consent": "yes"}
        first = self.request("POST", "/subscribe", form)
        wait_for(lambda: self.mails_to("known@example.cn"), 20, "the first confirmation")
        again = self.request("POST", "/subscribe", form)      # within 10 minutes: no second mail
        unknown = self.request("POST", "/subscribe", {"email": "unknown@example.cn", "lead": ["7d"], "consent": "yes"})
        self.assertEqual(first[0], 200)
        self.assertEqual(again, first)
        self.assertEqual(unknown, first)  # word for word: no address on the page at all
        time.sleep(1)
        self.assertEqual(len(self.mails_to("known@example.cn")), 1)
        # The second request's mail was held back, not dropped: once the limit allows (10
        # minutes), the daemon sends it without anyone asking again.
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1) + timedelta(minutes=11))
        wait_for(lambda: len(self.mails_to("known@example.cn")) == 2, 20, "the held-back confirmation")
        time.sleep(2)
        self.assertEqual(len(self.mails_to("known@example.cn")), 2, "more than one held-back mail for one address")

    def confirmed_manage_link(self, address):
        self.request("POST", "/subscribe", {"email": address, "lead": ["7d", "3d"], "category": ["资金引导"],
                                            "consent": "yes"})
        [mail] = wait_for(lambda: self.mails_to(address), 20, "the confirmation")
        self.assertEqual(self.request("POST", self.link_in(mail, "/confirm/"), {})[0], 200)
        [(subscriber,)] = self.d.sql("SELECT id FROM subscribers WHERE email = ?", address)
        return subscriber

    def test_a_webhook_added_on_the_manage_page_gets_reminders_and_replays_after_re_enabling(self):
        answers = {"status": 410}
        receiver = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", lambda n, r: answers["status"])
        self.addCleanup(receiver.close)
        self.confirmed_manage_link("hooks@example.cn")
        # The manage link comes in every reminder: take it from the 7-day one.
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        reminder = wait_for(lambda: [m for m in self.mails_to("hooks@example.cn") if m["List-Unsubscribe"]], 30,
                            "the first reminder")[0]
        manage = self.link_in(reminder, "/manage/")
        status, page = self.request("POST", manage, {"action": "add", "kind": "webhook", "url": "https://10.1.2.3/hook"})
        self.assertEqual(status, 400, "a private address was accepted")
        status, page = self.request("POST", manage, {"action": "add", "kind": "webhook", "url": receiver.url})
        self.assertEqual(status, 200, page)
        secret = re.search(r"(whsec_[A-Za-z0-9+/=]+)", page).group(1)
        receiver.secret = secret
        # The 3-day reminder goes to the webhook too; it answers 410: disabled, the subscriber told.
        self.d.set_clock(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI) - timedelta(seconds=2))
        wait_for(lambda: self.d.sql("SELECT state FROM endpoints WHERE kind = 'webhook'") == [("disabled",)], 30,
                 "the webhook to be disabled")
        wait_for(lambda: any("已停用" in str(m["Subject"]) for m in self.mails_to("hooks@example.cn")), 20,
                 "the notice email")
        first = len(receiver.snapshot())
        # Fixed: re-enable on the manage page; what it missed is replayed while the window is open.
        answers["status"] = 200
        [(endpoint,)] = self.d.sql("SELECT id FROM endpoints WHERE kind = 'webhook'")
        status, page = self.request("POST", manage, {"action": "reenable", "endpoint": str(endpoint)})
        self.assertEqual(status, 200, page)
        self.assertIn("已重新启用", page)
        replayed = wait_for(lambda: [r for r in receiver.snapshot()[first:] if r["status"] == 200], 30, "the replay")
        self.assertTrue(replayed[0]["valid"], "the replayed webhook is not signed with the secret the page showed")
        # "Test this endpoint": one signed reminder with the lead "test", within seconds.
        before = len(receiver.snapshot())
        status, page = self.request("POST", manage, {"action": "test", "endpoint": str(endpoint)})
        self.assertEqual(status, 200, page)
        self.assertIn("测试提醒已排队", page)
        test = wait_for(lambda: receiver.snapshot()[before:], 20, "the test reminder")[0]
        self.assertTrue(test["valid"])
        self.assertEqual([r["lead"] for r in event(test)["reminders"]], ["test"])

    def test_subscribing_too_often_from_one_address_is_answered_429(self):
        # Typos first (an office behind one address): they do not use up the allowance.
        typos = [self.request("POST", "/subscribe", {"email": f"typo{i}@", "lead": ["7d"], "consent": "yes"})[0]
                 for i in range(8)]
        self.assertEqual(typos, [400] * 8)
        answers = [self.request("POST", "/subscribe", {"email": f"u{i}@example.cn", "lead": ["7d"], "consent": "yes"})[0]
                   for i in range(7)]
        self.assertEqual(answers[:5], [200] * 5)
        self.assertEqual(answers[5:], [429, 429])
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}/subscribe", method="POST",
                                         data="email=x%40example.cn&lead=7d&consent=yes&keyword=保险".encode())
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        self.assertGreaterEqual(int(refused.exception.headers["Retry-After"]), 1)
        # The 429 keeps the form as entered and says when to try again.
        page = refused.exception.read().decode()
        self.assertIn('value="x@example.cn"', page)
        self.assertIn('value="保险"', page)
        self.assertIn("提交过于频繁：请在", page)
        self.assertIn('action="/subscribe#subscribe"', page)
        self.assertEqual(self.d.sql("SELECT count(*) FROM subscribers"), [(5,)])

    def test_a_forged_confirm_link_is_refused(self):
        self.request("POST", "/subscribe", {"email": "a@example.cn", "lead": ["7d"], "consent": "yes"})
        [mail] = wait_for(lambda: self.mails_to("a@example.cn"), 20, "the confirmation")
        confirm = self.link_in(mail, "/confirm/")
        forged = confirm[:-2] + ("AA" if not confirm.endswith("AA") else "BB")
        self.assertEqual(self.request("POST", forged, {})[0], 404)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("pending",)])


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
