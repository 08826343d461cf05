#include "calendar/upcoming.h"

#include <doctest/doctest.h>

#include "calendar/loader.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using deadline::test::fixture;

namespace {

std::vector<std::string> upcoming_ids(const Calendar& calendar, const char* at, int days) {
  std::vector<std::string> ids;
  for (const Window* w : upcoming_windows(calendar, {*parse_iso8601(at), date::days{days}})) ids.push_back(w->id());
  return ids;
}

const Calendar& fixture_calendar() {
  static const Calendar calendar = *load_calendar_files({fixture("valid.toml")}).calendar;
  return calendar;
}

}  // namespace

TEST_CASE("open now - opening soon or closing soon - soonest close first") {
  // 2024-11-27: the November estimate is open (closes 1 December 00:00); the recommend deadline
  // closes on the 29th at 00:00, inside a two-day period but not a one-day one.
  CHECK(upcoming_ids(fixture_calendar(), "2024-11-27T09:00+08:00", 1) ==
        std::vector<std::string>{"test-programme/apply/2024"});
  CHECK(upcoming_ids(fixture_calendar(), "2024-11-27T09:00+08:00", 2) ==
        std::vector<std::string>{"test-programme/recommend/2024", "test-programme/apply/2024"});
}

TEST_CASE("a window is gone at its close instant - not a second later") {
  CHECK(upcoming_ids(fixture_calendar(), "2024-11-28T23:59:59+08:00", 1) ==
        std::vector<std::string>{"test-programme/recommend/2024", "test-programme/apply/2024"});
  // The November estimate closes then too: the chain rule caps it at the recommenders' close.
  CHECK(upcoming_ids(fixture_calendar(), "2024-11-29T00:00+08:00", 1).empty());
}

TEST_CASE("a window opening within the period counts - one opening after it does not") {
  CHECK(upcoming_ids(fixture_calendar(), "2025-10-20T00:00+08:00", 13) ==
        std::vector<std::string>{"test-programme/apply/2025"});
  CHECK(upcoming_ids(fixture_calendar(), "2025-10-20T00:00+08:00", 12).empty());
}

TEST_CASE("a deadline with no known opening counts only when it closes within the period") {
  CHECK(upcoming_ids(fixture_calendar(), "2024-11-01T00:00+08:00", 27) ==
        std::vector<std::string>{"test-programme/apply/2024"});
  CHECK(upcoming_ids(fixture_calendar(), "2024-11-01T00:00+08:00", 28) ==
        std::vector<std::string>{"test-programme/recommend/2024", "test-programme/apply/2024"});
}
