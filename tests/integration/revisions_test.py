"""Calendar revisions with the real daemon (issue "Calendar revisions in the store"): a fixture
calendar edited between two SIGHUPs, through `deadlinectl reload --wait --reason`, and across
restarts; what the log, `deadlinectl history`, the admin API and the programme page's 变更记录 say.
Usage: /usr/bin/python3 revisions_test.py BUILD_DIR FIXTURES_DIR (tests/calendar/fixtures/diff)"""

import json
import os
import signal
import sys
import unittest
import urllib.request

from harness import Daemon, wait_for

BUILD_DIR = PAIR = None

MOVE_LINE = ("p-move/apply/2024 【延期项目】 moved later: closes 2024-11-20T17:00 → 2024-11-27T17:00 (source: "
             "关于延长延期项目申报时间的通知, 江苏省工业和信息化厅, 2024-11-18, https://gxt.jiangsu.gov.cn/notice/3)")


def fixture(name):
    with open(os.path.join(PAIR, name), encoding="utf-8") as f:
        return f.read()


class Revisions(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(BUILD_DIR, calendars_text=fixture("before.toml"))
        self.addCleanup(self.d.close)
        self.d.start()

    def page(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.d.port}{path}", timeout=10) as response:
            return response.read().decode()

    def history(self, *args):
        done = self.d.ctl("history", *args)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def sighup_until(self, text, count=1):
        self.d.signal(signal.SIGHUP)
        wait_for(lambda: self.d.log().count(text) >= count, 10, f"'{text}' in the log")

    def test_edits_between_sighups_through_reload_and_across_restarts(self):
        d = self.d
        # The first start records the baseline: compared with nothing.
        self.assertIn("recorded as revision #1, the baseline", d.log())
        self.assertRegex(self.history(), r"^#1  \S+  start  calendar [0-9a-f]+  baseline\n")
        self.assertIn("尚无变更。", self.page("/programmes/p-move"))

        # A SIGHUP with the edited calendar: one log line per changed window, the history, the page.
        d.write_calendar(fixture("after.toml"))
        self.sighup_until("recorded as revision #2 (sighup): 10 window(s) changed")
        self.assertIn("calendar: changed: " + MOVE_LINE, d.log())
        self.assertEqual(d.log().count("calendar: changed: "), 10)
        history = self.history("--programme", "p-move")
        self.assertRegex(history, r"^#2  \S+  sighup  calendar [0-9a-f]+\n")
        self.assertIn("    " + MOVE_LINE + "\n", history)
        self.assertNotIn("p-cancel", history)  # only the programme asked for
        page = self.page("/programmes/p-move")
        self.assertIn("变更记录", page)
        self.assertIn("截止时间推迟：由2024年11月20日 17:00改为2024年11月27日 17:00。", page)
        self.assertIn("依据：《关于延长延期项目申报时间的通知》（江苏省工业和信息化厅，2024-11-18）", page)
        cancelled = self.page("/programmes/p-cancel")
        self.assertIn("已撤回：本次申报取消", cancelled)
        self.assertIn("<span class=\"badge cancelled\">已撤回</span>原定截止：2024年12月10日 17:00", cancelled)

        # The same files again: nothing new is recorded.
        self.sighup_until("no window changed since revision #2; nothing recorded")

        # reload --wait --reason: the diff it applied, and the reason kept with the revision.
        d.write_calendar(fixture("after.toml").replace('closes = "2024-11-27T17:00"', 'closes = "2024-11-22T17:00"'))
        reload = d.ctl("reload", "--wait", "--reason", "关于再次调整延期项目截止时间的通知")
        self.assertEqual(reload.returncode, 0, reload.stderr)
        self.assertRegex(reload.stdout, r"^calendar [0-9a-f]+ in force \(8 programmes\); revision #3 recorded: "
                                        r"1 window\(s\) changed\n")
        self.assertIn("p-move/apply/2024 【延期项目】 moved earlier: closes 2024-11-27T17:00 → 2024-11-22T17:00",
                      reload.stdout)
        again = d.ctl("reload", "--wait")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("no window changed (revision #3 stays)", again.stdout)
        revisions = json.loads(self.history("--json"))["revisions"]
        self.assertEqual([(r["id"], r["cause"], r["reason"]) for r in revisions],
                         [(3, "admin", "关于再次调整延期项目截止时间的通知"), (2, "sighup", None), (1, "start", None)])

        # A restart with the same files records nothing; one with edited files records the
        # difference, compared with the last revision stored (not with anything in memory).
        d.stop()
        d.start()
        self.assertIn("no window changed since revision #3; nothing recorded", d.log())
        d.stop()
        d.write_calendar(fixture("after.toml"))
        offline = d.ctl("history", "--limit", "1")  # the daemon is stopped: read from the file
        self.assertEqual(offline.returncode, 0, offline.stderr)
        self.assertRegex(offline.stdout, r"^#3  ")
        d.start()
        self.assertIn("recorded as revision #4 (start): 1 window(s) changed", d.log())
        self.assertIn("calendar: changed: " + MOVE_LINE.replace("2024-11-20T17:00 →", "2024-11-22T17:00 →"),
                      d.log())
        page = self.page("/programmes/p-move")
        self.assertLess(page.index("改为2024年11月27日 17:00"), page.index("改为2024年11月22日 17:00"))  # newest first


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    PAIR = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
