#include "wording/time_left_wording.h"

#include <doctest/doctest.h>

#include "calendar/loader.h"
#include "render/reminder_view.h"
#include "test_support.h"

using namespace deadline;

TEST_CASE("time_left_text: one wording for the days left, 约 for an estimate") {
  CHECK(wording::time_left_text(7, false) == "还剩 7 天");
  CHECK(wording::time_left_text(26, true) == "还剩约 26 天");
  CHECK(wording::time_left_text(0, false) == "今天截止");
  CHECK(wording::time_left_text(0, true) == "预计今天截止");
  CHECK(wording::time_left_text(-1, false) == "已截止");
  CHECK(wording::time_left_text(-3, true) == "已截止");
}

TEST_CASE("a reminder of an estimated window says 还剩约 N 天 in every channel, as the site does") {
  const Window* window = test::handbook().find_window("postdoctoral-research-workstation/apply/2024");  // 预计2024年10月
  REQUIRE(window);
  const render::ReminderView view = render::make_reminder_view(*test::handbook().find_programme(window->programme_id),
                                                               *window, "7d", test::at("2024-10-11T09:00+08:00"));
  REQUIRE(view.estimated);
  CHECK(view.days_left_text == "还剩约 " + std::to_string(view.days_left) + " 天");
}
