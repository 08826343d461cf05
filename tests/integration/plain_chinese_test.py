"""No English sentence from the code reaches a user (issue 21 §1 and "Must show"): the real
deadlined serving the bundled handbook, a real SMTP server (aiosmtpd), a webhook receiver and the
robot receiver on 127.0.0.1. A subscriber subscribes and confirms through the pages, adds a webhook
and the three chat robots through the JSON API, gets the 7-day reminders, a test reminder on
every endpoint, and the mail about an endpoint that keeps failing. Every text a user reads is
collected: mail subjects and bodies (text and HTML parts, decoded), robot message texts and
titles, the webhook events' human texts, and the public pages (home, a programme, the subscribe
answer, confirm, manage, unsubscribe, 404). URLs, addresses, ids, tokens and hex are stripped;
what remains may hold no ASCII word outside a short allow-list.
Usage: /usr/bin/python3 plain_chinese_test.py BUILD_DIR CALENDARS_DIR"""

import email
import html
import json
import os
import re
import socket
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from email import policy
from html.parser import HTMLParser

from harness import SHANGHAI, Daemon, wait_for
from receiver import Receiver
from robot_receiver import RobotReceiver
from smtp_server import SmtpServer, mail_config

BUILD_DIR = CALENDARS = None
SEVEN_DAYS_BEFORE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # November estimates' 7d reminder
ADDRESS = "finance@enterprise.example.cn"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DINGTALK_SECRET = "SEC3a5f0c9d1e7b2a4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3"

# ASCII words a Chinese reader meets in any Chinese software and that have no better word, each
# justified. Keep it short: a word is added here only with its reason.
ALLOWED = {
    "Webhook", "webhook",   # the platforms' own name for the address (企业微信, 钉钉 and 飞书 say Webhook)
    "https", "http",        # what an address must start with, in the refusals' advice
    "ics", "iCalendar",     # the calendar file and its format, as calendar apps name them
    "webcal",               # the subscription link's scheme, the name calendar apps show for it
    "Outlook", "Google", "Apple",  # calendar apps named by their brands
    "OPPO", "vivo",         # phone brands whose calendars take the webcal link, as they spell themselves
    "HTTP", "URL",          # "HTTP 410" in a problem text; URL beside 网址 where the site explains one
    "SEC",                  # the prefix of a DingTalk 加签 secret, as DingTalk shows it
    "key", "access_token",  # the parameter a WeCom / DingTalk robot URL must carry, as written in it
    "IPv6",                 # the zone-id refusal names the kind of address
}

# Pages the other two engineers are rewriting (issue 21: B the subscribe flow and site pages, C the
# manage page): the English they still show is listed per page so that this test passes today and
# the lead can delete each entry when that change lands. Mails and robot messages (this
# engineer's) have no entry: they must be clean.
PAGES_UNDER_REWRITE = {
    # until engineer C's change lands
    "manage": set(),
}


