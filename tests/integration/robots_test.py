"""WeCom, DingTalk and Feishu robots end to end: the real deadlined and deadlinectl, a real SQLite
file, and robot_receiver.py on 127.0.0.1 playing the three platforms (signatures checked with
Python's hmac, timestamps against the daemon's clock).
Usage: /usr/bin/python3 robots_test.py BUILD_DIR"""

import json
import os
import sys
import time
import unittest
from datetime import datetime, timedelta

from harness import SHANGHAI, Daemon, calendar_toml, wait_for
from robot_receiver import RobotReceiver

BUILD_DIR = None
DINGTALK_SECRET = "SEC3a5f0c9d1e7b2a4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3"
FEISHU_SECRET = "f3UdYqJ9pZ2mX7kL0wR4tB"
CLOSES = "2030-01-01T12:00"                                     # a timed close, local
DUE_2H = datetime(2030, 1, 1, 10, 0, tzinfo=SHANGHAI)           # its "2h" reminder


def move_clock(d, seconds):
    """Moves the daemon's clock by `seconds`, replacing the offset file in one step (the daemon
    never reads a half-written offset)."""
    with open(d.clock_file) as f:
        offset = int(f.read())
    temporary = d.clock_file + ".new"
    with open(temporary, "w") as f:
        f.write(str(offset + seconds))
    os.replace(temporary, d.clock_file)


class RobotCase(unittest.TestCase):
    def daemon(self, windows=(("apply", CLOSES, None),), clock=DUE_2H - timedelta(seconds=2),
               delivery="retry_delays_seconds = [1, 1, 1, 1]", late_after=None):
        self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml(list(windows)), delivery=delivery)
        self.addCleanup(self.d.close)
        if late_after is not None:
            with open(self.d.config) as f:
                config = f.read()
            with open(self.d.config, "w") as f:
                f.write(config.replace("replan_seconds = 1\n", f"replan_seconds = 1\nlate_after_seconds = {late_after}\n"))
        self.d.set_clock(clock)
        self.receiver = RobotReceiver(now=lambda: self.d.daemon_now().timestamp())
        self.addCleanup(self.receiver.close)
        self.assertEqual(self.d.ctl("subscribers", "add", "ops@example.cn").returncode, 0)
        return self.d

    def add(self, platform, token, secret=None, lead="2h", receiver_secret=None, keyword=None, script=None):
        """A robot on the receiver (knowing `receiver_secret`, by default the same secret) and an
        endpoint for it added with deadlinectl."""
        known = receiver_secret if receiver_secret is not None else secret
        self.receiver.add(platform, token, known, keyword, script)
        args = ["endpoints", "add", "--subscriber", "1", "--kind", platform,
                "--address", self.receiver.url(platform, token), "--lead", lead]
        if secret:
            args += ["--secret", secret]
        added = self.d.ctl(*args)
        self.assertEqual(added.returncode, 0, added.stderr)
        return int(added.stdout.split()[0])

    def messages(self):
        return self.d.sql("SELECT e.kind, m.state, m.attempts FROM messages m JOIN endpoints e ON e.id = m.endpoint_id "
                          "ORDER BY e.id, m.due_at")


