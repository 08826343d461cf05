"""The manage page end to end (issue 21, §3, §4, §5, §6): endpoints named, edited, deleted and
shown without their secrets; their real state with the problem in Chinese; the 10-endpoint cap
after re-subscribing; a test reminder about a window the endpoint chose; POST/redirect/GET; the
one-time webhook key; erasing everything. The real deadlined with the bundled handbook, a real
SMTP server (aiosmtpd), real webhook receivers on 127.0.0.1.
Usage: /usr/bin/python3 manage_test.py BUILD_DIR CALENDARS_DIR"""

import email
import json
import re
import sys
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
NOT_YOURS = "这个接收方式不属于您的订阅，或已删除。"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Manage(unittest.TestCase):
    def setUp(self):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=mail_config(self.smtp.port))
        self.addCleanup(self.d.close)
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1))
        self.d.start()

    # --- helpers -------------------------------------------------------------------------------
    def request(self, method, path, form=None, follow=True):
        """(status, body, headers, final URL); a POST answered 303 is followed with a GET, as a
        browser does, unless follow=False."""
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(), response.headers, response.url
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers, e.url

    def mails_to(self, address):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()
                if m.recipients == [address]]

    def subscribe(self, address, form=None):
        """An active subscription of `address`; its manage path (from the page after confirming)."""
        before = len(self.mails_to(address))
        fields = {"email": address, "lead": ["7d", "3d"], "consent": "yes"}
        fields.update(form or {})
        self.request("POST", "/subscribe", fields)
        mails = wait_for(lambda: self.mails_to(address)[before:], 20, "the confirmation")
        text = mails[-1].get_body(("plain",)).get_content()
        confirm = re.search(r"https://deadlined\.example\.cn(/confirm/[A-Za-z0-9_-]+)", text).group(1)
        status, page, _, _ = self.request("POST", confirm, {})
        self.assertEqual(status, 200, page)
        return re.search(r'href="(/manage/[A-Za-z0-9_-]+)"', page).group(1)

    def add(self, manage, kind, url, **extra):
        return self.request("POST", manage, {"action": "add", "kind": kind, "url": url, **extra})

    def endpoint_ids(self, kind):
        return [row[0] for row in self.d.sql("SELECT id FROM endpoints WHERE kind = ? ORDER BY id", kind)]

    def item(self, page, endpoint):
        start = page.index(f'id="endpoint-{endpoint}"')
        return page[start:page.index("</li>", start)]

    # --- the tests -----------------------------------------------------------------------------
    def test_a_webhook_is_named_shown_without_its_path_edited_and_deleted_after_a_second_step(self):
        receiver = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        self.addCleanup(receiver.close)
        manage = self.subscribe("hooks@example.cn", {"category": ["资金引导"]})
        # The answer with the new key: not a redirect, served once, never cached, the key not in a URL.
        status, page, headers, url = self.add(manage, "webhook", receiver.url + "/private-path?token=p1", name="财务群")
        self.assertEqual(status, 200, page)
        self.assertEqual(headers["Cache-Control"], "no-store")
        secret = re.search(r'<code id="new-secret" class="secret-value">(whsec_[A-Za-z0-9+/=]+)</code>', page).group(1)
        self.assertNotIn(secret, url)
        self.assertIn("只显示这一次", page)
        [hook] = self.endpoint_ids("webhook")
        status, page, _, _ = self.request("GET", manage)
        self.assertNotIn(secret, page, "the key was shown again")
        item = self.item(page, hook)
        self.assertIn("财务群", item)
        self.assertIn(f"http://127.0.0.1:{receiver.port}/…", item)
        self.assertIn("密钥尾号 " + secret[-4:], item)
        self.assertIn("正常", item)
        self.assertNotIn("private-path", page)
        self.assertNotIn("token=p1", page)
        # A robot added without a name gets one, shown with its host and no key.
        status, page, _, _ = self.add(manage, "wecom", f"http://127.0.0.1:{receiver.port}/cgi-bin/webhook/send?key=wecom-key-9")
        self.assertEqual(status, 200, page)  # after the redirect
        [robot] = self.endpoint_ids("wecom")
        self.assertIn("企业微信机器人 1", self.item(page, robot))
        self.assertNotIn("wecom-key-9", page)
        self.assertEqual(self.d.sql("SELECT name FROM endpoints WHERE id = ?", robot), [("企业微信机器人 1",)])

        # Edit: its own page, then its own name and choices; answered 303 to ?done=saved.
        status, page, _, _ = self.request("GET", f"{manage}?edit={hook}")
        self.assertEqual(status, 200)
        self.assertIn('value="财务群"', page)
        self.assertIn('value="资金引导" checked', page)
        form = {"action": "edit", "endpoint": str(hook), "name": "项目申报群", "category": ["认定培育"], "lead": ["1d"]}
        status, _, headers, _ = self.request("POST", manage, form, follow=False)
        self.assertEqual(status, 303)
        self.assertEqual(headers["Location"], f"{manage}?done=saved")
        status, page, _, _ = self.request("GET", f"{manage}?done=saved")
        self.assertIn("已保存", page)
        self.assertIn("项目申报群", self.item(page, hook))
        self.assertEqual(self.d.sql("SELECT name FROM endpoints WHERE id = ?", hook), [("项目申报群",)])
        self.assertEqual(self.d.sql("SELECT value FROM endpoint_filters WHERE endpoint_id = ?", hook), [("认定培育",)])
        self.assertEqual(self.d.sql("SELECT lead FROM endpoint_leads WHERE endpoint_id = ?", hook), [("1d",)])
        email_id = self.endpoint_ids("email")[0]
        self.assertEqual(self.d.sql("SELECT value FROM endpoint_filters WHERE endpoint_id = ?", email_id), [("资金引导",)])
        # The email's choices: saved with a redirect too; an error answers 400 with the page.
        status, _, headers, _ = self.request("POST", manage, {"action": "choices", "lead": ["1d"]}, follow=False)
        self.assertEqual((status, headers["Location"]), (303, f"{manage}?done=saved"))
        self.assertEqual(self.request("POST", manage, {"action": "choices", "lead": ["no-such-lead"]})[0], 400)
        # A name too long is refused beside its field; nothing changes.
        status, page, _, _ = self.request("POST", manage, {**form, "name": "长" * 41})
        self.assertEqual(status, 400)
        self.assertIn("名称太长", page)
        self.assertEqual(self.d.sql("SELECT name FROM endpoints WHERE id = ?", hook), [("项目申报群",)])

        # Delete: a question first (a GET changes nothing), then the POST.
        status, page, _, _ = self.request("GET", f"{manage}?delete={hook}")
        self.assertEqual(status, 200)
        self.assertIn("确定删除“项目申报群”", page)
        self.assertEqual(self.endpoint_ids("webhook"), [hook])
        status, _, headers, _ = self.request("POST", manage, {"action": "delete", "endpoint": str(hook)}, follow=False)
        self.assertEqual((status, headers["Location"]), (303, f"{manage}?done=deleted"))
        self.assertEqual(self.endpoint_ids("webhook"), [])
        status, page, _, _ = self.request("GET", f"{manage}?done=deleted")
        self.assertIn("已删除", page)
        # Another subscriber's endpoint (or a deleted one) is not theirs to touch.
        other = self.subscribe("other@example.cn")
        for action in ["delete", "test", "reenable"]:
            status, page, _, _ = self.request("POST", other, {"action": action, "endpoint": str(robot)})
            self.assertEqual(status, 404, action)
            self.assertIn(NOT_YOURS, page)
        self.assertEqual(self.endpoint_ids("wecom"), [robot])
        self.assertEqual(self.request("GET", f"{other}?edit={robot}")[0], 404)
        self.assertEqual(self.request("POST", manage, {"action": "delete", "endpoint": str(email_id)})[0], 409)

    def test_an_address_or_key_refused_says_the_real_reason_in_chinese(self):
        manage = self.subscribe("refused@example.cn")
        cases = [
            ({"kind": "webhook", "url": "http://10.0.0.1/hook"}, "url", "不接受不加密的 http 地址"),
            ({"kind": "webhook", "url": "https://[::1]/hook"}, "url", "指向内网或本机"),
            ({"kind": "webhook", "url": "https://[::ffff:127.0.0.1]:28391/x"}, "url", "指向内网或本机"),
            ({"kind": "webhook", "url": "https://localhost./x"}, "url", "指向本机"),
            ({"kind": "webhook", "url": "https://user:pass@hooks.example.cn/x"}, "url", "带有用户名或密码"),
            ({"kind": "webhook", "url": "https://hooks.example.cn/" + "a" * 2100}, "url", "这个地址太长"),
            ({"kind": "webhook", "url": "https://hooks.example.cn/x", "secret": "whsec_abc"}, "secret",
             "签名密钥的格式不对"),
            ({"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=t", "secret": "abc"},
             "secret", "应以 SEC 开头"),
        ]
        for form, field, words in cases:
            with self.subTest(form=form):
                status, page, _, _ = self.add(manage, **form)
                self.assertEqual(status, 400, page)
                error = re.search(rf'<p class="error" id="{field}-error"><strong>([^<]*)</strong>', page)
                self.assertIsNotNone(error, page)
                self.assertIn(words, error.group(1))
                self.assertNotRegex(error.group(1), r"[A-Za-z]{4,} [A-Za-z]{3,}", "an English sentence")
        self.assertEqual(self.endpoint_ids("webhook") + self.endpoint_ids("dingtalk"), [])

    def test_endpoints_left_by_an_earlier_subscription_neither_count_nor_show(self):
        address = "again@example.cn"
        manage = self.subscribe(address)
        for i in range(9):  # with the email endpoint: the 10 allowed
            self.assertEqual(self.add(manage, "webhook", f"http://127.0.0.1:9/old-{i}")[0], 200)
        self.assertIn("最多只能有 10 个接收方式", self.add(manage, "webhook", "http://127.0.0.1:9/x")[1])
        status, page, _, _ = self.request("GET", manage)
        unsubscribe = re.search(r'href="(/unsubscribe/[A-Za-z0-9_-]+)"', page).group(1)
        self.assertEqual(self.request("POST", unsubscribe, {"List-Unsubscribe": "One-Click"})[0], 200)
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1) + timedelta(minutes=11))  # past the resend limit
        again = self.subscribe(address)
        for i in range(3):
            status, page, _, _ = self.add(again, "webhook", f"http://127.0.0.1:9/new-{i}")
            self.assertEqual(status, 200, f"webhook {i + 1} after re-subscribing: {page[-600:]}")
        status, page, _, _ = self.request("GET", again)
        self.assertEqual(page.count('class="endpoint"'), 4)  # the email and the three new webhooks
        self.assertNotIn("已退订", page)
        # The JSON API's list agrees.
        token = again.rsplit("/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{self.d.port}/api/v1/manage/{token}", timeout=10) as r:
            shown = json.loads(r.read())
        self.assertEqual(len(shown["endpoints"]), 4)
        self.assertEqual({e["state"] for e in shown["endpoints"]}, {"active"})

    def test_each_endpoint_shows_its_real_state_and_its_problem_in_chinese(self):
        receiver = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", lambda n, r: 503)
        self.addCleanup(receiver.close)
        manage = self.subscribe("state@example.cn", {"category": ["资金引导"]})
        self.add(manage, "webhook", receiver.url, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        [hook] = self.endpoint_ids("webhook")
        # The 7-day reminder fails: the endpoint is still active, but failing.
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        wait_for(lambda: self.d.sql("SELECT failing_since IS NOT NULL FROM endpoints WHERE id = ?", hook) == [(1,)],
                 30, "the webhook to fail")
        status, page, _, _ = self.request("GET", manage)
        item = self.item(page, hook)
        self.assertIn("发送失败，正在重试", item)
        self.assertNotIn("正常", item)
        self.assertIn("接收地址暂时出错，系统会自动重试", item)
        self.assertNotIn("HTTP", item)
        self.assertIn("密钥尾号 LaSw", item)
        # Stopped for its settings: 需要处理, with the reason in Chinese and a way back.
        self.d.sql("UPDATE endpoints SET state = 'needs_attention', state_reason = 'HTTP 404 Not Found' WHERE id = ?", hook)
        item = self.item(self.request("GET", manage)[1], hook)
        self.assertIn("需要处理", item)
        self.assertIn("接收地址找不到这个地址（404）", item)
        self.assertIn("重新启用", item)
        self.assertNotIn("Not Found", item)
        self.d.sql("UPDATE endpoints SET state = 'disabled' WHERE id = ?", hook)
        self.assertIn("已停用", self.item(self.request("GET", manage)[1], hook))

    def test_a_test_reminder_is_about_a_window_the_endpoint_chose(self):
        receiver = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        self.addCleanup(receiver.close)
        manage = self.subscribe("tests@example.cn")
        for category in ["资金引导", "认定培育"]:
            self.add(manage, "webhook", receiver.url, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            hook = self.endpoint_ids("webhook")[-1]
            self.request("POST", manage, {"action": "edit", "endpoint": str(hook), "name": category,
                                          "category": [category], "lead": ["7d"]})
            before = len(receiver.snapshot())
            status, _, headers, _ = self.request("POST", manage, {"action": "test", "endpoint": str(hook)}, follow=False)
            self.assertEqual((status, headers["Location"]), (303, f"{manage}?done=test"))
            self.assertIn("测试提醒已排队", self.request("GET", f"{manage}?done=test")[1])
            test = wait_for(lambda: receiver.snapshot()[before:], 20, "the test reminder")[0]
            [reminder] = event(test)["reminders"]
            self.assertEqual(reminder["lead"], "test")
            self.assertEqual(reminder["programme"]["category"], category, "a test about a programme it did not choose")
        # Chosen programmes with no open window: said in Chinese, nothing sent.
        hook = self.endpoint_ids("webhook")[-1]
        self.d.set_clock(datetime(2099, 1, 1, tzinfo=SHANGHAI))
        before = len(receiver.snapshot())
        status, page, _, _ = self.request("POST", manage, {"action": "test", "endpoint": str(hook)})
        self.assertEqual(status, 409)
        self.assertIn("都没有正在申报的批次", page)
        self.assertNotIn("no such", page)
        self.assertEqual(len(receiver.snapshot()), before)

    def test_erasing_everything_deletes_the_subscriber_endpoints_messages_and_feed(self):
        manage = self.subscribe("erase@example.cn", {"category": ["资金引导"]})
        self.add(manage, "webhook", "http://127.0.0.1:9/hook")
        keep = self.subscribe("keep@example.cn")
        status, page, _, _ = self.request("GET", manage)
        self.assertIn("删除我的全部信息", page)
        feed = re.search(r"https://deadlined\.example\.cn(/feeds/[A-Za-z0-9_-]+\.ics)", page).group(1)
        self.assertEqual(self.request("GET", feed)[0], 200)
        # The question first: nothing is deleted by a GET.
        status, page, _, _ = self.request("GET", f"{manage}?erase=1")
        self.assertEqual(status, 200)
        self.assertIn('value="erase"', page)
        self.assertEqual(self.d.sql("SELECT count(*) FROM subscribers"), [(2,)])
        status, page, _, _ = self.request("POST", manage, {"action": "erase"})
        self.assertEqual(status, 200, page)
        self.assertIn("全部信息已删除", page)
        self.assertEqual(self.d.sql("SELECT email FROM subscribers"), [("keep@example.cn",)])
        self.assertEqual(self.d.sql("SELECT count(*) FROM endpoints WHERE address LIKE '%9/hook'"), [(0,)])
        self.assertEqual(self.d.sql("SELECT count(*) FROM messages m LEFT JOIN endpoints e ON e.id = m.endpoint_id "
                                    "WHERE e.id IS NULL"), [(0,)])
        self.assertEqual(self.request("GET", manage)[0], 404)
        self.assertEqual(self.request("GET", feed)[0], 404)
        self.assertEqual(self.request("GET", keep)[0], 200)


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
