"""A programme page's 变更记录 in headless Chromium (issue "Calendar revisions in the store"): the
real deadlined loads the fixture calendar tests/calendar/fixtures/diff/before.toml, then
after.toml on SIGHUP; the page of the moved programme shows what changed and the notice it rests
on, at a desktop width and at a phone's (390 px) without sideways scrolling; the removed
programme's page lists its window as withdrawn. Screenshots go to
BUILD_DIR/screenshots/change-record*.png and withdrawn-390.png.

Usage: /usr/bin/python3 change_record_test.py BUILD_DIR FIXTURES_DIR
Exits 77 (CTest's SKIP_RETURN_CODE) when /usr/bin/chromium or /usr/bin/chromedriver is missing."""

import os
import signal
import sys

from browser_test import PHONE, at_phone_width, browser_main, browser_session, check, check_page_fits, step

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SHANGHAI, Daemon, wait_for  # noqa: E402
from datetime import datetime  # noqa: E402



def run(build_dir, pair, shots):
    with browser_session() as session:
        with open(os.path.join(pair, "before.toml"), encoding="utf-8") as f:
            daemon = session.daemon = Daemon(build_dir, calendars_text=f.read())
        # Before the removed programme's old close (2024-12-01), so its page lists it as withdrawn.
        daemon.set_clock(datetime(2024, 11, 21, 9, 0, tzinfo=SHANGHAI))
        daemon.start()
        with open(os.path.join(pair, "after.toml"), encoding="utf-8") as f:
            daemon.write_calendar(f.read())
        daemon.signal(signal.SIGHUP)
        wait_for(lambda: "recorded as revision #2" in daemon.log(), 10, "the edited calendar to be recorded")
        browser = session.start_browser()
        step(f"headless Chromium {browser.version}; deadlined on port {daemon.port}")
        browser.go(f"http://127.0.0.1:{daemon.port}/programmes/p-move")
        record = browser.text("section[aria-labelledby=changes-heading]")
        check("变更记录" in record, f"no 变更记录 section: {record!r}")
        check("截止时间推迟：由2024年11月20日 17:00改为2024年11月27日 17:00。" in record, record)
        check("依据：《关于延长延期项目申报时间的通知》（江苏省工业和信息化厅，2024-11-18） 查看通知" in record, record)
        browser.screenshot(os.path.join(shots, "change-record.png"))
        at_phone_width(browser)
        check_page_fits(browser, "the 变更记录")
        browser.screenshot(os.path.join(shots, "change-record-390.png"), width=PHONE)
        step("变更记录 shown at 1280 and 390 px")
        # The removed programme's page still explains itself: its window withdrawn until its old
        # close, and the record, also on a phone.
        browser.go(f"http://127.0.0.1:{daemon.port}/programmes/p-remove")
        check("该项目已不在申报日历中" in browser.text("main"), browser.text("main"))
        withdrawn = browser.text("li.withdrawn")
        check(withdrawn.startswith("【已撤回】原截止：2024年12月1日"), withdrawn)
        check("无需申报" in withdrawn, withdrawn)
        at_phone_width(browser)  # the screenshot above left the window at 1280 px
        check_page_fits(browser, "the removed programme's page")
        browser.screenshot(os.path.join(shots, "withdrawn-390.png"), width=PHONE)
        step("a removed window reads 已撤回 at 390 px")


if __name__ == "__main__":
    sys.exit(browser_main(__doc__, run, "change record browser test"))
