"""The manage page and a programme page as a clerk sees them, at a desktop width (1280 px) and a
phone's (390 px), in Debian's headless Chromium (issue 21, §3 and §5): after adding a webhook the
one-time signing key is whole inside the viewport and the page never scrolls sideways; after
adding a robot its address shows its host and no path (the robot's key); a programme page opens
with the next deadline and how to apply, the eligibility text after. The real deadlined serves
the bundled calendars; a real SMTP server (aiosmtpd) carries the confirmation.

Screenshots (BUILD_DIR/screenshots/):
  manage-webhook.png, manage-webhook-390.png  the answer with the new webhook's key
  manage-robot.png, manage-robot-390.png      the page after adding a WeCom robot
  programme.png, programme-390.png            a programme page

Usage: /usr/bin/python3 clerk_manage_test.py BUILD_DIR CALENDARS_DIR
Exits 77 (CTest's SKIP_RETURN_CODE) when /usr/bin/chromium or /usr/bin/chromedriver is missing."""

import os
import re
import sys
import urllib.parse
import urllib.request
from datetime import timedelta

from browser_test import (PHONE, PUBLIC_URL, SEVEN_DAYS_BEFORE, at_phone_width, browser_main, browser_session, check,
                          check_page_fits, mails_to, step)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Daemon, wait_for  # noqa: E402

ADDRESS = "clerk@enterprise.example.cn"
PROGRAMME = "first-set-equipment-insurance"
ROBOT_KEY = "wecom-key-not-for-the-page"

# Where an element is: its box must lie inside the viewport (browser_test.check_fits_phone checks
# the page as a whole).
GEOMETRY = """
const r = document.querySelector(arguments[0]).getBoundingClientRect();
return {left: r.left, right: r.right, width: r.width, inner: window.innerWidth};
"""


def post(base, path, form):
    data = urllib.parse.urlencode(form, doseq=True).encode()
    request = urllib.request.Request(base + path, data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def subscribed_manage_path(base, smtp):
    """Subscribes ADDRESS and confirms it over plain HTTP (browser_test.py walks that flow in the
    browser); the manage path the confirmed page links to."""
    post(base, "/subscribe", {"email": ADDRESS, "lead": ["7d"], "category": ["资金引导"], "consent": "yes"})
    [mail] = wait_for(lambda: mails_to(smtp, ADDRESS), 20, "the confirmation email")
    text = mail.get_body(("plain",)).get_content()
    confirm = re.search(re.escape(PUBLIC_URL) + r"(/confirm/[A-Za-z0-9_-]+)", text).group(1)
    page = post(base, confirm, {})
    return re.search(r'href="(/manage/[A-Za-z0-9_-]+)"', page).group(1)


def check_fits(browser, css, what):
    """The element wholly inside the viewport, and the page fitting it."""
    check_page_fits(browser, what)
    g = browser.js(GEOMETRY, css)
    check(g["left"] >= 0 and g["right"] <= g["inner"],
          f"{what} runs outside the {g['inner']} px viewport: {g['left']:.0f}..{g['right']:.0f}")
    return g


def run(build_dir, calendars, shots):
    with browser_session() as session:
        daemon = session.daemon = Daemon(build_dir, calendars_dir=calendars, extra_config=session.mail_config())
        smtp = session.smtp
        daemon.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1))
        daemon.start()
        base = f"http://127.0.0.1:{daemon.port}"
        manage = base + subscribed_manage_path(base, smtp)
        browser = session.start_browser()
        step(f"headless Chromium {browser.version}; deadlined on port {daemon.port}")

        # A webhook, added with the form: the answer shows its key once, whole, at both widths.
        browser.go(manage)
        check(browser.title() == "管理订阅", f"manage page title: {browser.title()!r}")
        browser.click(browser.find('#kind option[value="webhook"]'))
        browser.type(browser.find("#url"), "http://127.0.0.1:9/hooks/a-private-path")
        browser.type(browser.find("#name"), "财务群")
        browser.click(browser.find('form input[name="action"][value="add"] ~ button[type="submit"]'))
        wait_for(lambda: browser.js("return !!document.getElementById('new-secret')"), 10, "the new key")
        secret = browser.text("#new-secret")
        check(re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", secret), f"the key shown: {secret!r}")
        check(secret not in browser.url(), "the key is in the URL")
        check(daemon.sql("SELECT substr(secret, -4) FROM endpoints WHERE kind = 'webhook'") == [(secret[-4:],)],
              "the key shown is not the key stored")
        check_fits(browser, "#new-secret", "the new key")
        browser.screenshot(os.path.join(shots, "manage-webhook.png"))
        at_phone_width(browser)
        g = check_fits(browser, "#new-secret", "the new key")
        check_fits(browser, "#url", "the URL field")
        check(browser.js(GEOMETRY, "#url")["width"] >= 0.8 * g["inner"], "the URL field is not full-width on a phone")
        check(browser.text("#new-secret") == secret, "the key is not shown whole on a phone")
        check_fits(browser, "#feed-heading + ul code", "the personal feed address")
        browser.screenshot(os.path.join(shots, "manage-webhook-390.png"), width=PHONE)
        step("manage page: the new webhook key whole inside 1280 and 390 px")

        # A WeCom robot: shown by host and port, never its key.
        browser.go(manage)
        browser.click(browser.find('#kind option[value="wecom"]'))
        browser.type(browser.find("#url"), f"http://127.0.0.1:9/cgi-bin/webhook/send?key={ROBOT_KEY}")
        browser.click(browser.find('form input[name="action"][value="add"] ~ button[type="submit"]'))
        wait_for(lambda: "done=added" in browser.url(), 10, "the redirect after adding the robot")
        [(robot,)] = daemon.sql("SELECT id FROM endpoints WHERE kind = 'wecom'")
        item = browser.text(f"#endpoint-{robot}")
        check("http://127.0.0.1:9/…" in item, f"the robot's address: {item!r}")
        check("企业微信机器人 1" in item, f"the robot's default name: {item!r}")
        page = browser.js("return document.documentElement.outerHTML")
        check(ROBOT_KEY not in page and "a-private-path" not in page, "a secret path is on the page")
        check(secret not in page, "the webhook key is shown again")
        browser.screenshot(os.path.join(shots, "manage-robot.png"))
        at_phone_width(browser)
        check_fits(browser, f"#endpoint-{robot}", "the robot's entry")
        browser.screenshot(os.path.join(shots, "manage-robot-390.png"), width=PHONE)
        step("manage page: the robot shown as http://127.0.0.1:9/… at 1280 and 390 px")

        # A programme page: the next deadline and how to apply first, the eligibility text after.
        browser.go(f"{base}/programmes/{PROGRAMME}")
        text = browser.text("main")
        for heading in ("下一个截止", "如何申报", "申报条件"):
            check(heading in text, f"no {heading} on the programme page")
        check(text.index("下一个截止") < text.index("如何申报") < text.index("申报条件"),
              "the programme page does not open with the next deadline and how to apply")
        browser.screenshot(os.path.join(shots, "programme.png"))
        at_phone_width(browser)
        check_fits(browser, "section[aria-labelledby=next-heading]", "the next deadline")
        browser.screenshot(os.path.join(shots, "programme-390.png"), width=PHONE)
        step("programme page: next deadline and how to apply first, at 1280 and 390 px")


if __name__ == "__main__":
    sys.exit(browser_main(__doc__, run, "clerk manage browser test"))
