"""The pages of issue 21 part B in headless Chromium, at a desktop width (1280 px) and a phone's
(390 px, where nothing may scroll sideways): home (the 个人信息说明, the consent box, the calendar
links, the 备案 footer), the subscribe result page after the redirect, the confirm page (the
address masked), the unsubscribe page (webhooks and robots stop too) and a 404 page in Chinese.
The real deadlined serves the bundled calendars and mails through a real SMTP server (aiosmtpd).
Screenshots go to BUILD_DIR/screenshots/clerk-*.png.

Usage: /usr/bin/python3 clerk_pages_test.py BUILD_DIR CALENDARS_DIR
Exits 77 (CTest's SKIP_RETURN_CODE) when /usr/bin/chromium or /usr/bin/chromedriver is missing."""

import base64
import json
import os
import re
import sys
import urllib.request
from datetime import datetime

from browser_test import (PHONE, WIDTH as DESKTOP, at_phone_width, browser_main, browser_session, check, check_page_fits,
                          local_link, mails_to, step)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SHANGHAI, Daemon, wait_for  # noqa: E402

ADDRESS = "caiwu@qiye.example.cn"


def at_both_widths(browser, shots, name):
    """A screenshot at 1280 px, then at 390 px with no sideways scrolling."""
    browser.screenshot(os.path.join(shots, f"clerk-{name}.png"), width=DESKTOP)
    at_phone_width(browser)
    check_page_fits(browser, name)
    browser.screenshot(os.path.join(shots, f"clerk-{name}-390.png"), width=PHONE)
    browser.resize(DESKTOP, 900)
    step(f"{name}: 1280 px and 390 px, no sideways scrolling")


def mail_at_phone_width(browser, shots, name, message):
    """A mail's HTML part as a phone's mail app shows it: 390 px, no sideways scrolling (long
    links wrap)."""
    html = message.get_body(("html",)).get_content()
    at_phone_width(browser)
    browser.go("data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode()).decode())
    check_page_fits(browser, f"the {name} mail")
    browser.screenshot(os.path.join(shots, f"clerk-mail-{name}-390.png"), width=PHONE)
    browser.resize(DESKTOP, 900)
    step(f"{name} mail: 390 px, no sideways scrolling")


def api(base, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def run(build_dir, calendars, shots):
    with browser_session() as session:
        daemon = session.daemon = Daemon(build_dir, calendars_dir=calendars, extra_config=session.mail_config() + '''
[site]
operator_name = "江苏省中小企业服务中心"
operator_contact = "025-12345678，service@qiye.example.cn"
icp_record = "苏ICP备12345678号-1"
police_record = "苏公网安备32010202012345号"
''')
        daemon.set_clock(datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI))
        daemon.start()
        smtp = session.smtp
        base = f"http://127.0.0.1:{daemon.port}"
        browser = session.start_browser()
        step(f"headless Chromium {browser.version}; deadlined on port {daemon.port}")

        # Home: the notice, the consent box unticked, the calendar links China-first, the footer.
        browser.go(base + "/")
        check(browser.title() == "惠企政策申报截止提醒", f"home title: {browser.title()!r}")
        main = browser.text("main")
        check("个人信息说明" in main and "退订即删除" in main, "the 个人信息说明 is missing")
        check(not browser.selected(browser.find("#consent")), "the consent box is pre-ticked")
        feeds = browser.text("ul.feeds")
        check(feeds.index("日历应用订阅") < feeds.index("Google"), f"Google comes before the webcal link: {feeds!r}")
        footer = browser.text("footer.site")
        check("苏ICP备12345678号-1" in footer and "苏公网安备32010202012345号" in footer, f"footer: {footer!r}")
        at_both_widths(browser, shots, "home")

        # Subscribe without agreeing: refused, the heading stays the site's.
        browser.type(browser.find("#email"), "caiwu＠qiye．example.cn")  # as a Chinese input method types it
        browser.click(browser.find('form[action="/subscribe#subscribe"] button[type="submit"]'))
        wait_for(lambda: browser.title().startswith("订阅表单有误"), 10, "the form's error page")
        check(browser.text("h1") == "惠企政策申报截止提醒", f"the error page's heading: {browser.text('h1')!r}")
        check("勾选同意" in browser.text(".error-summary"), browser.text(".error-summary"))
        browser.click(browser.find("#consent"))
        browser.click(browser.find('form[action="/subscribe#subscribe"] button[type="submit"]'))
        browser.wait_for_title("请查收邮件")
        check(browser.url().split("#")[0].endswith("/subscribed"), f"not redirected: {browser.url()}")
        at_both_widths(browser, shots, "subscribed")

        # The confirm page names the address masked.
        [confirmation] = wait_for(lambda: mails_to(smtp, ADDRESS), 20, "the confirmation email")
        browser.go(local_link(confirmation, "/confirm/", daemon.port))
        check(browser.title() == "确认订阅", f"confirm title: {browser.title()!r}")
        check("c***@qiye.example.cn" in browser.text("main"), browser.text("main"))
        check(ADDRESS not in browser.text("main"), "the confirm page shows the whole address")
        at_both_widths(browser, shots, "confirm")
        browser.click(browser.find('form[method="post"] button[type="submit"]'))
        browser.wait_for_title("订阅已确认")

        # The unsubscribe page from the welcome mail: masked, and webhooks and robots stop too.
        welcome = wait_for(lambda: [m for m in mails_to(smtp, ADDRESS) if "订阅已确认" in str(m["Subject"])], 20,
                           "the welcome mail")[0]
        browser.go(local_link(welcome, "/unsubscribe/", daemon.port))
        main = browser.text("main")
        check("c***@qiye.example.cn" in main and "Webhook 和群机器人都将停止接收提醒" in main, main)
        at_both_widths(browser, shots, "unsubscribe")

        # The mails at a phone's width: the confirmation, the welcome, and a reminder (a test one,
        # through the manage API) whose 原文链接 and manage link are long URLs.
        mail_at_phone_width(browser, shots, "confirmation", confirmation)
        mail_at_phone_width(browser, shots, "welcome", welcome)
        token = re.search(r"/manage/([A-Za-z0-9_-]+)", welcome.get_body(("plain",)).get_content()).group(1)
        [email_endpoint] = [e["id"] for e in api(base, "GET", f"/api/v1/manage/{token}")["endpoints"]
                            if e["kind"] == "email"]
        api(base, "POST", f"/api/v1/manage/{token}/endpoints/{email_endpoint}/test", {})
        reminder = wait_for(lambda: [m for m in mails_to(smtp, ADDRESS) if "【测试】" in str(m["Subject"])], 20,
                            "the test reminder")[0]
        mail_at_phone_width(browser, shots, "reminder", reminder)

        # A page that does not exist: Chinese, with a way back.
        browser.go(base + "/no-such-page")
        check(browser.text("h1") == "找不到这个页面", f"404 heading: {browser.text('h1')!r}")
        browser.find('a[href="/"]')
        at_both_widths(browser, shots, "404")


if __name__ == "__main__":
    sys.exit(browser_main(__doc__, run, "clerk pages browser test"))
