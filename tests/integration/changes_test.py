"""Change notices end to end (issue "Change notices"): the real deadlined on a real SQLite file,
a real webhook receiver on 127.0.0.1 checking signatures, the test clock. A revision that moves
one window earlier past two leads, cancels one the endpoint was reminded of, confirms an
estimate and adds a window whose first lead has passed is staged, a typo before it is dropped,
and once released each endpoint gets exactly the notices the rule says, once.
Usage: /usr/bin/python3 changes_test.py BUILD_DIR"""

import email
import json
import os
import signal
import sys
import time
import unittest
import urllib.request
from datetime import datetime, timedelta
from email import policy

import icalendar

from harness import SHANGHAI, Daemon, wait_for
from receiver import Receiver, event
from smtp_server import SmtpServer

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
# The "7d" point of the window that will be cancelled: 2029-06-08T17:00 closes, 7 days before at 09:00.
START = datetime(2029, 6, 1, 8, 59, 57, tzinfo=SHANGHAI)
DELAY = 30  # [schedule] change_notice_delay_seconds in these tests

HEAD = '''[edition]
id = "changes"
title = "变更测试"
publisher = "测试中心"
year = 2029
zone = "Asia/Shanghai"

[[programme]]
id = "cn-programme"
number = 1
page = 1
title = "变更测试项目"
group = "工业和信息化部门"
category = "资金引导"
contact = "测试"
link = "https://example.cn/cn"
eligibility = "企业"
recurs = false
recurs_reason = "测试"
'''
SOURCE = 'source = { title = "关于调整申报时间的通知", issuer = "测试厅", date = "2029-05-30", url = "https://example.cn/n/1" }\n'


def window(key, closes, status="confirmed", source=False):
    return (f'''
[[programme.window]]
key = "{key}"
phrase = "截止时间为{closes}"
status = "{status}"
actor = "企业"
role = "企业"
cycle = 2029
closes = "{closes}"
''' + (SOURCE if source else ""))


# Another programme, unchanged throughout: endpoint c follows only it.
OTHER = '''
[[programme]]
id = "other-programme"
number = 2
page = 2
title = "其他项目"
group = "科学技术部门"
category = "认定培育"
contact = "测试"
link = "https://example.cn/other"
eligibility = "企业"
recurs = false
recurs_reason = "测试"
''' + window("apply", "2029-12-20T17:00")
# A yearly programme: its month estimate is projected to 2030-2032 while it recurs; the revision
# stops it recurring, so those projections are dropped (estimate-dropped, 【不再预估】).
YEARLY = '''
[[programme]]
id = "yearly-programme"
number = 3
page = 3
title = "年度项目"
group = "工业和信息化部门"
category = "资金引导"
contact = "测试"
link = "https://example.cn/yearly"
eligibility = "企业"
recurs = true
recurs_reason = "每年开展"
''' + window("apply", "2029-09", status="estimated")
BEFORE = HEAD + window("move", "2029-06-20T17:00") + window("cancel", "2029-06-08T17:00") + \
    window("confirm", "2029-08", status="estimated") + window("remove", "2029-06-25T17:00") + OTHER + YEARLY
AFTER = HEAD + window("move", "2029-06-02T12:00", source=True) + \
    window("cancel", "2029-06-08T17:00", status="cancelled", source=True) + \
    window("confirm", "2029-08-20T17:00", source=True) + window("add", "2029-06-04T17:00", source=True) + OTHER + \
    YEARLY.replace("recurs = true", "recurs = false")
# A programme of its own whose window closes and is later extended (reopened).
LATE = '''
[[programme]]
id = "cn-late"
number = 4
page = 4
title = "延期项目"
group = "工业和信息化部门"
category = "资金引导"
contact = "测试"
link = "https://example.cn/late"
eligibility = "企业"
recurs = false
recurs_reason = "测试"

[[programme.window]]
key = "apply"
phrase = "截止时间为{closes}"
status = "confirmed"
actor = "企业"
role = "企业"
cycle = 2029
closes = "{closes}"
'''
# A slip of the keyboard: the move typed a month early. Dropped, it must reach nobody.
TYPO = AFTER.replace("2029-06-02T12:00", "2029-05-02T12:00")


