"""Subscribing by email in a real browser: Debian's Chromium, headless, driven through Debian's
chromedriver over the W3C WebDriver HTTP protocol (plain urllib: no pip, no npm). The real
deadlined serves the bundled calendars and mails through a real SMTP server (aiosmtpd) on
127.0.0.1, as in tests/integration/web_test.py.

The browser opens the home page, checks that every control has a label and that the form can be
walked and submitted with the keyboard alone (Tab, Space, Enter), fills in and submits the form
with clicks, opens the confirmation link from the email and clicks the confirm button, then opens
the manage link from the first reminder email. Screenshots go to BUILD_DIR/screenshots/.

Usage: /usr/bin/python3 browser_test.py BUILD_DIR CALENDARS_DIR
Exits 77 (CTest's SKIP_RETURN_CODE) when /usr/bin/chromium or /usr/bin/chromedriver is missing:
scripts/install-deps.sh installs both (packages chromium, chromium-driver)."""

import base64
import contextlib
import email
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email import policy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SHANGHAI, Daemon, wait_for  # noqa: E402
from smtp_server import SmtpServer, mail_config  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SKIP = 77

PUBLIC_URL = "https://deadlined.example.cn"
SEVEN_DAYS_BEFORE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # November estimates' 7d reminder
ADDRESS = "finance@enterprise.example.cn"
PROGRAMME = "first-set-equipment-insurance"  # 首台（套）重大技术装备保险补偿: 申报时间：11月 (预计)
LEAD = "7d"
WIDTH = 1280
PHONE = 390  # CSS pixels: a common phone's width

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element identifier
KEY_TAB, KEY_ENTER, KEY_SPACE = "\ue004", "\ue007", " "