class TextOf(HTMLParser):
    """The text a reader sees in an HTML document, and the attributes a browser shows."""
    SHOWN = ("placeholder", "title", "alt", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        for name, value in attrs:
            if name in self.SHOWN and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(document):
    parser = TextOf()
    parser.feed(document)
    return " ".join(parser.parts)


def english_words(text):
    """ASCII words left once URLs, addresses, ids, tokens, hex and numbers are taken out."""
    text = html.unescape(text)
    text = re.sub(r"(?:https?|webcal)://[^\s<>\"'）」，。]+", " ", text)     # URLs (the manage link, …)
    text = re.sub(r"[\w.+*-]+@[\w-]+(?:\.[\w-]+)+", " ", text)              # email addresses, masked too
    text = re.sub(r"\b[0-9a-fA-F]{16,}\b", " ", text)                        # message ids, hex
    text = re.sub(r"\b[A-Za-z0-9_-]{24,}\b", " ", text)                      # tokens
    text = re.sub(r"密钥尾号 \S{4}", " ", text)                              # a signing key's last 4 characters
    text = re.sub(r"\b\d[\d.:-]*\b", " ", text)                              # numbers, dates, times
    return re.findall(r"[A-Za-z][A-Za-z_]*", text)


class PlainChinese(unittest.TestCase):
    def setUp(self):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.hooks = Receiver(SECRET)
        self.addCleanup(self.hooks.close)
        # Nothing listens there: "Couldn't connect to server", which the failing-endpoint mail
        # used to quote as its 最近的错误.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.closed_url = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS,
                        delivery="retry_delays_seconds = [1, 1, 3600, 3600, 3600]", extra_config=mail_config(self.smtp.port))
        self.addCleanup(self.d.close)
        self.robots = RobotReceiver(now=lambda: self.d.daemon_now().timestamp())
        self.addCleanup(self.robots.close)
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1))
        self.d.start()
        self.texts = []  # (where, text)

    # --- HTTP ----------------------------------------------------------------------------------
    def request(self, method, path, form=None, body=None):
        data, headers = None, {}
        if form is not None:
            data, headers = urllib.parse.urlencode(form, doseq=True).encode(), {
                "Content-Type": "application/x-www-form-urlencoded"}
        if body is not None:
            data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}{path}", data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def page(self, name, method, path, form=None):
        status, document = self.request(method, path, form)
        self.texts.append(("page " + name, visible_text(document)))
        return status, document

    def mails(self):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()]

    def add_endpoint(self, token, kind, url, secret=None):
        body = {"kind": kind, "url": url, **({"secret": secret} if secret else {})}
        status, answer = self.request("POST", f"/api/v1/manage/{token}/endpoints", body=body)
        self.assertEqual(status, 201 if status != 200 else 200, answer)
        return json.loads(answer)["endpoint"]["id"]

    # --- the story -----------------------------------------------------------------------------
    def test_every_text_a_user_reads_is_chinese(self):
        self.page("home", "GET", "/")
        self.page("programme", "GET", "/programmes/first-set-equipment-insurance")
        self.page("404", "GET", "/no-such-page")
        status, _ = self.page("subscribe answer", "POST", "/subscribe", {"email": ADDRESS, "lead": ["7d"], "consent": "yes"})
        self.assertEqual(status, 200)
        [confirmation] = wait_for(self.mails, 20, "the confirmation mail")
        confirm = re.search(r"https://deadlined\.example\.cn(/confirm/[A-Za-z0-9_-]+)",
                            confirmation.get_body(("plain",)).get_content()).group(1)
        self.page("confirm", "GET", confirm)
        status, confirmed = self.page("confirmed", "POST", confirm, {})
        self.assertEqual(status, 200)
        token = re.search(r"/manage/([A-Za-z0-9_-]+)", confirmed).group(1)
        self.page("manage", "GET", f"/manage/{token}")

        self.robots.add("wecom", "wecom-key")
        self.robots.add("dingtalk", "dingtalk-token", DINGTALK_SECRET)
        self.robots.add("feishu", "feishu-hook")
        ids = {"webhook": self.add_endpoint(token, "webhook", self.hooks.url, SECRET),
               "failing": self.add_endpoint(token, "webhook", self.closed_url, SECRET)}
        for platform, robot in [("wecom", "wecom-key"), ("dingtalk", "dingtalk-token"), ("feishu", "feishu-hook")]:
            ids[platform] = self.add_endpoint(token, platform, self.robots.url(platform, robot),
                                              DINGTALK_SECRET if platform == "dingtalk" else None)
        self.page("manage with endpoints", "GET", f"/manage/{token}")

        # The 7-day reminders, then a test reminder on every endpoint that works.
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        wait_for(lambda: len(self.mails()) >= 2 and self.hooks.snapshot() and
                 all(self.robots.requests(p, t) for p, t in [("wecom", "wecom-key"), ("dingtalk", "dingtalk-token"),
                                                             ("feishu", "feishu-hook")]),
                 40, "the reminders on every endpoint")
        [email_endpoint] = self.d.sql("SELECT id FROM endpoints WHERE kind = 'email'")[0]
        for endpoint in [email_endpoint, ids["webhook"], ids["wecom"], ids["dingtalk"], ids["feishu"]]:
            status, answer = self.request("POST", f"/api/v1/manage/{token}/endpoints/{endpoint}/test", body={})
            self.assertIn(status, (200, 202), answer)
        wait_for(lambda: any("【测试】" in str(m["Subject"]) for m in self.mails()) and
                 len(self.hooks.snapshot()) >= 2 and
                 all(len(self.robots.requests(p, t)) >= 2 for p, t in [("wecom", "wecom-key"),
                                                                      ("dingtalk", "dingtalk-token"),
                                                                      ("feishu", "feishu-hook")]),
                 40, "the test reminders")

        # The failing webhook: after more than an hour and its next retry, its owner is mailed.
        self.d.set_clock(SEVEN_DAYS_BEFORE + timedelta(hours=2))
        wait_for(lambda: any("接收方式" in str(m["Subject"]) for m in self.mails()), 40, "the failing-endpoint mail")
        reminder = next(m for m in self.mails() if m["List-Unsubscribe"])
        unsubscribe = urllib.parse.urlsplit(reminder["List-Unsubscribe"].strip("<>")).path
        self.page("unsubscribe", "GET", unsubscribe)

        # Collect what the mails, robots and webhooks said.
        subjects = [str(m["Subject"]) for m in self.mails()]
        self.assertTrue(any(s.startswith("【测试】") for s in subjects), subjects)
        for m in self.mails():
            self.texts.append(("mail subject", str(m["Subject"])))
            self.texts.append(("mail text", m.get_body(("plain",)).get_content()))
            if m.get_body(("html",)) is not None:
                self.texts.append(("mail html", visible_text(m.get_body(("html",)).get_content())))
        for platform, robot in [("wecom", "wecom-key"), ("dingtalk", "dingtalk-token"), ("feishu", "feishu-hook")]:
            requests = self.robots.requests(platform, robot)
            self.assertTrue(any("【测试】" in r["text"] for r in requests), platform)
            for r in requests:
                self.texts.append((f"robot {platform}", r["text"]))
                if r.get("title"):
                    self.texts.append((f"robot {platform} title", r["title"]))
        for request in self.hooks.snapshot():
            body = json.loads(request["body"])
            for text in [body.get("test_text")] + [c["text"] for c in body.get("changes", [])]:
                if text:
                    self.texts.append(("webhook text", text))
        self.assertTrue(any(where == "webhook text" and text.startswith("【测试】") for where, text in self.texts))

        # The scan.
        found = {}
        for where, text in self.texts:
            page = where[len("page "):] if where.startswith("page ") else None
            allowed = ALLOWED | PAGES_UNDER_REWRITE.get(page, set())
            words = [w for w in english_words(text) if w not in allowed]
            if words and os.environ.get("PLAIN_CHINESE_DEBUG"):
                print(f"--- {where}:\n{text}", file=sys.stderr)
            if words:
                found.setdefault(where, set()).update(words)
        kinds = sorted({where for where, _ in self.texts})
        print(f"\n  scanned {len(self.texts)} texts: {', '.join(kinds)}", file=sys.stderr)
        for where, words in sorted(found.items()):
            print(f"  {where}: {sorted(words)}", file=sys.stderr)
        self.assertEqual(found, {}, "English reached a user")


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
