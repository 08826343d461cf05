#pragma once
// One end of a window (or of a policy's period), as written in a calendar file and as resolved
// to an instant. The written form carries its precision; see docs/calendar-format.md, "Bounds".

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"
#include "time/instant.h"

namespace deadline {

enum class Precision { year, month, day, instant };
enum class BoundSide { opens, closes };

std::string_view to_string(Precision precision);

// A bound as written, before a time zone turns it into an instant.
struct BoundSpec {
  Precision precision = Precision::day;
  date::year_month_day date{};              // year precision: 1 Jan; month precision: day 1
  std::chrono::minutes time_of_day{0};      // instant precision only; 24:00 ends the day
  bool before = false;                      // "before YYYY-MM-DD": closes at that day's start

  // The canonical written form ("2024-11", "before 2024-11-29", "2024-10-18T24:00").
  std::string text() const;
  // The same bound `years` later; only year and month precision shift (projection).
  BoundSpec shifted_years(int years) const;
};

// Parses the written form. Errors say what is wrong with the text, without a place; the loader
// adds file:line and the field name.
Result<BoundSpec> parse_bound(std::string_view text, BoundSide side);

// The instant a bound stands for: an opening bound is the start of its period, a closing bound
// its end (the end of a month is the start of the next; "24:00" is the next day's 00:00).
Result<Instant> resolve_bound(const BoundSpec& spec, BoundSide side, const date::time_zone& zone);

struct Bound {
  BoundSpec spec;
  Instant at;
};

}  // namespace deadline
