// The iCalendar writer: lib/ical/content_line.h (fold_line, escape_text) on fuzz text, and
// lib/ical/feed_writer.h write_calendar over events built from the input (texts, instants or
// dates, a zone among a few with odd offsets, and the feed's options).
//
// Invariants: nothing throws; fold_line's physical lines are at most 75 octets with CRLF,
// continuations start with one space, unfolding restores the line, and a valid UTF-8 line is
// never folded inside a character; escape_text leaves no CR or LF and unescapes to the text
// (line ends as LF); quote_param gives one quoted-string (no DQUOTE or control character but
// tab inside) and mailto_uri a URI of unreserved characters, `@!$'()*+` and %XX; a whole calendar has CRLF line ends only, lines within 75 octets, and
// unfolded, only the properties the writer writes (no text can start a line of its own), the
// components balanced, one VEVENT per event with its SUMMARY read back; content_hash ignores
// SEQUENCE and LAST-MODIFIED.

#include <fuzzer/FuzzedDataProvider.h>

#include <cctype>
#include <set>

#include "calendar/checks.h"
#include "fuzz_support.h"
#include "ical/content_line.h"
#include "ical/feed_writer.h"
#include "time/zone.h"

using namespace deadline;
using namespace deadline::ical;

namespace {

// `folded` is fold_line's output: check it, return the line unfolded.
std::string check_folded(std::string_view folded) {
  FUZZ_CHECK(fuzz::crlf_only(folded));
  FUZZ_CHECK(folded.ends_with("\r\n"));
  std::string line;
  bool first = true;
  for (std::size_t start = 0; start < folded.size();) {
    const std::size_t end = folded.find("\r\n", start);
    std::string_view physical = folded.substr(start, end - start);
    FUZZ_CHECK(physical.size() <= 75);
    if (!first) {
      FUZZ_CHECK(physical.size() >= 2 && physical.front() == ' ');  // a continuation carries text
      physical.remove_prefix(1);
    }
    line += physical;
    first = false;
    start = end + 2;
  }
  if (fuzz::valid_utf8(line)) {
    // No physical line begins with a continuation byte: no fold inside a character.
    for (std::size_t at = folded.find("\r\n "); at != std::string_view::npos; at = folded.find("\r\n ", at + 1)) {
      FUZZ_CHECK(at + 3 < folded.size() && !fuzz::is_continuation_byte(folded[at + 3]));
    }
  }
  return line;
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    FUZZ_CHECK(i + 1 < text.size());
    const char next = text[++i];
    FUZZ_CHECK(next == '\\' || next == ';' || next == ',' || next == 'n');
    out += next == 'n' ? '\n' : next;
  }
  return out;
}

std::string lf_line_ends(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

void check_param_and_uri(std::string_view text) {
  const std::string quoted = quote_param(text);
  FUZZ_CHECK(quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"');
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    const auto c = static_cast<unsigned char>(quoted[i]);
    FUZZ_CHECK(c != '"' && c != 0x7f && (c >= 0x20 || c == '\t'));
  }
  const std::string uri = mailto_uri(text);
  FUZZ_CHECK(uri.starts_with("mailto:"));
  for (std::size_t i = 7; i < uri.size(); ++i) {
    const char c = uri[i];
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("-._~@!$'()*+").find(c) != std::string_view::npos;
    const bool escape = c == '%' && i + 2 < uri.size() && std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
                        std::isxdigit(static_cast<unsigned char>(uri[i + 2]));
    FUZZ_CHECK(plain || escape);
  }
}

void check_escape(std::string_view text) {
  const std::string escaped = escape_text(text);
  FUZZ_CHECK(escaped.find_first_of("\r\n") == std::string::npos);
  FUZZ_CHECK(unescape(escaped) == lf_line_ends(text));
  FUZZ_CHECK(check_folded(fold_line("SUMMARY:" + escaped)) == "SUMMARY:" + escaped);
}

Instant instant(FuzzedDataProvider& in) {
  // 1901 to 2242: beyond what any calendar holds, within what date::format prints.
  return Instant{std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(-(std::int64_t{1} << 31), std::int64_t{1} << 33)}};
}

IcalEvent event(FuzzedDataProvider& in) {
  IcalEvent e;
  e.uid = in.ConsumeRandomLengthString(120);
  e.sequence = in.ConsumeIntegral<int>();
  e.last_modified = instant(in);
  e.summary = in.ConsumeRandomLengthString(300);
  e.description = in.ConsumeRandomLengthString(600);
  if (std::string url = in.ConsumeRandomLengthString(200); is_valid_link(url)) e.url = std::move(url);
  const auto categories = in.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < categories; ++i) e.categories.push_back(in.ConsumeRandomLengthString(60));
  e.tentative = in.ConsumeBool();
  if (in.ConsumeBool()) e.organizer = {in.ConsumeRandomLengthString(80), in.ConsumeRandomLengthString(120)};
  if (in.ConsumeBool()) {
    const Instant start = instant(in);
    e.when = IcalEvent::Timed{start, start + std::chrono::seconds{in.ConsumeIntegralInRange<int>(-86400, 86400 * 400)}};
  } else {
    const date::sys_days first{date::days{in.ConsumeIntegralInRange<int>(-25000, 98000)}};
    e.when = IcalEvent::AllDay{first, first + date::days{in.ConsumeIntegralInRange<int>(0, 400)}};
  }
  return e;
}

