#include "ical/feed_writer.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "time/iso8601.h"
#include "time/zone.h"
#include "test_support.h"

using namespace deadline;
using namespace deadline::ical;

namespace {

using test::at;

// The reminder mails' sender: ORGANIZER of every event (RFC 5546 §3.2.1 for METHOD:PUBLISH).
const Organizer kOrganizer{"reminders@deadlines.example.org", "江苏省中小企业申报提醒"};

// A confirmed deadline at 24:00 on 18 October, shown as its last hour.
IcalEvent timed_event() {
  IcalEvent event;
  event.uid = "jiangsu-specialised-sme-2024-batch2-2024-apply@deadlines.example.org";
  event.sequence = 2;
  event.last_modified = at("2024-10-01T08:30:00Z");
  event.summary = "截止：专精特新（企业）";
  event.description = "第一行\n第二行; a,b\\c";
  event.url = "https://policy.example.org/a?b=1;c,d";
  event.categories = {"工业和信息化部门", "认定;培育"};
  event.organizer = kOrganizer;
  event.when = IcalEvent::Timed{at("2024-10-18T15:00:00Z"), at("2024-10-18T16:00:00Z")};
  return event;
}

// A month estimate: all of November, tentative, nothing optional set.
IcalEvent all_day_event() {
  IcalEvent event;
  event.uid = "first-set-2024-apply@deadlines.example.org";
  event.last_modified = at("2024-09-30T16:00:00Z");
  event.summary = "【预计】截止：首台套";
  event.tentative = true;
  event.organizer = kOrganizer;
  event.when = IcalEvent::AllDay{date::year{2024} / 11 / 1, date::year{2024} / 12 / 1};
  return event;
}

// The sender's line is 87 octets: folded once, inside the address.
const std::string kOrganizerLine =
    "ORGANIZER;CN=\"江苏省中小企业申报提醒\":mailto:reminders@deadlines\r\n"
    " .example.org\r\n";

const std::string kTimedEvent =
    "BEGIN:VEVENT\r\n"
    "UID:jiangsu-specialised-sme-2024-batch2-2024-apply@deadlines.example.org\r\n"
    "SEQUENCE:2\r\n"
    "DTSTAMP:20241001T083000Z\r\n"
    "LAST-MODIFIED:20241001T083000Z\r\n"
    "DTSTART;TZID=Asia/Shanghai:20241018T230000\r\n"
    "DTEND;TZID=Asia/Shanghai:20241019T000000\r\n" +
    kOrganizerLine +
    "SUMMARY:截止：专精特新（企业）\r\n"
    "DESCRIPTION:第一行\\n第二行\\; a\\,b\\\\c\r\n"
    "URL:https://policy.example.org/a?b=1;c,d\r\n"
    "CATEGORIES:工业和信息化部门,认定\\;培育\r\n"
    "STATUS:CONFIRMED\r\n"
    "TRANSP:TRANSPARENT\r\n"
    "END:VEVENT\r\n";

const std::string kAllDayEvent =
    "BEGIN:VEVENT\r\n"
    "UID:first-set-2024-apply@deadlines.example.org\r\n"
    "SEQUENCE:0\r\n"
    "DTSTAMP:20240930T160000Z\r\n"
    "LAST-MODIFIED:20240930T160000Z\r\n"
    "DTSTART;VALUE=DATE:20241101\r\n"
    "DTEND;VALUE=DATE:20241201\r\n" +
    kOrganizerLine +
    "SUMMARY:【预计】截止：首台套\r\n"
    "STATUS:TENTATIVE\r\n"
    "TRANSP:TRANSPARENT\r\n"
    "END:VEVENT\r\n";

// Shanghai's current period began when summer time ended in 1991: 02:00 CDT became 01:00 CST.
const std::string kShanghaiTimezone =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Asia/Shanghai\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19910915T020000\r\n"
    "TZOFFSETFROM:+0900\r\n"
    "TZOFFSETTO:+0800\r\n"
    "TZNAME:CST\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

FeedOptions shanghai_feed() {
  FeedOptions options;
  options.name = "江苏省惠企政策申报截止";
  options.description = "申报截止提醒, 每6小时更新";
  options.zone = &shanghai_zone();
  return options;
}

}  // namespace

TEST_CASE("ical feed: a timed event is its last hour in the feed's zone") {
  CHECK(write_event(timed_event(), shanghai_zone()) == kTimedEvent);
}

TEST_CASE("ical feed: an all-day event is dates with an exclusive end, tentative") {
  CHECK(write_event(all_day_event(), shanghai_zone()) == kAllDayEvent);
  IcalEvent confirmed = all_day_event();
  confirmed.tentative = false;
  CHECK(write_event(confirmed, shanghai_zone()).find("\r\nSTATUS:CONFIRMED\r\n") != std::string::npos);
}

TEST_CASE("ical feed: the whole calendar, with the Asia/Shanghai VTIMEZONE") {
  const std::string expected =
      "BEGIN:VCALENDAR\r\n"
      "VERSION:2.0\r\n"
      "PRODID:-//deadlined//deadlined//ZH\r\n"
      "CALSCALE:GREGORIAN\r\n"
      "NAME:江苏省惠企政策申报截止\r\n"
      "X-WR-CALNAME:江苏省惠企政策申报截止\r\n"
      "X-WR-TIMEZONE:Asia/Shanghai\r\n"
      "DESCRIPTION:申报截止提醒\\, 每6小时更新\r\n"
      "X-WR-CALDESC:申报截止提醒\\, 每6小时更新\r\n"
      "REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n"
      "X-PUBLISHED-TTL:PT6H\r\n" +
      kShanghaiTimezone + kAllDayEvent + kTimedEvent + "END:VCALENDAR\r\n";
  CHECK(write_calendar(shanghai_feed(), {all_day_event(), timed_event()}) == expected);
}

