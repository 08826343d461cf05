// Yearly programmes are projected ahead from their 申报时间 months, as estimates only; a
// confirmed window replaces the estimate of its programme, key and cycle.

#include "calendar/projection.h"

#include <doctest/doctest.h>

#include "calendar/loader.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using deadline::test::fixture;

namespace {

Calendar load(const std::vector<std::filesystem::path>& files, int horizon = 3) {
  LoadOutcome outcome = load_calendar_files(files, {horizon});
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  return std::move(*outcome.calendar);
}

// "id status opens..closes" in UTC, for compact comparisons.
std::vector<std::string> describe(const Calendar& calendar, const std::string& programme) {
  std::vector<std::string> lines;
  for (const Window* w : calendar.windows_of(programme)) {
    lines.push_back(w->id() + " " + std::string(to_string(w->status)) + " " +
                    (w->opens ? format_utc(w->opens->at) : "-") + ".." + format_utc(w->closes.at));
  }
  return lines;
}

}  // namespace

TEST_CASE("a recurring programme's month estimate is projected into 2025-2027 - its dated deadline is not") {
  const Calendar calendar = load({fixture("valid.toml")});
  CHECK(describe(calendar, "test-programme") == std::vector<std::string>{
      "test-programme/recommend/2024 confirmed -..2024-11-28T16:00:00Z",
      // Printed as 11月 (to 2024-11-30T16:00Z); the chain rule caps it at the recommenders'
      // confirmed close. The projections are not capped: no 2025-2027 date is confirmed.
      "test-programme/apply/2024 estimated 2024-10-31T16:00:00Z..2024-11-28T16:00:00Z",
      "test-programme/apply/2025 estimated 2025-10-31T16:00:00Z..2025-11-30T16:00:00Z",
      "test-programme/apply/2026 estimated 2026-10-31T16:00:00Z..2026-11-30T16:00:00Z",
      "test-programme/apply/2027 estimated 2027-10-31T16:00:00Z..2027-11-30T16:00:00Z",
  });
  for (const Window* w : calendar.windows_of("test-programme")) {
    if (w->cycle > 2024) CHECK(w->projected_from == 2024);
  }
}

TEST_CASE("the horizon is configurable - and zero projects nothing") {
  CHECK(describe(load({fixture("valid.toml")}, 1), "test-programme").size() == 3);
  CHECK(describe(load({fixture("valid.toml")}, 0), "test-programme").size() == 2);
}

TEST_CASE("a programme not marked recurring is never projected") {
  CHECK(describe(load({fixture("not_recurring.toml")}), "one-off") == std::vector<std::string>{
      "one-off/apply/2024 estimated 2024-11-30T16:00:00Z..2024-12-31T16:00:00Z"});
}

TEST_CASE("is_projectable: month estimates only") {
  Window w;
  w.status = WindowStatus::estimated;
  w.closes.spec = *parse_bound("2024-11", BoundSide::closes);
  CHECK(is_projectable(w));
  w.opens = Bound{*parse_bound("2024-10-01", BoundSide::opens), {}};
  CHECK_FALSE(is_projectable(w));  // a day bound is a dated notice, not a 申报时间 month
  w.opens.reset();
  w.status = WindowStatus::confirmed;
  CHECK_FALSE(is_projectable(w));
  w.status = WindowStatus::estimated;
  w.closes.spec = *parse_bound("2024-10-18T24:00", BoundSide::closes);
  CHECK_FALSE(is_projectable(w));  // exact instants of a past year are never projected
}
