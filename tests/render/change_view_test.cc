// A change notice as people read it (render/change_view.h): the headline words, what happened,
// both closes as reminders word them, the notices, the reminder point that passed, and what to do,
// from the records alone.

#include "render/change_view.h"
#include "render/reminder_view.h"

#include <doctest/doctest.h>

#include "render/change_test_support.h"
#include "test_support.h"

using namespace deadline;

namespace {

using test::change_told_at;

render::ChangeView view_of(const ToldChange& change) { return render::make_change_view(change, change_told_at()); }

}  // namespace

TEST_CASE("change view: a deadline moved earlier, side by side, with the passed reminder point") {
  const render::ChangeView v = view_of(test::moved_earlier_change());
  CHECK(v.headline == ChangeHeadline::moved);
  CHECK(v.tag == "【变更】");
  CHECK(v.title == "省第二批概念验证中心");
  CHECK(v.programme_id == "jiangsu-proof-of-concept-centres-batch2");
  CHECK(v.what == "截止时间提前至12月10日 17:30");
  CHECK(v.summary == "省第二批概念验证中心：截止时间提前至12月10日 17:30");
  CHECK(v.subject_what == "截止时间提前至12月10日17:30");
  CHECK(v.moved_earlier);
  CHECK_FALSE(v.withdrawn);
  REQUIRE(v.previous);
  REQUIRE(v.current);
  CHECK(v.previous->label == "原截止");
  CHECK(v.previous->when_text == "2024年12月30日 17:30（已确认）");
  CHECK(v.previous->phrase == "网上填报截止时间为2024年12月30日17:30");
  CHECK(v.previous->source_text.empty());  // the handbook names no notice for it
  CHECK(v.current->label == "新截止");
  CHECK(v.current->closes_text == "2024年12月10日 17:30");
  CHECK(v.current->when_text == "2024年12月10日 17:30（已确认）");
  CHECK(v.current->phrase == "网上填报截止时间调整为2024年12月10日17:30");
  CHECK(v.current->source_text == "《关于调整省第二批概念验证中心申报截止时间的通知》（江苏省科学技术厅，2024-11-26）");
  CHECK(v.current->source_url == "https://kxjst.jiangsu.gov.cn/notice/2024-11-26");
  CHECK(v.overdue_text == "原定于截止前14天的提醒已过，请尽快申报");
  CHECK(v.advice == "截止时间提前，请按新的截止时间尽早准备申报。");
  CHECK(v.closes == test::at("2024-12-10T17:30+08:00"));
}

TEST_CASE("change view: the closes read as a reminder reads them") {
  // The same words as ReminderView::closes_text for the window the handbook has now.
  const ToldChange added = test::added_change();
  const Window* window = test::handbook().find_window(test::kAddedWindow);
  REQUIRE(window);
  const render::ReminderView reminder = render::make_reminder_view(
      *test::handbook().find_programme(window->programme_id), *window, "7d", change_told_at());
  const render::ChangeView v = view_of(added);
  REQUIRE(v.current);
  CHECK(v.current->closes_text == reminder.closes_text);
  CHECK(v.current->closes_text == "2024年12月15日前");
}

TEST_CASE("change view: a withdrawn window says 已撤回 and that nothing is to be filed") {
  const render::ChangeView v = view_of(test::cancelled_change());
  CHECK(v.headline == ChangeHeadline::cancelled);
  CHECK(v.tag == "【已撤回】");
  CHECK(v.what == "已撤回（原截止12月20日）");
  CHECK(v.withdrawn);
  REQUIRE(v.previous);
  REQUIRE(v.current);
  CHECK(v.previous->when_text == "2024年12月20日（已确认）");
  CHECK(v.current->label == "现状态");
  CHECK(v.current->when_text == "已撤回");
  CHECK(v.current->source_text == "《关于取消应急通信装备创新“揭榜挂帅”申报的通知》（工业和信息化部，2024-11-25）");
  CHECK(v.current->source_url.empty());
  CHECK(v.advice == "该窗口已撤回，无需申报，以发布单位通知为准。");
  CHECK(v.overdue_text.empty());
}

