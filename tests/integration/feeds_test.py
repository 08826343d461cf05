"""The calendar feeds end to end: the real deadlined serving the bundled handbook, real HTTP
requests, every feed parsed by an independent parser (Debian's python3-icalendar) and checked
against the calendar as the JSON API reports it; the personal feed and the email's calendar part
through a real subscription (real SMTP server). Every feed and the calendar part are also judged by
libical (tests/ical/libical_check), the feeds held to the same PUBLISH rules as the mails' part.
Usage: /usr/bin/python3 feeds_test.py BUILD_DIR CALENDARS_DIR [LIBICAL_CHECK]"""

import email
import gzip
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta, timezone
from email import policy

import icalendar

from harness import SHANGHAI, Daemon, calendar_toml, libical_check, organizers_seen, wait_for
from smtp_server import SmtpServer, mail_config

BUILD_DIR = CALENDARS = LIBICAL_CHECK = None
PUBLIC_URL = "https://deadlined.example.cn"
SEVEN_DAYS_BEFORE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # November estimates' 7d reminder


def fetch(port, path, headers=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def events_of(body):
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def utc(value):
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else value


# With no [email] section the events' ORGANIZER is the built-in sender (docs/configuration.md).
DEFAULT_ORGANIZER = ("申报提醒", "mailto:deadlined@localhost.localdomain")


def check_with_libical(test, body, organizer, *args):
    """libical parses `body` without error and its PUBLISH restrictions hold (a feed has no METHOD:
    checked as METHOD:PUBLISH, like the mails' part of the same events); every VEVENT has
    `organizer` (CN, address) as libical reads it. Returns how many VEVENTs."""
    code, checked = libical_check(LIBICAL_CHECK, body, "--assume-method", "PUBLISH", "--print", *args)
    test.assertEqual(code, 0, checked)
    seen = organizers_seen(checked)
    test.assertEqual(seen, [organizer] * len(seen), checked)
    return len(seen)


def check_lines(test, body):
    """RFC 5545 §3.1: CRLF only, no line over 75 octets, no UTF-8 character split by a fold."""
    test.assertNotIn(b"\n", body.replace(b"\r\n", b""), "a bare LF")
    for line in body.split(b"\r\n"):
        test.assertLessEqual(len(line), 75, line)
        line.decode("utf-8")  # raises if a fold cut a character in two
    unfolded = body.replace(b"\r\n ", b"")
    unfolded.decode("utf-8")


class PublicFeeds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=f'[http]\npublic_url = "{PUBLIC_URL}"\n')
        cls.d.set_clock(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))
        cls.d.start()
        _, programmes = cls.d.get("/api/v1/programmes")
        cls.windows = {w["id"]: (p, w) for p in programmes["programmes"] for w in p["windows"]}

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_every_window_is_an_event_at_the_right_time(self):
        status, headers, body = fetch(self.d.port, "/calendar.ics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/calendar; charset=utf-8")
        self.assertTrue(headers["ETag"].startswith('"'))
        self.assertTrue(headers["Last-Modified"].endswith("GMT"))
        check_lines(self, body)
        calendar = icalendar.Calendar.from_ical(body)
        self.assertEqual(str(calendar["VERSION"]), "2.0")
        self.assertEqual(str(calendar["X-WR-CALNAME"]), "申报截止日历")
        self.assertEqual(str(calendar["REFRESH-INTERVAL"].to_ical().decode()), "PT6H")
        self.assertEqual([str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")], ["Asia/Shanghai"])
        events = events_of(body)
        self.assertEqual(len(events), len(self.windows))
        uids = [str(e["UID"]) for e in events]
        self.assertEqual(len(set(uids)), len(uids), "UIDs repeat")
        by_uid = {str(e["UID"]): e for e in events}
        for window_id, (programme, window) in self.windows.items():
            uid = f'{programme["id"]}-{window["cycle"]}-{window["key"]}@deadlined.example.cn'
            self.assertIn(uid, by_uid, window_id)
            event = by_uid[uid]
            closes = datetime.fromisoformat(window["closes"]["utc"].replace("Z", "+00:00"))
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            precision = window["closes"]["precision"]
            if precision == "instant":
                self.assertEqual(utc(end), closes, window_id)
                self.assertEqual(utc(start), closes - timedelta(hours=1), window_id)
            elif precision == "day":
                last_day = (closes - timedelta(seconds=1)).astimezone(SHANGHAI).date()
                self.assertEqual((start, end), (last_day, last_day + timedelta(days=1)), window_id)
            elif precision == "month":
                last_day = (closes - timedelta(seconds=1)).astimezone(SHANGHAI).date()
                self.assertEqual(start, last_day.replace(day=1), window_id)
                self.assertEqual(end, last_day + timedelta(days=1), window_id)
            estimated = window["status"] == "estimated"
            self.assertEqual(str(event["STATUS"]), "TENTATIVE" if estimated else "CONFIRMED", window_id)
            self.assertEqual(str(event["SUMMARY"]).startswith("【预计】"), estimated, window_id)
            self.assertIn(programme["title"], str(event["SUMMARY"]))
            self.assertIn(window["phrase"], str(event["DESCRIPTION"]))
            self.assertEqual(str(event.get("URL", "")), programme["link"] or "")
            self.assertIn(programme["group"], event["CATEGORIES"].to_ical().decode())
        # The one the issue names: 专精特新, "10月18日24:00" — the last hour of the 18th, local.
        zjtx = by_uid["jiangsu-specialised-sme-2024-batch2-2024-apply@deadlined.example.cn"]
        self.assertEqual(utc(zjtx.decoded("DTEND")), datetime(2024, 10, 18, 16, 0, tzinfo=timezone.utc))
        self.assertEqual(zjtx.decoded("DTSTART").astimezone(SHANGHAI).date(), date(2024, 10, 18))
        self.assertIn(b"DTEND;TZID=Asia/Shanghai:20241019T000000", body)
        # ORGANIZER in every event (RFC 5546 §3.2.1 for PUBLISH), as python3-icalendar and libical read it.
        for event in events:
            self.assertEqual(str(event["ORGANIZER"]), DEFAULT_ORGANIZER[1])
            self.assertEqual(event["ORGANIZER"].params["CN"], DEFAULT_ORGANIZER[0])
        self.assertEqual(check_with_libical(self, body, DEFAULT_ORGANIZER), len(self.windows))

    def test_the_same_bytes_every_time_and_304_for_a_current_copy(self):
        _, headers, first = fetch(self.d.port, "/calendar.ics")
        _, again_headers, again = fetch(self.d.port, "/calendar.ics")
        self.assertEqual(first, again)
        self.assertEqual(headers["ETag"], again_headers["ETag"])
        self.assertEqual(headers["Last-Modified"], again_headers["Last-Modified"])
        status, _, body = fetch(self.d.port, "/calendar.ics", {"If-None-Match": headers["ETag"]})
        self.assertEqual((status, body), (304, b""))
        status, _, _ = fetch(self.d.port, "/calendar.ics", {"If-None-Match": '"something-else"'})
        self.assertEqual(status, 200)
        status, _, _ = fetch(self.d.port, "/calendar.ics", {"If-Modified-Since": headers["Last-Modified"]})
        self.assertEqual(status, 304)
        status, _, _ = fetch(self.d.port, "/calendar.ics", {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
        self.assertEqual(status, 200)
        status, zipped_headers, zipped = fetch(self.d.port, "/calendar.ics", {"Accept-Encoding": "gzip"})
        self.assertEqual((status, zipped_headers["Content-Encoding"]), (200, "gzip"))
        self.assertEqual(gzip.decompress(zipped), first)
        self.assertLess(len(zipped), len(first) / 3)
        status, _, _ = fetch(self.d.port, "/calendar.ics", {"If-None-Match": zipped_headers["ETag"]})
        self.assertEqual(status, 304)
        _, plain_headers, _ = fetch(self.d.port, "/calendar.ics", {"Accept-Encoding": "gzip;q=0"})
        self.assertIsNone(plain_headers["Content-Encoding"])

    def test_filters_and_their_errors(self):
        programme = "jiangsu-specialised-sme-2024-batch2"
        status, _, body = fetch(self.d.port, "/calendar.ics?programme=" + programme)
        self.assertEqual(status, 200)
        expected = [w for w, (p, _) in self.windows.items() if p["id"] == programme]
        self.assertEqual(len(events_of(body)), len(expected))
        check_with_libical(self, body, DEFAULT_ORGANIZER, "--min-events", str(len(expected)))
        group = "科学技术部门"
        status, _, body = fetch(self.d.port, "/calendar.ics?group=" + urllib.parse.quote(group))
        self.assertEqual(status, 200)
        events = events_of(body)
        self.assertEqual(len(events), sum(1 for p, _ in self.windows.values() if p["group"] == group))
        self.assertTrue(all(group in e["CATEGORIES"].to_ical().decode() for e in events))
        for query, field in [("?group=nope", "group"), ("?programme=nope", "programme"), ("?colour=red", "colour")]:
            status, _, body = fetch(self.d.port, "/calendar.ics" + query)
            self.assertEqual(status, 400, query)
            self.assertIn(field, body.decode())
        status, _, _ = fetch(self.d.port, "/feeds/not-a-token.ics")
        self.assertEqual(status, 404)

    def test_deadlinectl_writes_the_same_bytes(self):
        group = "工业和信息化部门"
        _, _, served = fetch(self.d.port, "/calendar.ics?group=" + urllib.parse.quote(group))
        exported = subprocess.run(
            [f"{BUILD_DIR}/daemon/deadlinectl", "--db", self.d.db, "--calendars", CALENDARS, "export", "--format",
             "ics", "--public-url", PUBLIC_URL, "--group", group], capture_output=True, timeout=30)
        self.assertEqual(exported.returncode, 0, exported.stderr)
        self.assertEqual(exported.stdout, served)

    def test_pages_offer_the_feeds(self):
        _, _, home = fetch(self.d.port, "/")
        self.assertIn(b"webcal://deadlined.example.cn/calendar.ics", home)
        self.assertIn(b"calendar.google.com", home)
        self.assertIn("12–24 小时".encode(), home)
        _, _, page = fetch(self.d.port, "/programmes/jiangsu-specialised-sme-2024-batch2")
        self.assertIn(b"webcal://deadlined.example.cn/calendar.ics?programme=jiangsu-specialised-sme-2024-batch2", page)


class Versions(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2029-10-18T24:00", None)]))
        self.addCleanup(self.d.close)
        self.d.start()

    def event(self):
        _, headers, body = fetch(self.d.port, "/calendar.ics")
        [event] = events_of(body)
        return headers, event

    def reload_until(self, predicate):
        self.d.signal(signal.SIGHUP)
        return wait_for(lambda: (lambda seen: seen if predicate(seen) else None)(self.event()), 10, "the reloaded feed")

    def test_an_edit_raises_sequence_and_keeps_the_uid(self):
        headers, first = self.event()
        self.assertEqual(int(first["SEQUENCE"]), 0)
        uid = str(first["UID"])
        # The same calendar again: nothing changes, not even LAST-MODIFIED.
        self.d.signal(signal.SIGHUP)
        wait_for(lambda: self.d.log().count(" in force") >= 1, 10, "the reload")
        time.sleep(0.5)  # the feeds switch once the store has versioned the events (milliseconds)
        again_headers, again = self.event()
        self.assertEqual(int(again["SEQUENCE"]), 0)
        self.assertEqual(again_headers["ETag"], headers["ETag"])
        # The deadline moves: same UID, SEQUENCE 1, a new LAST-MODIFIED and ETag.
        self.d.set_clock(datetime.now(timezone.utc) + timedelta(hours=1))  # LAST-MODIFIED has second precision
        self.d.write_calendar(calendar_toml([("apply", "2029-10-25T24:00", None)]))
        moved_headers, moved = self.reload_until(lambda he: int(he[1]["SEQUENCE"]) == 1)
        self.assertEqual(str(moved["UID"]), uid)
        self.assertGreater(moved.decoded("LAST-MODIFIED"), first.decoded("LAST-MODIFIED"))
        self.assertEqual(moved.decoded("DTSTAMP"), moved.decoded("LAST-MODIFIED"))
        self.assertNotEqual(moved_headers["ETag"], headers["ETag"])
        self.assertEqual(utc(moved.decoded("DTEND")), datetime(2029, 10, 25, 16, 0, tzinfo=timezone.utc))
        # After a restart the versions are read back, not started again.
        self.d.stop()
        self.d.start()
        _, restarted = self.event()
        self.assertEqual(int(restarted["SEQUENCE"]), 1)


class PersonalFeed(unittest.TestCase):
    def setUp(self):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=mail_config(self.smtp.port, PUBLIC_URL))
        self.addCleanup(self.d.close)
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(hours=1))
        self.d.start()

    def post(self, path, form):
        request = urllib.request.Request(f"http://127.0.0.1:{self.d.port}{path}",
                                         data=urllib.parse.urlencode(form, doseq=True).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()

    def mails_to(self, address):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()
                if m.recipients == [address]]

    def link_in(self, message, path):
        text = message.get_body(("plain",)).get_content()
        return re.search(re.escape(PUBLIC_URL) + "(" + path + r"[A-Za-z0-9_-]+)", text).group(1)

    def test_the_reminder_carries_its_events_and_the_manage_page_the_personal_feed(self):
        address = "feeds@example.cn"
        self.post("/subscribe", {"email": address, "lead": ["7d"], "category": ["资金引导"], "consent": "yes"})
        [confirmation] = wait_for(lambda: self.mails_to(address), 20, "the confirmation")
        self.post(self.link_in(confirmation, "/confirm/"), {})
        self.d.set_clock(SEVEN_DAYS_BEFORE - timedelta(seconds=2))
        reminder = wait_for(lambda: [m for m in self.mails_to(address) if m["List-Unsubscribe"]], 30,
                            "the 7-day reminder")[0]
        # The reminder's text/calendar part: METHOD:PUBLISH, one event per reminder, the feeds' UIDs.
        [part] = [p for p in reminder.walk() if p.get_content_type() == "text/calendar"]
        self.assertEqual(part.get_param("method"), "PUBLISH")
        attached = icalendar.Calendar.from_ical(part.get_content())
        self.assertEqual(str(attached["METHOD"]), "PUBLISH")
        attached_uids = {str(e["UID"]) for e in attached.walk("VEVENT")}
        self.assertTrue(attached_uids)
        organizer = ("申报提醒", "mailto:reminders@deadlined.example.cn")  # from_address; from_name's default
        self.assertEqual(check_with_libical(self, part.get_payload(decode=True), organizer), len(attached_uids))
        _, _, public = fetch(self.d.port, "/calendar.ics")
        self.assertLessEqual(attached_uids, {str(e["UID"]) for e in events_of(public)})
        # The manage page links the subscriber's own feed; it holds their category only.
        manage = self.link_in(reminder, "/manage/")
        _, _, page = fetch(self.d.port, manage)
        feed = re.search(r"https://deadlined\.example\.cn(/feeds/[A-Za-z0-9_-]+\.ics)", page.decode()).group(1)
        self.assertIn(b"webcal://deadlined.example.cn" + feed.encode(), page)
        status, headers, body = fetch(self.d.port, feed)
        self.assertEqual(status, 200)
        self.assertIn("private", headers["Cache-Control"])
        mine = events_of(body)
        self.assertEqual(check_with_libical(self, body, organizer), len(mine))
        _, _, category = fetch(self.d.port, "/calendar.ics?category=" + urllib.parse.quote("资金引导"))
        self.assertEqual({str(e["UID"]) for e in mine}, {str(e["UID"]) for e in events_of(category)})
        self.assertTrue(all("资金引导" in e["CATEGORIES"].to_ical().decode() for e in mine))
        self.assertEqual(str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"]), "我的申报截止日历")
        # Unsubscribed: the feed is gone with the rest.
        self.post(reminder["List-Unsubscribe"].split("<")[1].split(">")[0].replace(PUBLIC_URL, ""),
                  {"List-Unsubscribe": "One-Click"})
        status, _, _ = fetch(self.d.port, feed)
        self.assertEqual(status, 404)


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = sys.argv[1], sys.argv[2]
    LIBICAL_CHECK = sys.argv[3] if len(sys.argv) > 3 else f"{BUILD_DIR}/tests/libical_check"
    unittest.main(argv=sys.argv[:1], verbosity=2)
