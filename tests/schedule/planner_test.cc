// The planner as a table: for each kind of close, when each lead of the default menu fires.
// Send time 09:00 Asia/Shanghai = 01:00Z.

#include "schedule/planner.h"

#include <doctest/doctest.h>

#include <map>

#include "calendar/loader.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

Calendar planner_calendar() {
  LoadOutcome outcome = load_calendar_files({std::filesystem::path(DEADLINED_TEST_DIR) / "schedule/fixtures/planner.toml"});
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  return std::move(*outcome.calendar);
}

// window id → "lead=due" for each trigger, in plan order.
std::map<std::string, std::vector<std::string>> plan_by_window(const Calendar& calendar) {
  std::map<std::string, std::vector<std::string>> result;
  for (const Trigger& t : plan_triggers(calendar, {})) result[t.window_id].push_back(t.lead + "=" + format_utc(t.due));
  return result;
}

}  // namespace

TEST_CASE("planner table: each kind of close and each lead") {
  const auto plan = plan_by_window(planner_calendar());
  struct Row { const char* window; std::vector<std::string> triggers; };
  const Row rows[] = {
      // "10月18日24:00": closing day is 18 October; 2h before the timed close is 22:00 local.
      {"p/midnight/2024", {"30d=2024-09-18T01:00:00Z", "14d=2024-10-04T01:00:00Z", "7d=2024-10-11T01:00:00Z",
                           "3d=2024-10-15T01:00:00Z", "1d=2024-10-17T01:00:00Z", "closing-day=2024-10-18T01:00:00Z",
                           "2h=2024-10-18T14:00:00Z"}},
      // 17:30 close: closing-day at 09:00, 2h at 15:30 local.
      {"p/afternoon/2024", {"30d=2024-11-30T01:00:00Z", "14d=2024-12-16T01:00:00Z", "7d=2024-12-23T01:00:00Z",
                            "3d=2024-12-27T01:00:00Z", "1d=2024-12-29T01:00:00Z", "closing-day=2024-12-30T01:00:00Z",
                            "2h=2024-12-30T07:30:00Z"}},
      // "X日前" closes at the start of the 29th: the closing day is the 28th; no "2h" (not timed).
      {"p/day/2024", {"30d=2024-10-29T01:00:00Z", "14d=2024-11-14T01:00:00Z", "7d=2024-11-21T01:00:00Z",
                      "3d=2024-11-25T01:00:00Z", "1d=2024-11-27T01:00:00Z", "closing-day=2024-11-28T01:00:00Z"}},
      // Closes at 08:00: 09:00 on the day is too late, so the closing-day reminder moves to 06:00,
      // where the 2h reminder also falls.
      {"p/early/2024", {"30d=2024-11-20T01:00:00Z", "14d=2024-12-06T01:00:00Z", "7d=2024-12-13T01:00:00Z",
                        "3d=2024-12-17T01:00:00Z", "1d=2024-12-19T01:00:00Z", "2h=2024-12-19T22:00:00Z",
                        "closing-day=2024-12-19T22:00:00Z"}},
      // A month estimate: opens 1 November (reminded at 09:00), closes at the end of the 30th.
      {"p/apply/2024", {"30d=2024-10-31T01:00:00Z", "open=2024-11-01T01:00:00Z", "14d=2024-11-16T01:00:00Z",
                        "7d=2024-11-23T01:00:00Z", "3d=2024-11-27T01:00:00Z", "1d=2024-11-29T01:00:00Z",
                        "closing-day=2024-11-30T01:00:00Z"}},
      // Its projection a year on follows the same rules.
      {"p/apply/2025", {"30d=2025-10-31T01:00:00Z", "open=2025-11-01T01:00:00Z", "14d=2025-11-16T01:00:00Z",
                        "7d=2025-11-23T01:00:00Z", "3d=2025-11-27T01:00:00Z", "1d=2025-11-29T01:00:00Z",
                        "closing-day=2025-11-30T01:00:00Z"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.window);
    REQUIRE(plan.count(row.window) == 1);
    CHECK(plan.at(row.window) == row.triggers);
  }
}

TEST_CASE("no trigger ever falls at or after its window's close") {
  const Calendar calendar = planner_calendar();
  const auto triggers = plan_triggers(calendar, {});
  REQUIRE(!triggers.empty());
  for (const Trigger& t : triggers) {
    CAPTURE(t.key());
    CHECK(t.due < t.closes);
  }
  // A send time after a 17:30 close drops what would land after it on the closing day.
  PlannerOptions late;
  late.send_time = std::chrono::hours{20};
  for (const Trigger& t : plan_triggers(calendar, late)) CHECK(t.due < t.closes);
}

TEST_CASE("long leads fire a year or three days ahead of a timed close") {
  const Calendar calendar = planner_calendar();
  const Window& midnight = *calendar.windows_of("p").front();  // closes 2024-10-18T24:00
  CHECK(format_utc(*trigger_instant(midnight, parse_lead("366d").value(), std::chrono::hours{9})) ==
        "2023-10-18T01:00:00Z");
  CHECK(format_utc(*trigger_instant(midnight, parse_lead("72h").value(), std::chrono::hours{9})) ==
        "2024-10-15T16:00:00Z");
  CHECK_FALSE(trigger_instant(midnight, parse_lead("open").value(), std::chrono::hours{9}).has_value());
}

TEST_CASE("a moved deadline gets fresh trigger keys") {
  const Calendar calendar = planner_calendar();
  Window w = *calendar.windows_of("p").front();
  Trigger before{w.id(), "1d", w.closes.at - date::days{1}, w.closes.at, {}};
  Trigger moved = before;
  moved.closes += date::days{7};
  CHECK(before.key() == "p/midnight/2024|1d|2024-10-18T16:00:00Z");
  CHECK(moved.key() != before.key());
}

TEST_CASE("the closing day of a midnight close is the day before") {
  const Calendar calendar = planner_calendar();
  const Window& w = *calendar.windows_of("p").front();
  CHECK(date::format("%F", closing_day(w)) == "2024-10-18");
}
