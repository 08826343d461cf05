#include "calendar/bound.h"

#include <regex>
#include <string>

#include "time/zone.h"

namespace deadline {

namespace {

using std::chrono::hours;
using std::chrono::minutes;

unsigned to_unsigned(const std::ssub_match& m) { return static_cast<unsigned>(std::stoul(m.str())); }

date::year to_year(const std::ssub_match& m) { return date::year{std::stoi(m.str())}; }

const char* const kExpectedForms =
    "expected YYYY, YYYY-MM, YYYY-MM-DD, 'before YYYY-MM-DD' or YYYY-MM-DDTHH:MM";

}  // namespace

std::string_view to_string(Precision precision) {
  switch (precision) {
    case Precision::year: return "year";
    case Precision::month: return "month";
    case Precision::day: return "day";
    case Precision::instant: return "instant";
  }
  return "?";
}

std::string BoundSpec::text() const {
  switch (precision) {
    case Precision::year: return date::format("%Y", date.year());
    case Precision::month: return date::format("%Y-%m", date.year() / date.month());
    case Precision::day: return (before ? "before " : "") + date::format("%F", date);
    case Precision::instant: {
      const auto h = std::chrono::duration_cast<hours>(time_of_day);
      const auto m = time_of_day - h;
      char clock[8];
      std::snprintf(clock, sizeof clock, "%02d:%02d", static_cast<int>(h.count()),
                    static_cast<int>(m.count()));
      return date::format("%F", date) + "T" + clock;
    }
  }
  return {};
}

BoundSpec BoundSpec::shifted_years(int years) const {
  BoundSpec shifted = *this;
  shifted.date = date::year_month_day{date.year() + date::years{years}, date.month(), date.day()};
  return shifted;
}

Result<BoundSpec> parse_bound(std::string_view text, BoundSide side) {
  static const std::regex year_form(R"(^(\d{4})$)");
  static const std::regex month_form(R"(^(\d{4})-(\d{2})$)");
  static const std::regex day_form(R"(^(before )?(\d{4})-(\d{2})-(\d{2})$)");
  static const std::regex instant_form(R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$)");

  const std::string s(text);
  const auto impossible = [&] { return Result<BoundSpec>::failure("impossible date '" + s + "'"); };
  std::smatch m;
  BoundSpec spec;
  if (std::regex_match(s, m, year_form)) {
    spec.precision = Precision::year;
    spec.date = to_year(m[1]) / date::January / 1;
  } else if (std::regex_match(s, m, month_form)) {
    spec.precision = Precision::month;
    spec.date = to_year(m[1]) / date::month{to_unsigned(m[2])} / 1;
  } else if (std::regex_match(s, m, day_form)) {
    spec.precision = Precision::day;
    spec.before = m[1].matched;
    spec.date = to_year(m[2]) / date::month{to_unsigned(m[3])} / date::day{to_unsigned(m[4])};
    if (spec.before && side == BoundSide::opens) {
      return Result<BoundSpec>::failure("'before' only makes sense for a closing bound: '" + s + "'");
    }
  } else if (std::regex_match(s, m, instant_form)) {
    spec.precision = Precision::instant;
    spec.date = to_year(m[1]) / date::month{to_unsigned(m[2])} / date::day{to_unsigned(m[3])};
    const unsigned h = to_unsigned(m[4]), min = to_unsigned(m[5]);
    if (h > 24 || min > 59 || (h == 24 && min != 0)) {
      return Result<BoundSpec>::failure("impossible time of day '" + s + "'");
    }
    if (h == 24 && side == BoundSide::opens) {
      return Result<BoundSpec>::failure("24:00 ends a day and cannot open a window: '" + s + "'");
    }
    spec.time_of_day = hours{h} + minutes{min};
  } else {
    return Result<BoundSpec>::failure("malformed bound '" + s + "' (" + kExpectedForms + ")");
  }
  if (!spec.date.ok()) return impossible();
  return Result<BoundSpec>::success(spec);
}

Result<Instant> resolve_bound(const BoundSpec& spec, BoundSide side, const date::time_zone& zone) {
  const bool closing = side == BoundSide::closes;
  date::local_days day;
  minutes time_of_day{0};
  switch (spec.precision) {
    case Precision::year:
      day = date::local_days{(spec.date.year() + date::years{closing ? 1 : 0}) / date::January / 1};
      break;
    case Precision::month: {
      const auto month = spec.date.year() / spec.date.month() + date::months{closing ? 1 : 0};
      day = date::local_days{month / 1};
      break;
    }
    case Precision::day:
      day = date::local_days{spec.date} + date::days{closing && !spec.before ? 1 : 0};
      break;
    case Precision::instant:
      day = date::local_days{spec.date};
      time_of_day = spec.time_of_day;  // 24:00 lands on the next day's 00:00
      break;
  }
  return resolve_local(LocalTime{day} + time_of_day, zone);
}

}  // namespace deadline
