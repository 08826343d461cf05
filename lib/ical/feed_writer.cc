#include "ical/feed_writer.h"

#include <algorithm>
#include <optional>

#include "base/sha256.h"
#include "ical/content_line.h"

namespace deadline::ical {

namespace {

using namespace std::chrono_literals;

std::string two_digits(long long value) { return (value < 10 ? "0" : "") + std::to_string(value); }

std::string utc_text(Instant instant) { return date::format("%Y%m%dT%H%M%SZ", instant); }

std::string local_text(LocalTime local) { return date::format("%Y%m%dT%H%M%S", local); }

std::string date_text(date::year_month_day day) { return date::format("%Y%m%d", date::sys_days{day}); }

// "+0800", "-0330", "+053328" (seconds only when the tz database has them, as LMT does).
std::string offset_text(std::chrono::seconds offset) {
  const date::hh_mm_ss clock{offset < 0s ? -offset : offset};
  std::string text = offset < 0s ? "-" : "+";
  text += two_digits(clock.hours().count()) + two_digits(clock.minutes().count());
  if (clock.seconds().count() != 0) text += two_digits(clock.seconds().count());
  return text;
}

// RFC 5545 dur-time: "PT6H", "PT1H30M".
std::string duration_text(std::chrono::minutes span) {
  const date::hh_mm_ss clock{std::chrono::abs(span)};
  std::string text = "PT";
  if (clock.hours().count() != 0) text += std::to_string(clock.hours().count()) + "H";
  if (clock.minutes().count() != 0 || clock.hours().count() == 0) text += std::to_string(clock.minutes().count()) + "M";
  return text;
}

// A timed start or end: local time with TZID when the feed has a zone, else UTC.
void add_time(std::string& out, std::string_view name, Instant instant, const date::time_zone* zone) {
  if (zone == nullptr) {
    add_property(out, name, utc_text(instant));
    return;
  }
  add_property(out, std::string(name) + ";TZID=" + zone->name(), local_text(zone->to_local(instant)));
}

// The VEVENT; `versioning` adds what changes without the event changing (SEQUENCE, DTSTAMP,
// LAST-MODIFIED), which content_hash leaves out.
std::string event_text(const IcalEvent& event, const date::time_zone* zone, bool versioning) {
  std::string out;
  add_property(out, "BEGIN", "VEVENT");
  add_property(out, "UID", escape_text(event.uid));
  if (versioning) {
    add_property(out, "SEQUENCE", std::to_string(event.sequence));
    add_property(out, "DTSTAMP", utc_text(event.last_modified));
    add_property(out, "LAST-MODIFIED", utc_text(event.last_modified));
  }
  if (const auto* timed = std::get_if<IcalEvent::Timed>(&event.when)) {
    add_time(out, "DTSTART", timed->start, zone);
    add_time(out, "DTEND", timed->end, zone);
  } else {
    const auto& all_day = std::get<IcalEvent::AllDay>(event.when);
    add_property(out, "DTSTART;VALUE=DATE", date_text(all_day.first));
    add_property(out, "DTEND;VALUE=DATE", date_text(all_day.end_exclusive));
  }
  if (!event.organizer.address.empty()) {
    const Organizer& o = event.organizer;
    add_property(out, o.name.empty() ? std::string("ORGANIZER") : "ORGANIZER;CN=" + quote_param(o.name),
                 mailto_uri(o.address));
  }
  add_property(out, "SUMMARY", escape_text(event.summary));
  if (!event.description.empty()) add_property(out, "DESCRIPTION", escape_text(event.description));
  if (!event.url.empty()) add_property(out, "URL", event.url);
  if (!event.categories.empty()) {
    std::string joined;
    for (const std::string& category : event.categories) joined += (joined.empty() ? "" : ",") + escape_text(category);
    add_property(out, "CATEGORIES", joined);
  }
  add_property(out, "STATUS", event.cancelled ? "CANCELLED" : event.tentative ? "TENTATIVE" : "CONFIRMED");
  // A deadline is a reminder, not a meeting: it must not mark the subscriber busy.
  add_property(out, "TRANSP", "TRANSPARENT");
  add_property(out, "END", "VEVENT");
  return out;
}

// One STANDARD or DAYLIGHT observance for a tz database period.
void add_observance(std::string& out, const date::time_zone& zone, const date::sys_info& info) {
  const Instant epoch = date::sys_days{date::year{1970} / date::January / 1};
  // DTSTART is the wall time at the change, read in the offset before it. A period that began
  // before 1970 starts at 1970-01-01 instead (clients handle earlier dates poorly, and the
  // period's real begin may be the tz database's "beginning of time").
  std::chrono::seconds from = info.offset;
  LocalTime start = LocalTime{epoch.time_since_epoch()};
  if (info.begin >= epoch) {
    from = zone.get_info(info.begin - 1s).offset;
    start = LocalTime{info.begin.time_since_epoch() + from};
  }
  const char* kind = info.save == 0min ? "STANDARD" : "DAYLIGHT";
  add_property(out, "BEGIN", kind);
  add_property(out, "DTSTART", local_text(start));
  add_property(out, "TZOFFSETFROM", offset_text(from));
  add_property(out, "TZOFFSETTO", offset_text(info.offset));
  add_property(out, "TZNAME", escape_text(info.abbrev));
  add_property(out, "END", kind);
}

// The zone's definition over [first, last]: every period of the tz database that the span
// touches, so a client reads each event's local time with the offsets the database gives.
std::string vtimezone(const date::time_zone& zone, Instant first, Instant last) {
  std::string out;
  add_property(out, "BEGIN", "VTIMEZONE");
  add_property(out, "TZID", zone.name());
  date::sys_info info = zone.get_info(first);
  add_observance(out, zone, info);
  while (info.end <= last) {
    info = zone.get_info(info.end);
    add_observance(out, zone, info);
  }
  add_property(out, "END", "VTIMEZONE");
  return out;
}

}  // namespace

std::string write_event(const IcalEvent& event, const date::time_zone& zone) {
  return event_text(event, &zone, true);
}

std::string content_hash(const IcalEvent& event, const date::time_zone& zone) {
  return sha256_hex(event_text(event, &zone, false));
}

std::string write_calendar(const FeedOptions& options, const std::vector<IcalEvent>& events) {
  std::string out;
  add_property(out, "BEGIN", "VCALENDAR");
  add_property(out, "VERSION", "2.0");
  add_property(out, "PRODID", escape_text(options.prodid));
  add_property(out, "CALSCALE", "GREGORIAN");
  if (!options.method.empty()) add_property(out, "METHOD", options.method);
  add_property(out, "NAME", escape_text(options.name));
  add_property(out, "X-WR-CALNAME", escape_text(options.name));
  if (options.zone != nullptr) add_property(out, "X-WR-TIMEZONE", options.zone->name());
  if (!options.description.empty()) {
    add_property(out, "DESCRIPTION", escape_text(options.description));
    add_property(out, "X-WR-CALDESC", escape_text(options.description));
  }
  add_property(out, "REFRESH-INTERVAL;VALUE=DURATION", duration_text(options.refresh));
  add_property(out, "X-PUBLISHED-TTL", duration_text(options.refresh));

  if (options.zone != nullptr) {
    std::optional<Instant> first, last;
    for (const IcalEvent& event : events) {
      if (const auto* timed = std::get_if<IcalEvent::Timed>(&event.when)) {
        first = first ? std::min({*first, timed->start, timed->end}) : std::min(timed->start, timed->end);
        last = last ? std::max({*last, timed->start, timed->end}) : std::max(timed->start, timed->end);
      }
    }
    if (first) out += vtimezone(*options.zone, *first, *last);
  }
  for (const IcalEvent& event : events) out += event_text(event, options.zone, true);
  add_property(out, "END", "VCALENDAR");
  return out;
}

}  // namespace deadline::ical