class Delivers(RobotCase):
    def test_each_platform_gets_a_signed_markdown_reminder(self):
        d = self.daemon()
        self.add("wecom", "wecom-key-1")
        self.add("dingtalk", "dingtalk-token-1", DINGTALK_SECRET, keyword="截止")
        self.add("feishu", "feishu-hook-1", FEISHU_SECRET, keyword="截止")
        d.start()
        wait_for(lambda: self.messages() == [("wecom", "delivered", 1), ("dingtalk", "delivered", 1),
                                             ("feishu", "delivered", 1)], 20, "three deliveries")
        for platform, token in [("wecom", "wecom-key-1"), ("dingtalk", "dingtalk-token-1"), ("feishu", "feishu-hook-1")]:
            [request] = self.receiver.requests(platform, token)
            self.assertTrue(request["valid"], f"{platform}: {request['problems']}")
            self.assertEqual(request["code"], 0)
            text = request["text"]
            self.assertIn("集成测试项目", text)
            self.assertIn("截止：2030年1月1日 12:00", text)
            self.assertIn("截止时间为2030-01-01T12:00", text)  # the phrase, verbatim
            self.assertIn("今天截止", text)
            self.assertIn("办理：企业", text)
            self.assertIn("[查看通知原文](https://example.cn/it)", text)
            print(f"  {platform}: {request['raw'].decode()}", file=sys.stderr)
        dingtalk = self.receiver.requests("dingtalk", "dingtalk-token-1")[0]
        self.assertEqual(set(dingtalk["query"]), {"access_token", "timestamp", "sign"})
        self.assertLess(abs(int(dingtalk["query"]["timestamp"][0]) / 1000 - DUE_2H.timestamp()), 60)
        feishu = self.receiver.requests("feishu", "feishu-hook-1")[0]
        self.assertLess(abs(int(feishu["json"]["timestamp"]) - DUE_2H.timestamp()), 60)
        self.assertEqual(self.receiver.unknown, [])
        log = d.log()
        for secret in ["wecom-key-1", "dingtalk-token-1", "feishu-hook-1", DINGTALK_SECRET, FEISHU_SECRET]:
            self.assertNotIn(secret, log, "a robot's secret reached the log")
        self.assertEqual(d.stop(), 0)

    def test_reminders_due_together_go_as_one_digest_soonest_first(self):
        # Both windows close on 2 January; their "1d" reminders are both due at 09:00 on 1 January.
        d = self.daemon(windows=[("recommend", "2030-01-02T18:00", None), ("apply", "2030-01-02T12:00", None)],
                        clock=datetime(2030, 1, 1, 9, 0, tzinfo=SHANGHAI) - timedelta(seconds=2))
        self.add("wecom", "wecom-digest", lead="1d")
        self.add("feishu", "feishu-digest", FEISHU_SECRET, lead="1d")
        d.start()
        wait_for(lambda: self.messages() == [("wecom", "delivered", 1), ("feishu", "delivered", 1)], 20,
                 "one message per robot")
        time.sleep(1)
        for platform, token in [("wecom", "wecom-digest"), ("feishu", "feishu-digest")]:
            requests = self.receiver.requests(platform, token)
            self.assertEqual(len(requests), 1, f"{platform}: the digest came as {len(requests)} messages")
            text = requests[0]["text"]
            self.assertTrue(requests[0]["valid"], requests[0]["problems"])
            self.assertIn("共 2 项", text)
            first, second = text.find("截止时间为2030-01-02T12:00"), text.find("截止时间为2030-01-02T18:00")
            self.assertTrue(0 <= first < second, f"{platform}: not soonest close first:\n{text}")
            self.assertEqual(text.count("还剩 1 天"), 2)
        self.assertEqual(self.receiver.requests("feishu", "feishu-digest")[0]["title"], "申报截止提醒（2 项）")


class PlatformRefusals(RobotCase):
    def test_dingtalk_130101_backs_off_for_ten_minutes_of_daemon_time(self):
        # A second reminder to the same robot falls due 5 minutes into the throttle: it waits too.
        d = self.daemon(windows=[("apply", CLOSES, None), ("recommend", "2030-01-01T12:05", None)])
        self.add("dingtalk", "dingtalk-fast", DINGTALK_SECRET, script=lambda n, r: 130101 if n == 1 else None)
        d.start()
        wait_for(lambda: self.receiver.requests("dingtalk", "dingtalk-fast"), 20, "the first request")
        time.sleep(3)  # the configured retry delay is 1 s: a retry would have come by now
        self.assertEqual(len(self.receiver.requests("dingtalk", "dingtalk-fast")), 1)
        self.assertEqual(d.sql("SELECT state FROM messages"), [("retry",)])
        move_clock(d, 9 * 60)  # 9 minutes later: still throttled, for both reminders
        wait_for(lambda: len(d.sql("SELECT id FROM messages")) == 2, 10, "the second reminder's message")
        time.sleep(3)
        self.assertEqual(len(self.receiver.requests("dingtalk", "dingtalk-fast")), 1, "sent within 10 minutes")
        move_clock(d, 2 * 60)
        wait_for(lambda: self.messages() == [("dingtalk", "delivered", 2), ("dingtalk", "delivered", 1)], 20,
                 "both sent after the throttle (the second on its first attempt)")
        first, *after = self.receiver.requests("dingtalk", "dingtalk-fast")
        self.assertEqual(first["code"], 130101)
        self.assertEqual(len(after), 2)
        for request in after:
            self.assertGreaterEqual(request["at"] - first["at"], 600)
            self.assertEqual(request["code"], 0)
            self.assertTrue(request["valid"], request["problems"])  # signed afresh: its own timestamp
            self.assertNotEqual(first["query"]["timestamp"], request["query"]["timestamp"])
        self.assertEqual(d.sql("SELECT state FROM endpoints"), [("active",)])

    def test_configuration_errors_need_attention_and_are_not_retried(self):
        d = self.daemon()
        wecom = self.add("wecom", "wecom-revoked")
        self.receiver.robots.pop(("wecom", "wecom-revoked"))  # the key no longer exists: 93000
        dingtalk = self.add("dingtalk", "dingtalk-wrong", "SECnot-the-robots-secret", receiver_secret=DINGTALK_SECRET)
        feishu = self.add("feishu", "feishu-wrong", "not-the-bots-secret", receiver_secret=FEISHU_SECRET)
        d.start()
        wait_for(lambda: d.sql("SELECT count(*) FROM endpoints WHERE state = 'needs_attention'")[0][0] == 3, 20,
                 "three endpoints needing attention")
        time.sleep(3)  # retries (1 s apart) would show now
        reasons = dict(d.sql("SELECT id, state_reason FROM endpoints"))
        self.assertIn("WeCom errcode 93000: invalid webhook url", reasons[wecom])
        self.assertIn("DingTalk errcode 310000: sign not match", reasons[dingtalk])
        self.assertIn("Feishu code 19021: sign match fail", reasons[feishu])
        self.assertEqual(len(self.receiver.unknown), 1)
        self.assertEqual(len(self.receiver.requests("dingtalk", "dingtalk-wrong")), 1)
        self.assertEqual(len(self.receiver.requests("feishu", "feishu-wrong")), 1)
        # Unsent, waiting for the owner until the window closes; one attempt each.
        self.assertEqual(self.messages(), [("wecom", "retry", 1), ("dingtalk", "retry", 1), ("feishu", "retry", 1)])
        listed = d.ctl("endpoints", "list")  # through the admin API: the daemon runs
        self.assertEqual(listed.returncode, 0, listed.stderr)
        states = {e["kind"]: (e["state"], e["state_reason"]) for e in json.loads(listed.stdout)["endpoints"]}
        self.assertEqual(states["dingtalk"], ("needs_attention", "DingTalk errcode 310000: sign not match"))


