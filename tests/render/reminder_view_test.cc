#include "render/reminder_view.h"

#include <doctest/doctest.h>

#include "calendar/loader.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

using test::handbook;

render::ReminderView view_of(const char* window_id, const char* when) {
  const Window* window = handbook().find_window(window_id);
  REQUIRE(window);
  return render::make_reminder_view(*handbook().find_programme(window->programme_id), *window, "7d",
                                    *parse_iso8601(when));
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
  CHECK(view.days_left_text == "预计今天截止");  // as the site says it (wording/time_left_wording.h)
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

TEST_CASE("reminder view: the printed addresses, a misprint marked 原文如此 and unlinked") {
  const render::ReminderView view = view_of("jiangsu-specialised-sme-2024-batch2/apply/2024", "2024-10-11T09:00+08:00");
  REQUIRE(view.addresses.size() == 1);
  CHECK(view.addresses[0].label == "网上申报系统");
  CHECK(view.addresses[0].text() ==
        "江苏政务服务网 - 江苏省工业和信息化厅旗舰店 https://www.jszfw.gov.cn/col/col140127/index.html（原文如此）");
  CHECK(view.addresses[0].href.empty());
  const render::ReminderView survey = view_of("jiangsu-frontier-tech-guideline-survey-2025/apply/2024", "2024-11-20T09:00+08:00");
  REQUIRE(survey.addresses.size() == 2);
  CHECK(survey.addresses[0].href == "https://kjyh.kxjst.jiangsu.gov.cn/");
  CHECK(survey.addresses[1].label == "电子邮箱");
  CHECK(survey.addresses[1].text() == "jskjtgxc@163.com");
  CHECK(survey.addresses[1].href == "mailto:jskjtgxc@163.com");
}

TEST_CASE("reminder view: a recorded correction is linked beside the printed form") {
  Address a;
  a.kind = AddressKind::submission_system;
  a.printed = "https://www.jszfwf.gov.cn/";
  a.misprint = true;
  a.corrected = "https://www.jszwfw.gov.cn/";
  a.correction_source = "测试<依据>";
  const render::AddressView v = render::addresses_for_people({a}).front();
  CHECK(v.text() == "https://www.jszfwf.gov.cn/（原文如此；更正为 https://www.jszwfw.gov.cn/（依据：测试<依据>））");
  CHECK(render::address_html(v) == "https://www.jszfwf.gov.cn/（原文如此；更正为 <a href=\"https://www.jszwfw.gov.cn/\">"
                                   "https://www.jszwfw.gov.cn/</a>（依据：测试&lt;依据&gt;））");
  Address postal;
  postal.kind = AddressKind::postal_address;
  postal.printed = "南京市龙蟠路175号江苏省生产力促进中心一楼105室";
  const render::AddressView p = render::addresses_for_people({postal}).front();
  CHECK(p.label == "邮寄地址");
  CHECK(p.href.empty());
  CHECK(render::address_html(p) == "南京市龙蟠路175号江苏省生产力促进中心一楼105室");
}
