"""Issue 21 part B end to end: the subscribe flow a clerk meets, against the real deadlined, a real
SMTP server (aiosmtpd) and real HTTP requests. The manage link can always be recovered (a welcome
mail, a mail answering a request for an active address, a held-back mail sent when allowed and
kept over a restart); post/redirect/get; masked addresses and revoked links; consent; the site's
own error answers as Chinese pages while the JSON API keeps JSON; the 备案 footer.
Usage: /usr/bin/python3 clerk_subscribe_test.py BUILD_DIR CALENDARS_DIR"""

import email
import json
import re
import socket
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from email import policy

from harness import SHANGHAI, Daemon, wait_for
from smtp_server import SmtpServer, mail_config

BUILD_DIR = CALENDARS = None
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)
ADDRESS = "caiwu@qiye.example.cn"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class ClerkSubscribe(unittest.TestCase):
    def setUp(self):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=mail_config(self.smtp.port) + f'''
[site]
operator_name = "江苏省中小企业服务中心"
operator_contact = "025-12345678"
icp_record = "苏ICP备12345678号-1"
police_record = "苏公网安备32010202012345号"
''')
        self.addCleanup(self.d.close)
        self.d.set_clock(NOW)
        self.d.start()

    # --- HTTP ------------------------------------------------------------------------------
    def raw(self, method, path, form=None, headers=None, follow=False, body=None):
        """(status, headers, body text); redirects are not followed unless `follow`."""
        data = body if body is not None else (urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None)
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}{path}", data=data, method=method)
        if form is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def subscribe(self, address=ADDRESS, **extra):
        form = {"email": address, "lead": ["7d"], "consent": "yes", **extra}
        return self.raw("POST", "/subscribe", form)

    def mails_to(self, address):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()
                if m.recipients == [address]]

    def subjects(self, address):
        return [str(m["Subject"]) for m in self.mails_to(address)]

    def link_in(self, message, path):
        text = message.get_body(("plain",)).get_content()
        url = re.search(r"https://deadlined\.example\.cn(" + path + r"[A-Za-z0-9_-]+)", text)
        self.assertIsNotNone(url, text)
        return url.group(1)

    def confirmed(self, address=ADDRESS):
        """Subscribes and confirms `address`; returns the confirm link's path."""
        self.assertEqual(self.subscribe(address)[0], 303)
        confirmation = wait_for(lambda: [m for m in self.mails_to(address) if str(m["Subject"]) == "请确认订阅申报提醒"],
                                20, "the confirmation")[0]
        confirm = self.link_in(confirmation, "/confirm/")
        self.assertEqual(self.raw("POST", confirm, {})[0], 303)
        return confirm

    # --- §2: the manage link can always be recovered ----------------------------------------
    def test_confirming_sends_a_welcome_mail_with_the_manage_link(self):
        confirm = self.confirmed()
        welcome = wait_for(lambda: [m for m in self.mails_to(ADDRESS) if "订阅已确认" in str(m["Subject"])], 20,
                           "the welcome mail")[0]
        manage = self.link_in(welcome, "/manage/")
        self.assertEqual(self.raw("GET", manage)[0], 200)
        self.link_in(welcome, "/unsubscribe/")
        # Posting the confirm link again sends no second welcome.
        self.assertEqual(self.raw("POST", confirm, {})[0], 303)
        time.sleep(1)
        self.assertEqual(self.subjects(ADDRESS).count("订阅已确认：请保存管理链接"), 1)

    def test_a_request_for_an_active_address_is_answered_with_the_manage_link_held_back_until_allowed(self):
        self.confirmed()
        wait_for(lambda: len(self.mails_to(ADDRESS)) == 2, 20, "confirmation and welcome")
        # Asked again within the 10-minute limit: the same answer as for anyone, no mail yet.
        again = self.subscribe()
        stranger = self.subscribe("someone@qiye.example.cn")
        self.assertEqual(again[0], 303)
        self.assertEqual((again[0], again[1]["Location"], again[2]), (stranger[0], stranger[1]["Location"], stranger[2]))
        time.sleep(1.5)
        self.assertEqual(len(self.mails_to(ADDRESS)), 2)
        # Nothing is lost over a restart: the due mail is in the database.
        self.assertEqual(len(self.d.sql("SELECT 1 FROM subscribers WHERE account_mail_due_at IS NOT NULL AND email = ?",
                                        ADDRESS)), 1)
        self.d.stop()
        self.d.set_clock(NOW + timedelta(minutes=11))
        self.d.start()
        [mail] = wait_for(lambda: [m for m in self.mails_to(ADDRESS) if str(m["Subject"]) == "您的申报提醒管理链接"], 20,
                          "the manage-link mail")
        manage = self.link_in(mail, "/manage/")
        self.assertEqual(self.raw("GET", manage)[0], 200)
        time.sleep(2)
        self.assertEqual(len(self.mails_to(ADDRESS)), 3, "the held-back mail went out more than once")

    def test_the_api_answers_an_active_address_with_the_manage_link_too(self):
        self.confirmed()
        wait_for(lambda: len(self.mails_to(ADDRESS)) == 2, 20, "confirmation and welcome")
        self.d.set_clock(NOW + timedelta(minutes=11))
        time.sleep(1.5)
        status, _, body = self.raw("POST", "/api/v1/subscriptions", body=json.dumps({"email": ADDRESS}).encode(),
                                   headers={"Content-Type": "application/json"})
        self.assertEqual((status, json.loads(body)), (202, {"status": "confirmation_sent"}))
        wait_for(lambda: "您的申报提醒管理链接" in self.subjects(ADDRESS), 20, "the manage-link mail")

    # --- §5: post/redirect/get, masked addresses, revoked links ------------------------------
    def test_form_posts_redirect_to_pages_without_personal_data(self):
        status, headers, _ = self.subscribe()
        self.assertEqual(status, 303)
        self.assertEqual(headers["Location"], "/subscribed")
        status, _, page = self.raw("GET", "/subscribed")
        self.assertEqual(status, 200)
        self.assertIn("十分钟", page)
        self.assertNotIn("@", page.split("<footer")[0])
        # A refresh of the result page posts nothing: one subscriber, one mail.
        for _ in range(3):
            self.raw("GET", "/subscribed")
        time.sleep(1)
        self.assertEqual(len(self.mails_to(ADDRESS)), 1)
        # Confirm: the GET names the address masked, the POST redirects to the GET, which then
        # shows the confirmed page with the manage link.
        confirm = self.link_in(self.mails_to(ADDRESS)[0], "/confirm/")
        status, _, page = self.raw("GET", confirm)
        self.assertEqual(status, 200)
        self.assertIn("c***@qiye.example.cn", page)
        self.assertNotIn(ADDRESS, page)
        self.assertIn("同意并确认订阅", page)
        status, headers, _ = self.raw("POST", confirm, {})
        self.assertEqual((status, headers["Location"]), (303, confirm))
        status, _, page = self.raw("GET", confirm)
        self.assertEqual(status, 200)
        self.assertIn("订阅已确认", page)
        self.assertRegex(page, r'href="/manage/[A-Za-z0-9_-]+"')

    def test_unsubscribe_page_names_the_address_masked_says_robots_stop_and_revoked_links_say_so(self):
        confirm = self.confirmed()
        welcome = wait_for(lambda: [m for m in self.mails_to(ADDRESS) if "订阅已确认" in str(m["Subject"])], 20,
                           "the welcome mail")[0]
        unsubscribe = self.link_in(welcome, "/unsubscribe/")
        status, _, page = self.raw("GET", unsubscribe)
        self.assertEqual(status, 200)
        self.assertIn("c***@qiye.example.cn", page)
        self.assertNotIn(ADDRESS, page)
        self.assertIn("Webhook 和群机器人都将停止接收提醒", page)
        # The page's own button is redirected; the GET then says 已退订.
        status, headers, _ = self.raw("POST", unsubscribe, {"List-Unsubscribe": "One-Click", "via": "page"})
        self.assertEqual((status, headers["Location"]), (303, unsubscribe))
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("unsubscribed",)])
        status, _, page = self.raw("GET", unsubscribe)
        self.assertEqual(status, 200)
        self.assertIn("已退订", page)
        # A mail client's one-click POST still gets its answer at once.
        self.assertEqual(self.raw("POST", unsubscribe, {"List-Unsubscribe": "One-Click"})[0], 200)
        # The old confirm link now says it was revoked, and offers no button that would 404.
        status, _, page = self.raw("GET", confirm)
        self.assertEqual(status, 404)
        self.assertIn("这个确认链接已失效", page)
        self.assertNotIn("<button", page)
        # Subscribed again: the old unsubscribe link says it was replaced, with no button.
        self.confirmed_again()
        status, _, page = self.raw("GET", unsubscribe)
        self.assertEqual(status, 404)
        self.assertIn("重新订阅过", page)
        self.assertNotIn("<button", page)

    def confirmed_again(self):
        self.d.set_clock(NOW + timedelta(minutes=11))
        time.sleep(1.5)
        count = len(self.mails_to(ADDRESS))
        self.assertEqual(self.subscribe()[0], 303)
        mail = wait_for(lambda: self.mails_to(ADDRESS)[count:], 20, "the second confirmation")[0]
        self.assertEqual(self.raw("POST", self.link_in(mail, "/confirm/"), {})[0], 303)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("active",)])

    # --- §5 address field, §6 consent and the footer ------------------------------------------
    def test_consent_is_required_and_what_an_input_method_types_is_understood(self):
        status, _, page = self.raw("POST", "/subscribe", {"email": ADDRESS, "lead": ["7d"]})
        self.assertEqual(status, 400)
        self.assertIn("请阅读“个人信息说明”，勾选同意后再提交", page)
        self.assertEqual(self.d.sql("SELECT count(*) FROM subscribers"), [(0,)])
        status, _, page = self.raw("POST", "/subscribe", {"email": "财务@企业.中国", "lead": ["7d"], "consent": "yes"})
        self.assertEqual(status, 400)
        self.assertIn("暂不支持含中文等非英文字符的邮箱地址", page)
        self.assertEqual(self.subscribe("caiwu＠qiye．example.cn")[0], 303)  # full-width ＠ and ．
        wait_for(lambda: self.mails_to(ADDRESS), 20, "the confirmation to the normalised address")
        self.assertEqual(self.d.sql("SELECT email FROM subscribers"), [(ADDRESS,)])

    def test_the_form_says_what_is_collected_and_every_page_shows_the_operator_and_records(self):
        status, _, home = self.raw("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn("个人信息说明", home)
        self.assertIn("在 30 天内删除", home)                # [retention] unsubscribed_days
        self.assertIn("保存 90 天", home)                    # [retention] finished_message_days
        consent = re.search(r'<input type="checkbox" id="consent"[^>]*>', home).group(0)
        self.assertNotIn("checked", consent)
        for path in ("/", "/subscribed", "/no-such-page"):
            page = self.raw("GET", path)[2]
            self.assertIn("本服务由江苏省中小企业服务中心运营。联系方式：025-12345678", page, path)
            self.assertIn('<a href="https://beian.miit.gov.cn/" rel="noopener noreferrer">苏ICP备12345678号-1</a>', page, path)
            self.assertIn("https://beian.mps.gov.cn/#/query/webSearch?code=32010202012345", page, path)

    # --- §1: the site's own error answers -----------------------------------------------------
    def test_error_answers_are_chinese_pages_for_pages_and_json_for_the_api(self):
        for path in ("/no-such-page", "/feeds/.ics"):
            status, headers, page = self.raw("GET", path)
            self.assertEqual(status, 404, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), path)
            self.assertIn("<h1>找不到这个页面</h1>", page)
            self.assertIn('<a href="/">返回首页</a>', page)
        status, headers, _ = self.raw("PUT", "/", body=b"")
        self.assertEqual(status, 405)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        status, headers, body = self.raw("GET", "/api/v1/no-such-thing")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["code"], "not_found")
        # 413 and 431, refused by the connection itself.
        big = self.raw_socket(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                              b"Content-Length: 2000000\r\n\r\n" + b"a" * 1000)
        self.assertIn(b" 413 ", big.split(b"\r\n")[0])
        self.assertIn("提交的内容太多".encode(), big)
        huge = self.raw_socket(b"GET / HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertIn(b" 431 ", huge.split(b"\r\n")[0])
        self.assertIn(b"text/html", huge)
        self.assertIn("请求太大".encode(), huge)
        api = self.raw_socket(b"POST /api/v1/subscriptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 2000000\r\n\r\n" + b"a" * 1000)
        self.assertIn(b" 413 ", api.split(b"\r\n")[0])
        self.assertIn(b"application/json", api)

    def raw_socket(self, request):
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=10) as s:
            s.sendall(request)
            answer = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            return answer


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