const std::set<std::string_view>& known_properties() {
  static const std::set<std::string_view> names = {
      "BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE",
      "DESCRIPTION", "X-WR-CALDESC", "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "TZID", "DTSTART", "TZOFFSETFROM",
      "TZOFFSETTO", "TZNAME", "UID", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED", "DTEND", "ORGANIZER", "SUMMARY", "URL",
      "CATEGORIES", "STATUS", "TRANSP"};
  return names;
}

void check_calendar(const std::string& text, const std::vector<IcalEvent>& events) {
  FUZZ_CHECK(fuzz::crlf_only(text));
  // Physical lines to logical lines: each logical line is one fold_line output.
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find("\r\n", start);
    while (end != std::string::npos && end + 2 < text.size() && text[end + 2] == ' ') end = text.find("\r\n", end + 2);
    FUZZ_CHECK(end != std::string::npos);
    lines.push_back(check_folded(std::string_view(text).substr(start, end + 2 - start)));
    start = end + 2;
  }
  FUZZ_CHECK(!lines.empty() && lines.front() == "BEGIN:VCALENDAR" && lines.back() == "END:VCALENDAR");
  std::vector<std::string> open;
  std::size_t vevents = 0;
  for (const std::string& line : lines) {
    const std::size_t name_end = line.find_first_of(";:");
    FUZZ_CHECK(name_end != std::string::npos);
    const std::string_view name = std::string_view(line).substr(0, name_end);
    if (!known_properties().contains(name)) {
      std::fprintf(stderr, "unexpected content line: %s\n", line.c_str());
      FUZZ_CHECK(known_properties().contains(name));
    }
    if (name == "BEGIN") {
      open.push_back(line.substr(6));
      if (line == "BEGIN:VEVENT") ++vevents;
    } else if (name == "END") {
      FUZZ_CHECK(!open.empty() && open.back() == line.substr(4));
      open.pop_back();
    } else if (name == "SUMMARY" && !open.empty() && open.back() == "VEVENT") {
      FUZZ_CHECK(vevents >= 1 && vevents <= events.size());
      FUZZ_CHECK(unescape(line.substr(8)) == lf_line_ends(events[vevents - 1].summary));
    }
  }
  FUZZ_CHECK(open.empty());
  FUZZ_CHECK(vevents == events.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const date::time_zone* const kZones[] = {nullptr, &shanghai_zone(), find_zone("America/New_York"),
                                                  find_zone("Europe/London"), find_zone("Australia/Lord_Howe"),
                                                  find_zone("Pacific/Chatham")};
  FuzzedDataProvider in(data, size);
  fuzz::no_throw([&] {
    std::string line = in.ConsumeRandomLengthString(600);
    std::erase_if(line, [](char c) { return c == '\r' || c == '\n'; });  // fold_line takes a line without its end
    FUZZ_CHECK(check_folded(fold_line(line)) == line);
    check_escape(in.ConsumeRandomLengthString(600));
    check_param_and_uri(in.ConsumeRandomLengthString(200));

    FeedOptions options;
    options.name = in.ConsumeRandomLengthString(100);
    options.description = in.ConsumeRandomLengthString(200);
    if (in.ConsumeBool()) options.prodid = in.ConsumeRandomLengthString(100);
    options.refresh = std::chrono::minutes{in.ConsumeIntegralInRange<int>(0, 100000)};
    options.zone = kZones[in.ConsumeIntegralInRange<std::size_t>(0, 5)];
    options.method = in.ConsumeBool() ? "PUBLISH" : "";
    std::vector<IcalEvent> events;
    const auto count = in.ConsumeIntegralInRange<int>(0, 3);
    for (int i = 0; i < count; ++i) events.push_back(event(in));

    check_calendar(write_calendar(options, events), events);
    const date::time_zone& zone = options.zone ? *options.zone : shanghai_zone();
    for (IcalEvent& e : events) {
      (void)write_event(e, zone);
      const std::string hash = content_hash(e, zone);
      FUZZ_CHECK(hash.size() == 64);
      e.sequence = e.sequence == 0 ? 1 : 0;
      e.last_modified += std::chrono::hours{1};
      FUZZ_CHECK(content_hash(e, zone) == hash);
    }
  });
  return 0;
}
