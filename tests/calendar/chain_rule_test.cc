// The chain rule: an estimated earlier step is never shown closing after the confirmed close of a
// later step of the same programme and cycle (calendar/chain_rule.h).

#include "calendar/chain_rule.h"

#include <doctest/doctest.h>

#include "calendar/json_export.h"
#include "calendar/loader.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using deadline::test::fixture;

namespace {

LoadOutcome load_chain() {
  LoadOutcome outcome = load_calendar_files({fixture("chain.toml")});
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  return outcome;
}

const Window& window(const Calendar& calendar, const std::string& id) {
  const Window* w = calendar.find_window(id);
  REQUIRE_MESSAGE(w, id);
  return *w;
}

}  // namespace

TEST_CASE("an estimate closing after a recommender's confirmed close is capped at it, with the reason") {
  const LoadOutcome outcome = load_chain();
  const Window& apply = window(*outcome.calendar, "capped-by-recommender/apply/2024");
  CHECK(format_utc(apply.closes.at) == "2024-11-21T16:00:00Z");  // 2024-11-22 00:00 in Shanghai
  CHECK(apply.closes.spec.text() == "before 2024-11-22");
  CHECK(apply.estimated());
  REQUIRE(apply.cap);
  CHECK(apply.cap->printed_closes.spec.text() == "2024-11");
  CHECK(format_utc(apply.cap->printed_closes.at) == "2024-11-30T16:00:00Z");
  CHECK(apply.cap->by_window == "capped-by-recommender/recommend/2024");
  CHECK(apply.cap->reason == "推荐单位须于2024年11月22日前完成推荐，请尽早向推荐单位提交");
  CHECK(format_utc(apply.opens->at) == "2024-09-30T16:00:00Z");  // the opening is as printed
}

TEST_CASE("a later step by a 主管部门 caps too, and a timed close reads to the minute") {
  const LoadOutcome outcome = load_chain();
  const Window& apply = window(*outcome.calendar, "capped-by-authority/apply/2024");
  CHECK(format_utc(apply.closes.at) == "2024-11-28T09:30:00Z");
  REQUIRE(apply.cap);
  CHECK(apply.cap->reason == "省主管部门须于2024年11月28日 17:30前完成报送，请尽早向省主管部门提交");
}

TEST_CASE("no cap where the later step closes later, or where the confirmed step is the earlier one") {
  const LoadOutcome outcome = load_chain();
  CHECK_FALSE(window(*outcome.calendar, "later-step-closes-later/apply/2024").cap);
  CHECK_FALSE(window(*outcome.calendar, "earlier-step-confirmed/recommend/2024").cap);
  CHECK(format_utc(window(*outcome.calendar, "earlier-step-confirmed/recommend/2024").closes.at) ==
        "2024-11-30T16:00:00Z");
}

TEST_CASE("a projection is capped only by a confirmed step of its own cycle") {
  const LoadOutcome outcome = load_chain();
  for (int cycle = 2025; cycle <= 2027; ++cycle) {
    const Window& projected =
        window(*outcome.calendar, "capped-by-recommender/apply/" + std::to_string(cycle));
    CHECK(projected.projected_from == 2024);
    CHECK_FALSE(projected.cap);
    CHECK(projected.closes.spec.text() == std::to_string(cycle) + "-11");
  }
}

TEST_CASE("each cap is a note naming both places, the calendar stays valid") {
  const LoadOutcome outcome = load_chain();
  const std::string file = fixture("chain.toml").string();
  CHECK(outcome.notes == std::vector<std::string>{
      file + ":22: note: programme 'capped-by-recommender' estimated window 'apply' (2024) closes "
      "2024-11, after the confirmed 'recommend' at " + file + ":31 (closes before 2024-11-22): shown "
      "closing then (the chain rule)",
      file + ":52: note: programme 'capped-by-authority' estimated window 'apply' (2024) closes "
      "2024-11, after the confirmed 'authority-submit' at " + file + ":61 (closes 2024-11-28T17:30): "
      "shown closing then (the chain rule)",
  });
}

TEST_CASE("a cap at or before the window's opening is an error: the data contradicts itself") {
  const std::string file = fixture("chain_before_opens.toml").string();
  const LoadOutcome outcome = load_calendar_files({file});
  CHECK_FALSE(outcome.calendar);
  CHECK(outcome.errors == std::vector<std::string>{
      file + ":21: programme 'contradiction' estimated window 'apply' (2024) closes 2024-12, after the "
      "confirmed 'recommend' at " + file + ":30 (closes before 2024-11-01), which closes before this "
      "window opens (2024-11)"});
}

TEST_CASE("the JSON export carries the cap: what was printed, by which window, and why") {
  const LoadOutcome outcome = load_chain();
  const nlohmann::json capped = window_json(window(*outcome.calendar, "capped-by-recommender/apply/2024"));
  CHECK(capped["closes"]["written"] == "before 2024-11-22");
  CHECK(capped["cap"]["rule"] == "chain");
  CHECK(capped["cap"]["printed_closes"]["written"] == "2024-11");
  CHECK(capped["cap"]["printed_closes"]["local"] == "2024-12-01T00:00:00+08:00");
  CHECK(capped["cap"]["by_window"] == "capped-by-recommender/recommend/2024");
  CHECK(capped["cap"]["reason"] == "推荐单位须于2024年11月22日前完成推荐，请尽早向推荐单位提交");
  CHECK(window_json(window(*outcome.calendar, "later-step-closes-later/apply/2024"))["cap"].is_null());
}
