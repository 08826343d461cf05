#pragma once
// A calendar feed as iCalendar text (RFC 5545, with RFC 7986's NAME / REFRESH-INTERVAL and the
// X-WR-* / X-PUBLISHED-TTL properties common clients still read). Pure: events in, bytes out.

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "time/instant.h"

namespace deadline::ical {

// Who publishes the events: ORGANIZER;CN="<name>":mailto:<address> (RFC 5545 §3.8.4.3), which
// RFC 5546 §3.2.1 requires in every VEVENT of a METHOD:PUBLISH object. The daemon's is the
// reminder mails' sender, [email] from_address and from_name (docs/configuration.md).
struct Organizer {
  std::string address;  // an email address (as [email] from_address accepts); "": no ORGANIZER
  std::string name;     // CN, any text (quoted and caret-encoded); "": no CN
};

struct IcalEvent {
  std::string uid;
  int sequence = 0;
  Instant last_modified{};  // LAST-MODIFIED, and DTSTAMP too (so DTSTAMP does not churn per request)
  std::string summary, description, url;  // plain text, escaped by the writer; url as a URI, omitted when empty
  std::vector<std::string> categories;    // CATEGORIES, each escaped, joined with ","; omitted when empty
  bool tentative = false;                 // STATUS:TENTATIVE, else STATUS:CONFIRMED
  bool cancelled = false;                 // STATUS:CANCELLED (a notice withdrew the call)
  Organizer organizer;                    // ORGANIZER; omitted when its address is empty

  // Written as DTSTART;TZID=<zone name>:YYYYMMDDTHHMMSS in the feed's zone.
  struct Timed {
    Instant start, end;
  };
  // DTSTART;VALUE=DATE / DTEND;VALUE=DATE; the end is exclusive (the day after the last).
  struct AllDay {
    date::year_month_day first, end_exclusive;
  };
  std::variant<Timed, AllDay> when;
};

struct FeedOptions {
  std::string name;                          // NAME and X-WR-CALNAME
  std::string description;                   // DESCRIPTION and X-WR-CALDESC; omitted when empty
  std::string prodid = "-//deadlined//deadlined//ZH";
  std::chrono::minutes refresh{360};         // REFRESH-INTERVAL and X-PUBLISHED-TTL
  const date::time_zone* zone = nullptr;     // timed events' TZID; also X-WR-TIMEZONE. nullptr: UTC
  std::string method;                        // "" for a subscribed feed; "PUBLISH" for an email attachment
};

// A whole VCALENDAR: header properties, one VTIMEZONE for the zone when any timed event uses it,
// then the VEVENTs in the order given. CRLF line ends; every line folded with fold_line.
std::string write_calendar(const FeedOptions& options, const std::vector<IcalEvent>& events);

// The VEVENT alone (BEGIN:VEVENT … END:VEVENT).
std::string write_event(const IcalEvent& event, const date::time_zone& zone);

// Lower-case hex SHA-256 of what write_event writes minus SEQUENCE, DTSTAMP and LAST-MODIFIED:
// equal hashes, same event as a subscriber sees it (a store bumps SEQUENCE only when it changes).
std::string content_hash(const IcalEvent& event, const date::time_zone& zone);

}  // namespace deadline::ical
