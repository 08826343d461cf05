#include "render/reminder_view.h"

#include <doctest/doctest.h>

#include "calendar/loader.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

using test::handbook;

render::ReminderView view_of(const char* window_id, const char* now) {
  const Window* window = handbook().find_window(window_id);
  REQUIRE(window);
  return render::make_reminder_view(*handbook().find_programme(window->programme_id), *window, "7d",
                                    *parse_iso8601(now));
}

}  // namespace

TEST_CASE("reminder view: a timed close at 24:00 reads as the handbook writes it") {
  const render::ReminderView view = view_of("jiangsu-specialised-sme-2024-batch2/apply/2024", "2024-10-11T09:00+08:00");
  CHECK(view.closes_text == "2024年10月18日 24:00");
  CHECK_FALSE(view.estimated);
  CHECK(view.status_label == "已确认");
  CHECK(view.phrase == "10月18日24:00时系统关闭企业填报提交功能");
  CHECK(view.days_left == 7);
  CHECK(view.days_left_text == "还剩 7 天");
  CHECK(view.title.find("专精特新") != std::string::npos);
}

TEST_CASE("reminder view: a month estimate says 预计 and the month") {
  const render::ReminderView view = view_of("first-set-equipment-insurance/apply/2024", "2024-11-30T09:00+08:00");
  CHECK(view.estimated);
  CHECK(view.closes_text == "预计2024年11月");
  CHECK(view.opens_text == "预计2024年11月");
  CHECK(view.days_left_text == "今天截止");
}

TEST_CASE("reminder view: before a day shows the day and 前") {
  const render::ReminderView view = view_of("high-end-medical-equipment-promotion/recommend/2024", "2024-10-20T09:00+08:00");
  CHECK(view.closes_text == "2024年10月30日前");
  CHECK(view.actor.size() > 0);
}

TEST_CASE("reminder view: a digest reads soonest close first") {
  std::vector<render::ReminderView> views = {
      view_of("first-set-equipment-insurance/apply/2024", "2024-10-01T09:00+08:00"),
      view_of("jiangsu-specialised-sme-2024-batch2/apply/2024", "2024-10-01T09:00+08:00")};
  render::sort_for_reading(views);
  CHECK(views.front().programme_id == "jiangsu-specialised-sme-2024-batch2");
}