def feed(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/calendar.ics", timeout=10) as response:
        return response.read()


class ChangeNotices(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver(SECRET)
        self.addCleanup(self.receiver.close)
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.d = Daemon(BUILD_DIR, calendars_text=BEFORE, notice_delay=DELAY,
                        delivery="retry_delays_seconds = [1, 1, 1, 1]", extra_config=f'''[email]
relay = "smtp://127.0.0.1:{self.smtp.port}"
from_address = "reminders@deadlined.example.cn"
from_name = "江苏省中小企业申报提醒"
''')
        self.addCleanup(self.d.close)
        self.d.set_clock(START)
        # a: every lead near the close; b: only 30 days ahead; c: another programme only.
        for n, (path, leads, programme) in enumerate([("/a", ["7d", "1d", "2h"], None), ("/b", ["30d"], None),
                                                      ("/c", ["7d", "1d"], "other-programme")], start=1):
            self.assertEqual(self.d.ctl("subscribers", "add", f"ops{n}@example.cn").returncode, 0)
            args = ["endpoints", "add", "--subscriber", str(n), "--kind", "webhook", "--address",
                    self.receiver.url + path, "--secret", SECRET]
            for lead in leads:
                args += ["--lead", lead]
            if programme:
                args += ["--programme", programme]
            added = self.d.ctl(*args)
            self.assertEqual(added.returncode, 0, added.stderr)
        # a's subscriber also reads mail, with the same leads.
        added = self.d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "email", "--address", "ops1@example.cn",
                           "--lead", "7d", "--lead", "1d", "--lead", "2h")
        self.assertEqual(added.returncode, 0, added.stderr)
        self.d.start()

    def bodies(self, path):
        return [event(r) for r in self.receiver.requests if r["path"].endswith(path)]

    def healthz_revision(self):
        return self.d.get("/healthz")[1]["calendar_revision"]

    def reload(self, text, reason):
        self.d.write_calendar(text)
        answer = self.d.ctl("reload", "--wait", "--reason", reason)
        self.assertEqual(answer.returncode, 0, answer.stderr)
        return answer.stdout

    def staged(self):
        listed = self.d.ctl("changes", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        return json.loads(listed.stdout)["staged"]

    def test_staged_dropped_replaced_released_and_told_once(self):
        d = self.d
        # The 7d reminder of the window to be cancelled reaches a: the ledger now has it.
        wait_for(lambda: self.bodies("/a"), 20, "a's 7d reminder")
        first = self.bodies("/a")[0]
        self.assertEqual(first["type"], "deadline.reminder")
        self.assertTrue(all(r["valid"] for r in self.receiver.requests))
        in_force = self.healthz_revision()

        # A typo is staged: nothing changes for anyone, and the reload says when it would go out.
        out = self.reload(TYPO, "typo")
        self.assertRegex(out, r"revision #\d+ staged, released at 2029-06-01T01:0\d:\d\dZ unless dropped")
        typo = self.staged()
        self.assertEqual(len(typo), 1)
        self.assertEqual(self.healthz_revision(), in_force)
        # The correction within the delay replaces it; the diff is still from the released revision.
        self.reload(AFTER, "the notice of 2029-05-30")
        staged = self.staged()
        self.assertEqual(len(staged), 1)
        self.assertNotEqual(staged[0]["id"], typo[0]["id"])
        self.assertEqual(staged[0]["base_revision_id"], typo[0]["base_revision_id"])
        kinds = {c["window"]: c["kinds"] for c in staged[0]["changes"]}
        self.assertEqual(kinds["cn-programme/move/2029"], ["moved", "phrase-changed"])
        self.assertEqual(kinds["cn-programme/cancel/2029"], ["cancelled"])
        self.assertIn("confirmed", kinds["cn-programme/confirm/2029"])
        self.assertEqual(kinds["cn-programme/add/2029"], ["added"])
        self.assertEqual([kinds[f"yearly-programme/apply/{y}"] for y in (2030, 2031, 2032)], [["estimate-dropped"]] * 3)
        listed = d.ctl("changes")
        self.assertIn(f"#{staged[0]['id']} staged", listed.stdout)
        self.assertIn("released now, it would tell 3 endpoint(s) of 8 window(s)", listed.stdout)
        status = json.loads(d.ctl("status").stdout)
        self.assertEqual(status["staged_revision"]["id"], staged[0]["id"])
        replaced = d.sql("SELECT state, closed_reason FROM calendar_revisions WHERE id = ?", typo[0]["id"])
        self.assertEqual(replaced[0][0], "replaced")
        # Until release the pages and feeds follow the released calendar, and nobody is told.
        self.assertEqual(self.healthz_revision(), in_force)
        self.assertNotIn(b"STATUS:CANCELLED", feed(d.port))
        time.sleep(1.5)
        self.assertEqual(len(self.bodies("/a")), 1)
        self.assertEqual(self.bodies("/b"), [])

        # Released by the operator: the notices go out, one digest per endpoint, once.
        released = d.ctl("changes", "release", str(staged[0]["id"]))
        self.assertEqual(released.returncode, 0, released.stderr)
        self.assertIn("released", released.stdout)
        wait_for(lambda: len(self.bodies("/a")) >= 2 and self.bodies("/b"), 20, "the change notices")
        self.assertNotEqual(self.healthz_revision(), in_force)
        notice_a = self.bodies("/a")[1]
        # a was reminded of the cancelled window (rule a), the move put its 1d point in the past
        # (rule b: the latest passed lead only), and the added window's 7d point has passed (rule c);
        # the confirmation keeps the estimate's promise and a was never told of it: nothing.
        told = {c["window_id"]: c for c in notice_a["changes"]}
        self.assertEqual(set(told), {"cn-programme/move/2029", "cn-programme/cancel/2029", "cn-programme/add/2029"})
        self.assertEqual(told["cn-programme/cancel/2029"]["headline"], "cancelled")
        self.assertIsNone(told["cn-programme/add/2029"]["previous"])
        self.assertEqual(told["cn-programme/move/2029"]["overdue_lead"], "1d")
        self.assertEqual(told["cn-programme/move/2029"]["previous"]["closes"], "2029-06-20T17:00")
        self.assertEqual(told["cn-programme/move/2029"]["current"]["closes"], "2029-06-02T12:00")
        # b chose only 30 days ahead: just the added window, whose 30d point has passed.
        notice_b = self.bodies("/b")[0]
        self.assertEqual([c["window_id"] for c in notice_b["changes"]], ["cn-programme/add/2029"])
        self.assertEqual(self.bodies("/c"), [])
        self.assertTrue(all(r["valid"] for r in self.receiver.requests))
        # The same by mail: the 7d reminder, then one change mail, a digest of the three windows.
        mails = wait_for(lambda: (lambda m: m if len(m) >= 2 else None)(self.smtp.received()), 20, "the change mail")
        change_mail = email.message_from_bytes(mails[1].data, policy=policy.default)
        self.assertEqual(change_mail["Subject"], "【变更】3项申报时间有变化")
        text = change_mail.get_body(("plain",)).get_content()
        for words in ("已撤回", "新增", "2029年6月2日 12:00", "2029年6月20日 17:00", "关于调整申报时间的通知"):
            self.assertIn(words, text)
        print("\n  the change mail's text part:\n" + text, file=sys.stderr)

        # The same files again, a SIGHUP, a restart: nothing more is sent.
        d.signal(signal.SIGHUP)
        wait_for(lambda: "no window changed since revision" in d.log().split("released")[-1], 10, "the repeat reload")
        d.stop()
        d.start()
        time.sleep(2)
        self.assertEqual(len(self.bodies("/a")), 2)
        self.assertEqual(len(self.bodies("/b")), 1)
        self.assertEqual(len(self.smtp.received()), 2)
        # The API and the programme page list the removed window as withdrawn until its old close.
        programme = d.get("/api/v1/programmes/cn-programme")[1]
        self.assertEqual([(w["id"], w["withdrawn"]) for w in programme["withdrawn_windows"]],
                         [("cn-programme/remove/2029", "removed")])
        self.assertIn("cancelled", [w["status"] for w in programme["windows"]])
        with urllib.request.urlopen(f"http://127.0.0.1:{d.port}/programmes/cn-programme", timeout=10) as page:
            html = page.read().decode()
        self.assertIn('class="withdrawn"', html)
        self.assertIn("【已撤回】", html)
        # The feed: the cancelled and the removed window stay as STATUS:CANCELLED with SEQUENCE
        # raised; the moved one keeps its UID with SEQUENCE raised.
        events = {str(e["UID"]).split("@")[0]: e for e in
                  icalendar.Calendar.from_ical(feed(d.port)).walk("VEVENT")}
        self.assertEqual(str(events["cn-programme-2029-cancel"]["STATUS"]), "CANCELLED")
        self.assertEqual(str(events["cn-programme-2029-remove"]["STATUS"]), "CANCELLED")
        self.assertEqual(int(events["cn-programme-2029-remove"]["SEQUENCE"]), 1)
        self.assertEqual(int(events["cn-programme-2029-move"]["SEQUENCE"]), 1)
        self.assertEqual(str(events["cn-programme-2029-move"]["STATUS"]), "CONFIRMED")
        self.assertEqual(int(events["other-programme-2029-apply"]["SEQUENCE"]), 0)
        # The dropped projections: cancelled too, told as no longer estimated, never as withdrawn.
        for year in (2030, 2031, 2032):
            dropped = events[f"yearly-programme-{year}-apply"]
            self.assertEqual(str(dropped["STATUS"]), "CANCELLED")
            self.assertTrue(str(dropped["SUMMARY"]).startswith("【不再预估】"))
        self.assertTrue(str(events["cn-programme-2029-remove"]["SUMMARY"]).startswith("【已撤回】"))
        text = feed(d.port).decode()
        start = text.rindex("BEGIN:VEVENT", 0, text.index("UID:cn-programme-2029-remove"))
        print("\n  the removed window in the feed:\n" + text[start:text.index("END:VEVENT", start) + 10],
              file=sys.stderr)
        # The dropped/replaced typo's dates reach nobody: no trigger of May was ever recorded.
        self.assertEqual(d.sql("SELECT count(*) FROM triggers WHERE closes_at < ?",
                               int(datetime(2029, 5, 3, tzinfo=SHANGHAI).timestamp()))[0][0], 0)

    def test_a_drop_tells_nobody_and_a_restart_keeps_the_released_calendar(self):
        d = self.d
        wait_for(lambda: self.bodies("/a"), 20, "a's 7d reminder")
        in_force = self.healthz_revision()
        self.reload(TYPO, "typo")
        staged = self.staged()[0]
        # A restart while staged: the released calendar comes back from the store, not the files.
        d.stop()
        d.start()
        self.assertEqual(self.healthz_revision(), in_force)
        self.assertEqual(self.staged()[0]["id"], staged["id"])
        dropped = d.ctl("changes", "drop", str(staged["id"]), "--reason", "typo")
        self.assertEqual(dropped.returncode, 0, dropped.stderr)
        self.assertEqual(self.staged(), [])
        refused = d.ctl("changes", "release", str(staged["id"]))
        self.assertEqual(refused.returncode, 1)
        self.assertIn("dropped, not staged", refused.stderr)
        # Past the delay: nothing is released, nothing sent, the calendar in force is the old one.
        d.set_clock(START + timedelta(seconds=DELAY + 5))
        time.sleep(2.5)
        self.assertEqual(self.healthz_revision(), in_force)
        self.assertEqual(len(self.bodies("/a")), 1)
        self.assertEqual(self.bodies("/b"), [])

    def test_the_delay_releases_by_itself(self):
        d = self.d
        wait_for(lambda: self.bodies("/a"), 20, "a's 7d reminder")
        in_force = self.healthz_revision()
        self.reload(AFTER, "notice")
        time.sleep(1.5)
        self.assertEqual(self.healthz_revision(), in_force)
        d.set_clock(START + timedelta(seconds=DELAY + 10))
        wait_for(lambda: len(self.bodies("/a")) >= 2 and self.bodies("/b"), 20, "the release after the delay")
        self.assertNotEqual(self.healthz_revision(), in_force)
        self.assertEqual(self.staged(), [])

    def test_a_window_closed_then_reopened_is_told_as_extended_or_as_added(self):
        d = self.d
        # Everything as before, plus a window closing at 11:00 today, released at once: a hears of it
        # (its 2h point, 09:00, as a reminder or, once passed, with the notice of the added window).
        self.reload(BEFORE + LATE.format(closes="2029-06-01T11:00"), "the late window")
        released = d.ctl("changes", "release", str(self.staged()[0]["id"]))
        self.assertEqual(released.returncode, 0, released.stderr)
        wait_for(lambda: any(r["window"]["id"] == "cn-late/apply/2029" for b in self.bodies("/a")
                             for r in b.get("reminders", [])), 20, "a's reminder of the late window")
        # d chooses only the "open" point, which this window (no opening) never has: d is never told.
        self.assertEqual(d.ctl("subscribers", "add", "ops4@example.cn").returncode, 0)
        added = d.ctl("endpoints", "add", "--subscriber", "4", "--kind", "webhook", "--address",
                      self.receiver.url + "/d", "--secret", SECRET, "--lead", "open", "--programme", "cn-late")
        self.assertEqual(added.returncode, 0, added.stderr)
        # It closes; then a notice extends it to 10 June.
        d.set_clock(datetime(2029, 6, 1, 11, 30, tzinfo=SHANGHAI))
        self.reload(BEFORE + LATE.format(closes="2029-06-10T17:00"), "extended")
        d.set_clock(datetime(2029, 6, 1, 11, 30, tzinfo=SHANGHAI) + timedelta(seconds=DELAY + 10))
        def told(path, headline):
            return [c for b in self.bodies(path) for c in b.get("changes", [])
                    if c["window_id"] == "cn-late/apply/2029" and c["headline"] == headline]
        wait_for(lambda: told("/a", "reopened") and told("/b", "reopened") and told("/d", "added"), 20,
                 "the notices of the reopening")
        [to_a] = told("/a", "reopened")
        self.assertTrue(to_a["reopened"])
        self.assertTrue(to_a["text"].startswith("【延期】"), to_a["text"])
        # b heard of the window when it was added (its 30d point had passed): extended for b too.
        # d was never told of it: for d it is a new window.
        [to_d] = told("/d", "added")
        self.assertEqual(to_d["kinds"], ["added"])
        self.assertEqual(len(self.bodies("/d")), 1)
        subjects = lambda: [email.message_from_bytes(m.data, policy=policy.default)["Subject"]
                            for m in self.smtp.received()]
        wait_for(lambda: any(s.startswith("【延期】") for s in subjects()), 20, "a's mail of the extension")

    def test_kill_9_around_the_release_leaves_all_or_none(self):
        d = self.d
        wait_for(lambda: self.bodies("/a"), 20, "a's 7d reminder")
        self.reload(AFTER, "notice")
        staged = self.staged()[0]
        # The receiver holds its answers so that nothing is delivered before the kill.
        self.receiver.answer = lambda n, r: (time.sleep(3), 200)[1]
        d.set_clock(START + timedelta(seconds=DELAY + 10))
        wait_for(lambda: d.sql("SELECT state FROM calendar_revisions WHERE id = ?", staged["id"])[0][0] == "released",
                 20, "the release", interval=0.001)
        d.kill9()
        notices = d.sql("SELECT count(DISTINCT message_id) FROM message_changes")[0][0]
        print(f"\n  kill -9 right after the release: {notices} notice message(s) recorded", file=sys.stderr)
        self.assertIn(notices, (0, 3))  # the fan-out is one transaction: all or none (a, a's mail, b)
        self.receiver.answer = lambda n, r: 200
        d.start()
        wait_for(lambda: len(self.bodies("/a")) >= 2 and self.bodies("/b"), 20, "the notices after the restart")
        time.sleep(1.5)
        self.assertEqual(d.sql("SELECT count(DISTINCT message_id) FROM message_changes")[0][0], 3)
        # Exactly one notice per endpoint (repeats only with the same id, for a send in flight).
        ids = {r["headers"]["webhook-id"] for r in self.receiver.requests if event(r).get("changes")}
        self.assertEqual(len(ids), 2)

    def test_a_crash_after_release_still_tells(self):
        d = self.d
        wait_for(lambda: self.bodies("/a"), 20, "a's 7d reminder")
        self.reload(AFTER, "notice")
        staged = self.staged()[0]
        # Released offline while the daemon is down (as after a crash between release and
        # notices): the daemon records the notices at start, before its first pass.
        d.stop()
        # Offline, the listing judges whom the release tells from the files the store kept.
        listed = d.ctl("changes", "--config", d.config)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("released now, it would tell 3 endpoint(s) of 8 window(s)", listed.stdout)
        released = d.ctl("changes", "release", str(staged["id"]))
        self.assertEqual(released.returncode, 0, released.stderr)
        self.assertIn("recorded when deadlined next starts", released.stdout)
        d.start()
        wait_for(lambda: len(self.bodies("/a")) >= 2 and self.bodies("/b"), 20, "the change notices after start")
        self.assertIn(f"revision #{staged['id']}: change notices recorded", d.log())
        time.sleep(1.5)
        self.assertEqual(len(self.bodies("/a")), 2)
        self.assertEqual(len(self.bodies("/b")), 1)


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