TEST_CASE("ical feed: METHOD for an attachment, no VTIMEZONE without timed events") {
  FeedOptions options = shanghai_feed();
  options.method = "PUBLISH";
  options.description.clear();
  options.refresh = std::chrono::minutes{90};
  const std::string expected =
      "BEGIN:VCALENDAR\r\n"
      "VERSION:2.0\r\n"
      "PRODID:-//deadlined//deadlined//ZH\r\n"
      "CALSCALE:GREGORIAN\r\n"
      "METHOD:PUBLISH\r\n"
      "NAME:江苏省惠企政策申报截止\r\n"
      "X-WR-CALNAME:江苏省惠企政策申报截止\r\n"
      "X-WR-TIMEZONE:Asia/Shanghai\r\n"
      "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M\r\n"
      "X-PUBLISHED-TTL:PT1H30M\r\n" +
      kAllDayEvent + "END:VCALENDAR\r\n";
  CHECK(write_calendar(options, {all_day_event()}) == expected);
}

TEST_CASE("ical feed: a VTIMEZONE across a DST change has one observance per period") {
  const date::time_zone* new_york = find_zone("America/New_York");
  REQUIRE(new_york);
  FeedOptions options;
  options.name = "NY";
  options.zone = new_york;
  IcalEvent winter = all_day_event();
  winter.when = IcalEvent::Timed{at("2024-03-01T14:00:00Z"), at("2024-03-01T15:00:00Z")};
  IcalEvent spring = all_day_event();
  spring.when = IcalEvent::Timed{at("2024-04-01T13:00:00Z"), at("2024-04-01T14:00:00Z")};
  const std::string calendar = write_calendar(options, {spring, winter});
  const std::string expected_zone =
      "BEGIN:VTIMEZONE\r\n"
      "TZID:America/New_York\r\n"
      "BEGIN:STANDARD\r\n"
      "DTSTART:20231105T020000\r\n"
      "TZOFFSETFROM:-0400\r\n"
      "TZOFFSETTO:-0500\r\n"
      "TZNAME:EST\r\n"
      "END:STANDARD\r\n"
      "BEGIN:DAYLIGHT\r\n"
      "DTSTART:20240310T020000\r\n"
      "TZOFFSETFROM:-0500\r\n"
      "TZOFFSETTO:-0400\r\n"
      "TZNAME:EDT\r\n"
      "END:DAYLIGHT\r\n"
      "END:VTIMEZONE\r\n";
  CHECK(calendar.find(expected_zone) != std::string::npos);
  CHECK(calendar.find("DTSTART;TZID=America/New_York:20240301T090000\r\n") != std::string::npos);
  CHECK(calendar.find("DTSTART;TZID=America/New_York:20240401T090000\r\n") != std::string::npos);
}

TEST_CASE("ical feed: content_hash ignores SEQUENCE and LAST-MODIFIED, not the content") {
  const IcalEvent event = timed_event();
  const std::string hash = content_hash(event, shanghai_zone());
  CHECK(hash.size() == 64);
  CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);

  IcalEvent bumped = event;
  bumped.sequence = 7;
  bumped.last_modified = at("2025-01-01T00:00:00Z");
  CHECK(content_hash(bumped, shanghai_zone()) == hash);
  CHECK(write_event(bumped, shanghai_zone()) != write_event(event, shanghai_zone()));

  IcalEvent renamed = event;
  renamed.summary += "。";
  CHECK(content_hash(renamed, shanghai_zone()) != hash);
  IcalEvent moved = event;
  moved.when = IcalEvent::Timed{at("2024-10-18T14:00:00Z"), at("2024-10-18T15:00:00Z")};
  CHECK(content_hash(moved, shanghai_zone()) != hash);
  IcalEvent confirmed = event;
  confirmed.tentative = true;
  CHECK(content_hash(confirmed, shanghai_zone()) != hash);
  IcalEvent other_sender = event;
  other_sender.organizer.address = "other@deadlines.example.org";
  CHECK(content_hash(other_sender, shanghai_zone()) != hash);
}

TEST_CASE("ical feed: ORGANIZER quotes its CN and percent-encodes its address, without CN no parameter") {
  IcalEvent event = all_day_event();
  event.organizer = {"ops+a&b=c@example.cn", "中心 \"申报\"; a,b: c^"};
  CHECK(write_event(event, shanghai_zone()).find("\r\nORGANIZER;CN=\"中心 ^'申报^'; a,b: c^^\":mailto:ops+a%26b%3Dc@example.cn\r\n") !=
        std::string::npos);
  event.organizer.name.clear();
  CHECK(write_event(event, shanghai_zone()).find("\r\nORGANIZER:mailto:ops+a%26b%3Dc@example.cn\r\n") != std::string::npos);
  event.organizer = {};
  CHECK(write_event(event, shanghai_zone()).find("ORGANIZER") == std::string::npos);
}

TEST_CASE("ical feed: long Chinese text is folded, every line CRLF and within 75 octets") {
  IcalEvent event = timed_event();
  std::string long_text;
  for (int i = 0; i < 20; ++i) long_text += "申报条件：从事特定细分市场2年以上，研发费用不低于100万元；\n";
  event.description = long_text;
  const std::string text = write_calendar(shanghai_feed(), {event});
  std::size_t at_line = 0;
  std::size_t lines = 0;
  while (at_line < text.size()) {
    const std::size_t end = text.find("\r\n", at_line);
    REQUIRE(end != std::string::npos);
    CHECK(end - at_line <= 75);
    CHECK(text.substr(at_line, end - at_line).find_first_of("\r\n") == std::string::npos);
    at_line = end + 2;
    ++lines;
  }
  CHECK(lines > 30);
}
