// The reading rules of DESIGN.md, as the calendar format writes them: a bound's written form
// gives its precision, and the side (opens / closes) decides which end of the period it means.

#include "calendar/bound.h"

#include <doctest/doctest.h>

#include "time/iso8601.h"
#include "time/zone.h"

using namespace deadline;

namespace {

std::string resolved_utc(const char* written, BoundSide side) {
  const Result<BoundSpec> spec = parse_bound(written, side);
  REQUIRE_MESSAGE(spec.ok(), spec.error());
  const Result<Instant> at = resolve_bound(*spec, side, shanghai_zone());
  REQUIRE_MESSAGE(at.ok(), at.error());
  return format_utc(*at);
}

}  // namespace

TEST_CASE("reading rules: each written form resolves to the instant the phrase means") {
  struct Row { const char* phrase; const char* written; BoundSide side; const char* utc; };
  const Row rows[] = {
      // "10月18日24:00" is the end of 18 October: 2024-10-19T00:00+08:00.
      {"10月18日24:00时系统关闭", "2024-10-18T24:00", BoundSide::closes, "2024-10-18T16:00:00Z"},
      // "截止时间为X日" closes at the end of X.
      {"申报截止时间为2024年12月20日", "2024-12-20", BoundSide::closes, "2024-12-20T16:00:00Z"},
      // "X日前" closes at the START of X: never make anyone late.
      {"2024年11月29日前", "before 2024-11-29", BoundSide::closes, "2024-11-28T16:00:00Z"},
      {"2025年2月10日前", "before 2025-02-10", BoundSide::closes, "2025-02-09T16:00:00Z"},
      // An exact time is that instant.
      {"截止时间为2024年12月30日17:30", "2024-12-30T17:30", BoundSide::closes, "2024-12-30T09:30:00Z"},
      // Months: November 2026 = [2026-11-01T00:00+08:00, 2026-12-01T00:00+08:00).
      {"11月 (opens)", "2026-11", BoundSide::opens, "2026-10-31T16:00:00Z"},
      {"11月 (closes)", "2026-11", BoundSide::closes, "2026-11-30T16:00:00Z"},
      // A month window across the year end: 2024年12月-2025年2月.
      {"2024年12月 (opens)", "2024-12", BoundSide::opens, "2024-11-30T16:00:00Z"},
      {"2025年2月 (closes)", "2025-02", BoundSide::closes, "2025-02-28T16:00:00Z"},
      {"February of a leap year closes at 1 March", "2028-02", BoundSide::closes, "2028-02-29T16:00:00Z"},
      // Days and years for policies' periods.
      {"2024年12月1日实施", "2024-12-01", BoundSide::opens, "2024-11-30T16:00:00Z"},
      {"至2028年", "2028", BoundSide::closes, "2028-12-31T16:00:00Z"},
      {"2025年起", "2025", BoundSide::opens, "2024-12-31T16:00:00Z"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.phrase);
    CHECK(resolved_utc(row.written, row.side) == row.utc);
  }
}

TEST_CASE("a bound keeps its written form and precision") {
  for (const char* written : {"2028", "2024-11", "2024-12-20", "before 2024-11-29", "2024-10-18T24:00",
                              "2024-12-30T17:30"}) {
    CAPTURE(written);
    CHECK(parse_bound(written, BoundSide::closes)->text() == written);
  }
  CHECK(parse_bound("2024-11", BoundSide::opens)->precision == Precision::month);
  CHECK(parse_bound("2024-10-18T24:00", BoundSide::closes)->precision == Precision::instant);
  CHECK(parse_bound("before 2024-11-29", BoundSide::closes)->precision == Precision::day);
}

TEST_CASE("projection shifts month bounds by whole years") {
  CHECK(parse_bound("2024-12", BoundSide::opens)->shifted_years(2).text() == "2026-12");
  CHECK(parse_bound("2025-02", BoundSide::closes)->shifted_years(1).text() == "2026-02");
}

TEST_CASE("malformed and impossible bounds are refused with the reason") {
  struct Row { const char* written; BoundSide side; const char* error; };
  const Row rows[] = {
      {"2024年11月", BoundSide::closes,
       "malformed bound '2024年11月' (expected YYYY, YYYY-MM, YYYY-MM-DD, 'before YYYY-MM-DD' or YYYY-MM-DDTHH:MM)"},
      {"2024-13", BoundSide::closes, "impossible date '2024-13'"},
      {"2024-02-30", BoundSide::closes, "impossible date '2024-02-30'"},
      {"2023-02-29", BoundSide::closes, "impossible date '2023-02-29'"},
      {"2024-10-18T24:30", BoundSide::closes, "impossible time of day '2024-10-18T24:30'"},
      {"2024-10-18T17:60", BoundSide::closes, "impossible time of day '2024-10-18T17:60'"},
      {"2024-10-18T24:00", BoundSide::opens, "24:00 ends a day and cannot open a window: '2024-10-18T24:00'"},
      {"before 2024-11-01", BoundSide::opens, "'before' only makes sense for a closing bound: 'before 2024-11-01'"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.written);
    const Result<BoundSpec> spec = parse_bound(row.written, row.side);
    REQUIRE_FALSE(spec.ok());
    CHECK(spec.error() == row.error);
  }
}