TEST_CASE("change view: a removed window reads as withdrawn, from the previous record only") {
  const render::ChangeView v = view_of(test::fixture_pair_change("p-remove/apply/2024"));
  CHECK(v.tag == "【已撤回】");
  CHECK(v.title == "删除项目");
  CHECK(v.what == "已撤回（原截止12月1日）");
  CHECK_FALSE(v.current);
  REQUIRE(v.previous);
  CHECK(v.previous->label == "原截止");
  CHECK(v.withdrawn);
}

TEST_CASE("change view: an added window, a confirmed estimate, a later move and a reopened window") {
  const render::ChangeView added = view_of(test::added_change());
  CHECK(added.tag == "【新增】");
  CHECK(added.what == "新增申报窗口，截止12月15日前");
  CHECK_FALSE(added.previous);
  REQUIRE(added.current);
  CHECK(added.current->label == "截止");
  CHECK(added.advice == "请按截止时间准备申报。");

  const render::ChangeView confirmed = view_of(test::fixture_pair_change("p-confirm/apply/2024"));
  CHECK(confirmed.tag == "【已公布】");
  CHECK(confirmed.what == "已公布截止时间：11月15日 17:00");
  REQUIRE(confirmed.previous);
  CHECK(confirmed.previous->when_text == "预计2024年11月");
  CHECK(confirmed.advice == "请按已公布的截止时间准备申报。");

  // Confirmed outside the estimate's month: the move leads, the confirmation is said too.
  const render::ChangeView late = view_of(test::fixture_pair_change("p-confirm-late/apply/2024"));
  CHECK(late.tag == "【变更】");
  CHECK(late.what == "截止时间延后至12月20日 17:00（已公布正式截止时间）");

  const render::ChangeView later = view_of(test::fixture_pair_change("p-move/apply/2024"));
  CHECK(later.what == "截止时间延后至11月27日 17:00");
  CHECK_FALSE(later.moved_earlier);
  CHECK(later.advice == "请按新的截止时间准备申报。");

  ToldChange reopened = test::fixture_pair_change("p-move/apply/2024");
  reopened.reopened = true;
  const render::ChangeView r = render::make_change_view(reopened, test::at("2024-11-21T09:00+08:00"));
  CHECK(r.tag == "【延期】");
  CHECK(r.what == "截止时间延后至11月27日 17:00，重新开放申报");
}

TEST_CASE("change view: an estimate no longer made is never called withdrawn") {
  const render::ChangeView v = view_of(test::fixture_pair_change("p-recurs/apply/2025"));
  CHECK(v.headline == ChangeHeadline::estimate_dropped);
  CHECK(v.tag == "【不再预估】");
  CHECK(v.what == "不再预估（原预估2025年10月截止）");  // another year than now's: the year stays
  CHECK(v.what.find("撤回") == std::string::npos);
  CHECK(v.advice.find("撤回") == std::string::npos);
  CHECK(v.withdrawn);
}

TEST_CASE("change view: an unknown lead still says a reminder point passed, a digest reads soonest first") {
  ToldChange c = test::moved_earlier_change();
  c.overdue_lead = "sometime";
  CHECK(view_of(c).overdue_text == "原定于（sometime）的提醒已过，请尽快申报");
  c.overdue_lead = "closing-day";
  CHECK(view_of(c).overdue_text == "原定于截止当天的提醒已过，请尽快申报");

  const std::vector<render::ChangeView> views = render::make_change_views(
      {test::moved_earlier_change(), test::cancelled_change(), test::added_change()}, change_told_at());
  REQUIRE(views.size() == 3);
  CHECK(views[0].window_id == test::kMovedWindow);      // 12-10
  CHECK(views[1].window_id == test::kAddedWindow);      // 12-15
  CHECK(views[2].window_id == test::kCancelledWindow);  // 12-20
}