class RateLimit(RobotCase):
    def test_25_messages_at_once_to_one_wecom_robot_at_most_20_a_minute_none_lost(self):
        # 25 windows closing a minute apart: their "2h" reminders are due 10:00 … 10:24, and all
        # fall due at once when the clock jumps past them (late_after is raised so that each
        # fires on time, as its own message, instead of as one late digest).
        windows = [(f"w{i:02d}", f"2030-01-01T12:{i:02d}", None) for i in range(25)]
        d = self.daemon(windows=windows, late_after=86400)
        endpoint = self.add("wecom", "wecom-busy")
        d.start()
        move_clock(d, 25 * 60)
        wait_for(lambda: len(self.receiver.requests("wecom", "wecom-busy")) >= 20, 20, "the first 20")
        time.sleep(2.5)
        self.assertEqual(len(self.receiver.requests("wecom", "wecom-busy")), 20, "more than 20 within the minute")
        waiting = d.sql("SELECT state, attempts, last_error FROM messages WHERE state != 'delivered'")
        self.assertEqual(waiting, [("retry", 0, None)] * 5, "a deferral used an attempt or left an error")
        move_clock(d, 61)
        wait_for(lambda: len(self.receiver.requests("wecom", "wecom-busy")) >= 25, 20, "the other 5")
        time.sleep(1)
        requests = self.receiver.requests("wecom", "wecom-busy")
        self.assertEqual(len(requests), 25)
        self.assertTrue(all(r["valid"] and r["code"] == 0 for r in requests))
        times = sorted(r["at"] for r in requests)
        busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
        self.assertLessEqual(busiest, 20, "more than 20 messages in one minute of daemon time")
        phrases = sorted(r["text"][r["text"].find("截止时间为"):][:len("截止时间为2030-01-01T12:00")] for r in requests)
        self.assertEqual(phrases, sorted(f"截止时间为2030-01-01T12:{i:02d}" for i in range(25)), "a reminder was lost")
        wait_for(lambda: d.sql("SELECT state, attempts FROM messages GROUP BY state, attempts") == [("delivered", 1)],
                 10, "every message delivered on its first attempt")
        self.assertEqual(d.sql("SELECT state, failing_since FROM endpoints WHERE id = ?", endpoint), [("active", None)])


class EndpointChecks(RobotCase):
    def test_deadlinectl_refuses_robot_endpoints_that_cannot_work(self):
        d = self.daemon()
        base = f"http://127.0.0.1:{self.receiver.port}"
        refused = [
            ("wecom", f"{base}/cgi-bin/webhook/send", None, "key"),
            ("wecom", f"{base}/cgi-bin/webhook/send?key=k", "a-secret", "no secret"),
            ("dingtalk", f"{base}/robot/send", None, "access_token"),
            ("dingtalk", f"{base}/robot/send?access_token=t", "whsec_abc", "SEC"),
            ("dingtalk", f"{base}/robot/send?access_token=t#x", None, "fragment"),
            ("feishu", f"{base}/open-apis/bot/v2/hook/", None, "hook id"),
            ("feishu", "ftp://example.cn/open-apis/bot/v2/hook/h", None, "http"),
            ("wecom", "https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", None, "URL"),
        ]
        for kind, address, secret, complaint in refused:
            args = ["endpoints", "add", "--subscriber", "1", "--kind", kind, "--address", address]
            result = d.ctl(*args, *(["--secret", secret] if secret else []))
            self.assertEqual(result.returncode, 1, f"{kind} {address} {secret}: {result.stdout}")
            self.assertIn(complaint, result.stderr)
            self.assertNotIn("pw@", result.stderr)
        for kind, address, secret in [("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", None),
                                      ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", None),
                                      ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc"),
                                      ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/h", None),
                                      ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/h", "any")]:
            result = d.ctl("endpoints", "add", "--subscriber", "1", "--kind", kind, "--address", address,
                           *(["--secret", secret] if secret else []))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertNotIn("secret:", result.stdout)  # only webhooks get a generated secret


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
