#include "time/iso8601.h"

#include <chrono>
#include <regex>

#include "time/zone.h"

namespace deadline {

namespace {

int to_int(const std::ssub_match& m) { return std::stoi(m.str()); }

}  // namespace

Result<Instant> parse_iso8601(std::string_view text) {
  static const std::regex pattern(
      R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|([+-])(\d{2}):(\d{2}))$)");
  const std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, pattern)) {
    return Result<Instant>::failure("'" + s +
                                    "' is not an ISO-8601 time with an offset "
                                    "(e.g. 2026-11-27T09:00+08:00 or 2026-11-27T01:00Z)");
  }
  const date::year_month_day ymd{date::year{to_int(m[1])},
                                 date::month{static_cast<unsigned>(to_int(m[2]))},
                                 date::day{static_cast<unsigned>(to_int(m[3]))}};
  const int hour = to_int(m[4]), minute = to_int(m[5]);
  const int second = m[6].matched ? to_int(m[6]) : 0;
  if (!ymd.ok()) return Result<Instant>::failure("'" + s + "' has an impossible date");
  if (hour > 23 || minute > 59 || second > 59) {
    return Result<Instant>::failure("'" + s + "' has an impossible time of day");
  }
  std::chrono::minutes offset{0};
  if (m[7] != "Z") {
    const int oh = to_int(m[9]), om = to_int(m[10]);
    if (oh > 23 || om > 59) return Result<Instant>::failure("'" + s + "' has an impossible offset");
    offset = std::chrono::hours{oh} + std::chrono::minutes{om};
    if (m[8] == "-") offset = -offset;
  }
  const auto wall = date::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                    std::chrono::seconds{second};
  return Result<Instant>::success(Instant{wall - offset});
}

std::string format_utc(Instant instant) { return date::format("%FT%TZ", instant); }

std::string format_local_iso(Instant instant, const date::time_zone& zone) {
  const date::zoned_seconds zoned{&zone, instant};
  return date::format("%FT%T%Ez", zoned);
}

std::string format_close_for_people(Instant close, const date::time_zone& zone) {
  const LocalTime local = to_local(close, zone);
  const auto day = date::floor<date::days>(local);
  if (local == day) {
    // Midnight ends the previous day: show it as that day's 24:00, as the handbook does.
    return date::format("%F", day - date::days{1}) + " 24:00";
  }
  return date::format("%F %H:%M", local);
}

std::string format_open_for_people(Instant open, const date::time_zone& zone) {
  return date::format("%F %H:%M", to_local(open, zone));
}

}  // namespace deadline
