// A window a notice withdrew (status = "cancelled", docs/calendar-format.md "Notices"): it loads
// with its notice, plans no reminders, and every place that shows it says 已撤回.

#include <doctest/doctest.h>

#include "ical/feed_writer.h"
#include "calendar/upcoming.h"
#include "ical/window_event.h"
#include "render/reminder_view.h"
#include "schedule/planner.h"
#include "test_support.h"
#include "time/zone.h"

using namespace deadline;

TEST_CASE("a cancelled window keeps its notice, gets no reminders and reads 已撤回") {
  LoadOutcome outcome = load_calendar_files({test::fixture("diff/after.toml")});
  REQUIRE(outcome.calendar);
  const Calendar& calendar = *outcome.calendar;
  const Window* w = calendar.find_window("p-cancel/apply/2024");
  REQUIRE(w);
  CHECK(w->cancelled());
  CHECK_FALSE(w->estimated());
  CHECK(w->notice == NoticeSource{"关于取消撤回项目申报的通知", "江苏省工业和信息化厅", "2024-11-20",
                                  "https://gxt.jiangsu.gov.cn/notice/4"});
  CHECK(w->closes.spec.text() == "2024-12-10T17:00");  // the close stays as it was
  for (const Trigger& t : plan_triggers(calendar, {})) CHECK(t.window_id != w->id());
  CHECK_FALSE(plan_triggers(calendar, {}).empty());  // the others still have theirs
  const Programme& p = *calendar.find_programme(w->programme_id);
  CHECK(render::make_reminder_view(p, *w, "7d", test::at("2024-11-21T09:00+08:00")).status_label == "已撤回");
  const ical::IcalEvent event = ical::window_event(p, *w, "deadlines.example.cn", shanghai_zone());
  CHECK(event.summary == "【已撤回】截止：撤回项目（企业）");
  CHECK(test::has(ical::write_event(event, shanghai_zone()), "STATUS:CANCELLED\r\n"));
  // A test reminder never reminds of it: the soonest open window is the next one.
  const Window* soonest = soonest_open_window(calendar, test::at("2024-12-05T09:00+08:00"));
  REQUIRE(soonest);
  CHECK(soonest->id() == "p-confirm-late/apply/2024");
}