def step(text):
    print(f"[{time.monotonic() - STARTED:5.1f}s] {text}", flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(AssertionError):
    pass


class Browser:
    """chromedriver started on a free port, one headless Chromium session."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.log_path = os.path.join(work_dir, "chromedriver.log")
        self.profile = os.path.join(work_dir, "profile")
        self.port = free_port()
        with open(self.log_path, "w") as log:
            # Its own process group, so that Chromium's processes go with it at the end.
            self.process = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"], stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = None
        wait_for(self._ready, 10, "chromedriver to listen")
        capabilities = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-extensions", "--lang=zh-CN",
                         f"--user-data-dir={self.profile}", f"--window-size={WIDTH},900"],
            },
        }}}
        created = self._call("POST", "/session", capabilities, timeout=30)
        self.session = created["sessionId"]
        self.version = created["capabilities"].get("browserVersion", "?")

    def _ready(self):
        if self.process.poll() is not None:
            raise AssertionError(f"chromedriver exited with {self.process.returncode}:\n{self.log()}")
        try:
            with urllib.request.urlopen(self.base + "/status", timeout=2) as response:
                return json.loads(response.read())["value"]["ready"]
        except (OSError, ValueError):
            return False

    def _call(self, method, path, body=None, timeout=20):
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            value = json.loads(e.read() or b"{}").get("value", {})
            raise WebDriverError(f"{method} {path}: {value.get('error')}: {value.get('message')}") from None

    def cmd(self, method, path, body=None, timeout=20):
        return self._call(method, f"/session/{self.session}{path}", body, timeout)

    # --- W3C WebDriver commands ---------------------------------------------------------------
    def go(self, url):
        self.cmd("POST", "/url", {"url": url}, timeout=30)

    def title(self):
        return self.cmd("GET", "/title")

    def url(self):
        return self.cmd("GET", "/url")

    def find(self, css):
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self.cmd("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, element):
        self.cmd("POST", f"/element/{element}/click")

    def type(self, element, text):
        self.cmd("POST", f"/element/{element}/value", {"text": text})

    def selected(self, element):
        return self.cmd("GET", f"/element/{element}/selected")

    def text(self, css="body"):
        return self.cmd("GET", f"/element/{self.find(css)}/text")

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def keys(self, *keys):
        """Presses each key in turn on whatever has the focus (the Actions API)."""
        actions = []
        for key in keys:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.cmd("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def active_id(self):
        return self.js("return document.activeElement && document.activeElement.id")

    def wait_for_title(self, title, timeout=10):
        return wait_for(lambda: self.title() == title, timeout, f"the page titled {title!r} (now {self.title()!r})")

    def resize(self, width, height):
        """The window made `width` x `height`, waiting until the page sees it: headless Chromium
        answers the WebDriver command before the page's viewport has followed, and under load a
        script run at once still reads the old width."""
        rect = self.cmd("POST", "/window/rect", {"width": width, "height": height})
        made = [rect["width"], rect["height"]]  # what the browser made of it (it may clamp a height)
        # The viewport's width (the window's own stays at least 500 px) and the window's height.
        seen = "return [window.innerWidth, window.outerHeight]"
        wait_for(lambda: self.js(seen) == made, 10, f"the page to see its window at {made} px (now {self.js(seen)})")

    def screenshot(self, path, width=WIDTH):
        """The whole page at `width` CSS pixels: the viewport is made as tall as the document first
        (headless Chromium's window is taller than its viewport by a fixed amount, as if it had a
        toolbar)."""
        self.resize(width, 900)
        height, chrome = self.js("return [Math.ceil(document.documentElement.scrollHeight),"
                                 " window.outerHeight - window.innerHeight]")
        self.resize(width, max(600, min(height, 12000)) + chrome)
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        check(png.startswith(b"\x89PNG\r\n\x1a\n"), "the screenshot is not a PNG")
        with open(path, "wb") as f:
            f.write(png)
        self.resize(WIDTH, 900)
        print(f"screenshot: {path}", flush=True)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def close(self):
        if self.session:
            try:
                self._call("DELETE", f"/session/{self.session}", timeout=15)
            except (OSError, AssertionError) as e:
                print(f"closing the browser session: {e}", file=sys.stderr)
            self.session = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        try:  # anything of Chromium's still left in chromedriver's process group
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- the mail ----------------------------------------------------------------------------------
# How far the page is from fitting a phone: the window's width, the document's (sideways
# scrolling), and how far any element runs past its parent's box (a long link or key crossing a
# border without widening the page).
FIT_JS = ("let past = 0; for (const e of document.querySelectorAll('body *')) {"
          " const p = e.parentElement; if (!p) continue;"
          " past = Math.max(past, e.getBoundingClientRect().right - p.getBoundingClientRect().right); }"
          " return [window.innerWidth, document.documentElement.scrollWidth, past]")


def at_phone_width(browser):
    """The window at PHONE px wide (left so)."""
    browser.resize(PHONE, 900)
    inner = browser.js("return window.innerWidth")
    check(inner <= PHONE, f"the window is {inner} px wide, not a phone's {PHONE}")


def check_page_fits(browser, what):
    """At the window's width: no sideways scrolling, nothing past its box."""
    inner, scroll, past = browser.js(FIT_JS)
    check(scroll <= inner, f"{what}: the page scrolls sideways at {inner} px: {scroll} px wide")
    check(past <= 1, f"{what}: something runs {past:.0f} px past its box at {inner} px")


class Session:
    """What a browser test runs: a mail relay (if asked for), the daemon and the browser."""

    def __init__(self):
        self.smtp = self.daemon = self.browser = self.work = None

    def mail_config(self, public_url=PUBLIC_URL):
        """Starts the SMTP server; the daemon's [email] and [http] sections for it."""
        self.smtp = SmtpServer().start()
        return mail_config(self.smtp.port, public_url)

    def start_browser(self):
        self.work = tempfile.mkdtemp(prefix="deadlined-browser-")
        self.browser = Browser(self.work)
        return self.browser


@contextlib.contextmanager
def browser_session():
    """A Session, everything in it closed afterwards; on a failure the traceback and the daemon's
    and chromedriver's logs are printed first."""
    session = Session()
    try:
        yield session
    except BaseException:
        traceback.print_exc()
        if session.daemon and session.daemon.process:
            print("--- deadlined log (last 4000 characters) ---\n" + session.daemon.log()[-4000:], file=sys.stderr)
        if session.browser:
            print("--- chromedriver log (last 2000 characters) ---\n" + session.browser.log()[-2000:],
                  file=sys.stderr)
        raise
    finally:
        if session.browser:
            session.browser.close()
        if session.daemon:
            session.daemon.close()
        if session.smtp:
            session.smtp.stop()
        if session.work:
            shutil.rmtree(session.work, ignore_errors=True)


def mails_to(smtp, address):
    return [email.message_from_bytes(m.data, policy=policy.default) for m in smtp.received()
            if m.recipients == [address]]


def local_link(message, path, port):
    """The PUBLIC_URL link in the message's plain text, pointed at the daemon's real port."""
    text = message.get_body(("plain",)).get_content()
    found = re.search(re.escape(PUBLIC_URL) + "(" + path + r"[A-Za-z0-9_-]+)", text)
    check(found, f"no {path} link in the email:\n{text}")
    return f"http://127.0.0.1:{port}{found.group(1)}"


# --- the checks --------------------------------------------------------------------------------
UNLABELLED_CONTROLS = """
const unnamed = [];
for (const c of document.querySelectorAll('input, select, textarea, button')) {
  if (c.type === 'hidden') continue;
  const named = (c.labels && [...c.labels].some(l => l.textContent.trim())) ||
                (c.getAttribute('aria-label') || '').trim() || c.getAttribute('aria-labelledby') ||
                (c.tagName === 'BUTTON' && c.textContent.trim());
  if (!named) unnamed.push(c.outerHTML);
}
return unnamed;
"""


def check_home(browser, base):
    browser.go(base + "/")
    check(browser.title() == "惠企政策申报截止提醒", f"home page title: {browser.title()!r}")
    browser.find('form[method="post"][action="/subscribe#subscribe"]')
    for css in ('input[type="email"][name="email"]', f'input[type="checkbox"][name="programme"][value="{PROGRAMME}"]',
                f'input[type="checkbox"][name="lead"][value="{LEAD}"]', 'form button[type="submit"]'):
        browser.find(css)
    check("近期申报截止" in browser.text("main"), "the upcoming deadlines are not on the home page")
    unnamed = browser.js(UNLABELLED_CONTROLS)
    check(not unnamed, "controls without a label: " + "\n".join(unnamed))


def check_keyboard(browser, base, daemon):
    """Tab from the email field reaches each checkbox and the submit button; Space ticks; Enter on
    the button submits. The address is invalid, so the page answers with the error and nothing
    is stored or sent."""
    browser.go(base + "/")
    browser.type(browser.find("#email"), "not-an-address")
    check(browser.active_id() == "email", "typing into the email field did not focus it")
    browser.keys(KEY_TAB)
    check(browser.active_id() == "programme-0", f"Tab from the email field went to {browser.active_id()!r}")
    browser.keys(KEY_SPACE)
    check(browser.selected(browser.find("#programme-0")), "Space did not tick the focused checkbox")
    stops = 1
    while browser.js("return document.activeElement.type") != "submit":
        browser.keys(KEY_TAB)
        stops += 1
        check(stops < 300, "Tab never reached the submit button")
    step(f"keyboard: the submit button is {stops} Tab stops after the email field")
    browser.keys(KEY_ENTER)
    wait_for(lambda: "/subscribe" in browser.url(), 10, "the form to be submitted with Enter")
    check(browser.title().startswith("订阅表单有误"), f"the error page's title does not say so: {browser.title()!r}")
    check(browser.url().endswith("#subscribe"), f"the answer does not open at the form: {browser.url()}")
    summary = browser.text(".error-summary")
    check("请输入有效的邮箱地址" in summary, f"the error summary says: {summary!r}")
    check(browser.js("return document.getElementById('email').value") == "not-an-address", "the address was not kept")
    check(browser.selected(browser.find("#programme-0")), "the ticked programme was not kept")
    check(daemon.sql("SELECT count(*) FROM subscribers") == [(0,)], "an invalid form stored a subscriber")


def set_checkboxes(browser, name, wanted):
    """Clicks the boxes named `name` so that exactly the one whose value is `wanted` is ticked."""
    for box in browser.find_all(f'input[type="checkbox"][name="{name}"]'):
        value = browser.cmd("GET", f"/element/{box}/property/value")
        if browser.selected(box) != (value == wanted):
            browser.click(box)
    ticked = browser.js(f"return [...document.querySelectorAll('input[name=\"{name}\"]:checked')].map(e => e.value)")
    check(ticked == [wanted], f"{name}: ticked {ticked}, wanted [{wanted!r}]")


def run(build_dir, calendars, shots):
    with browser_session() as session:
        daemon = session.daemon = Daemon(build_dir, calendars_dir=calendars, extra_config=session.mail_config())
        smtp = session.smtp
        daemon.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1))
        daemon.start()
        base = f"http://127.0.0.1:{daemon.port}"
        step(f"deadlined serves {base}")
        browser = session.start_browser()
        step(f"headless Chromium {browser.version} is up (chromedriver on port {browser.port})")

        check_home(browser, base)
        browser.screenshot(os.path.join(shots, "home.png"))
        step("home page: title, form, labels checked")

        check_keyboard(browser, base, daemon)
        step("keyboard: Tab/Space/Enter walk and submit the form; the invalid address is refused")

        # Subscribe with clicks.
        browser.go(base + "/")
        browser.click(browser.find("#email"))
        browser.type(browser.find("#email"), ADDRESS)
        set_checkboxes(browser, "programme", PROGRAMME)
        set_checkboxes(browser, "lead", LEAD)
        check(not browser.selected(browser.find("#consent")), "the consent box is ticked before anyone agreed")
        browser.click(browser.find("#consent"))
        browser.click(browser.find('form[action="/subscribe#subscribe"] button[type="submit"]'))
        browser.wait_for_title("请查收邮件")
        check(browser.url().split("#")[0].endswith("/subscribed"), f"the form post was not redirected: {browser.url()}")
        check("确认之前不会发送任何提醒" in browser.text("main"), "the result page does not explain the confirmation")
        browser.screenshot(os.path.join(shots, "subscribed.png"))
        step("subscribed: 请查收邮件")

        # Confirm from the email, in the browser.
        [confirmation] = wait_for(lambda: mails_to(smtp, ADDRESS), 20, "the confirmation email")
        check(str(confirmation["Subject"]) == "请确认订阅申报提醒", f"subject: {confirmation['Subject']}")
        browser.go(local_link(confirmation, "/confirm/", daemon.port))
        check(browser.title() == "确认订阅", f"confirm page title: {browser.title()!r}")
        check(daemon.sql("SELECT state FROM subscribers") == [("pending",)], "opening the link confirmed already")
        browser.click(browser.find('form[method="post"] button[type="submit"]'))
        browser.wait_for_title("订阅已确认")
        check(daemon.sql("SELECT state FROM subscribers") == [("active",)], "the subscriber is not active")
        browser.screenshot(os.path.join(shots, "confirmed.png"))
        step("confirmed: 订阅已确认")

        # The first reminder carries the manage link.
        daemon.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        reminder = wait_for(lambda: [m for m in mails_to(smtp, ADDRESS) if m["List-Unsubscribe"]], 20,
                            "the 7-day reminder")[0]
        check(PROGRAMME in reminder.get_body(("plain",)).get_content() or
              "首台（套）重大技术装备保险补偿" in reminder.get_body(("plain",)).get_content(),
              "the reminder is not about the chosen programme")
        step("reminder received: " + str(reminder["Subject"]))
        browser.go(local_link(reminder, "/manage/", daemon.port))
        check(browser.title() == "管理订阅", f"manage page title: {browser.title()!r} ({browser.text('main')[:200]})")
        check(ADDRESS in browser.text("main"), "the manage page does not name the address")
        check(browser.selected(browser.find(f'input[name="programme"][value="{PROGRAMME}"]')),
              "the manage page does not show the chosen programme ticked")
        check(browser.selected(browser.find(f'input[name="lead"][value="{LEAD}"]')),
              "the manage page does not show the chosen lead ticked")
        unnamed = browser.js(UNLABELLED_CONTROLS)
        check(not unnamed, "manage page controls without a label: " + "\n".join(unnamed))
        browser.screenshot(os.path.join(shots, "manage.png"))
        step("manage page: address and choices shown")


def browser_main(doc, run, name):
    """The command line every browser test shares: BUILD_DIR and one directory as arguments, exit
    77 without Chromium, screenshots in BUILD_DIR/screenshots, 1 on any failure (already printed)."""
    if len(sys.argv) != 3:
        print(doc, file=sys.stderr)
        return 2
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        print("SKIP: " + " and ".join(missing) + " not installed (Debian packages chromium, chromium-driver;"
              " scripts/install-deps.sh installs them)")
        return SKIP
    build_dir, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])  # the daemon runs elsewhere
    shots = os.path.join(build_dir, "screenshots")
    os.makedirs(shots, exist_ok=True)
    try:
        run(build_dir, data, shots)
    except BaseException:
        print("FAILED", file=sys.stderr)
        return 1
    step(f"{name} passed")
    return 0


STARTED = time.monotonic()
if __name__ == "__main__":
    sys.exit(browser_main(__doc__, run, "browser test"))
