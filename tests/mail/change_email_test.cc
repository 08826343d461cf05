// Change notices by email (mail/reminder_email.h with render::ChangeView): subjects, the text
// part word for word, the HTML part, digests, and a message with reminders and changes together.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mail/reminder_email.h"
#include "mail_test_support.h"
#include "render/change_test_support.h"
#include "test_support.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

using test::has;

ReminderContent change_content(const std::vector<ToldChange>& changes, std::vector<render::ReminderView> views = {}) {
  ReminderContent c;
  c.views = std::move(views);
  c.changes = render::make_change_views(changes, test::change_told_at());
  c.message_id = "7d1e0c9b5a3f48e2b6c4d2a1f0e9b8c7";
  c.recipient = "finance@enterprise.example.com";
  c.now = test::change_told_at();
  c.manage_url = "https://deadlined.example.org/manage/MANAGE";
  c.unsubscribe_url = "https://deadlined.example.org/unsubscribe/TOKEN";
  return c;
}

RenderedEmail rendered(const ReminderContent& content) {
  Result<RenderedEmail> email = render_reminder(content);
  REQUIRE_MESSAGE(email.ok(), (email.ok() ? "" : email.error()));
  return *email;
}

std::size_t position(const std::string& text, std::string_view part) {
  const std::size_t at = text.find(part);
  REQUIRE_MESSAGE(at != std::string::npos, part);
  return at;
}

}  // namespace

TEST_CASE("change email: a deadline moved earlier, its subject and its text part word for word") {
  const RenderedEmail email = rendered(change_content({test::moved_earlier_change()}));
  CHECK(email.subject == "【变更】省第二批概念验证中心截止时间提前至12月10日17:30");
  CHECK(email.text ==
        "您好！您订阅的申报项目有 1 项时间变化：\n"
        "\n"
        "────────────────────────────\n"
        "1. 【变更】省第二批概念验证中心\n"
        "   变化：截止时间提前至12月10日 17:30\n"
        "   原截止：2024年12月30日 17:30（已确认）\n"
        "     原文：「网上填报截止时间为2024年12月30日17:30」\n"
        "   新截止：2024年12月10日 17:30（已确认）\n"
        "     原文：「网上填报截止时间调整为2024年12月10日17:30」\n"
        "     依据：《关于调整省第二批概念验证中心申报截止时间的通知》（江苏省科学技术厅，2024-11-26） "
        "https://kxjst.jiangsu.gov.cn/notice/2024-11-26\n"
        "   注意：原定于截止前14天的提醒已过，请尽快申报\n"
        "   建议：截止时间提前，请按新的截止时间尽早准备申报。\n"
        "\n"
        "────────────────────────────\n"
        "时间均为北京时间；“原文”为通知或手册的原话；“依据”为变化所依据的通知。\n"
        "\n"
        "管理订阅（选择项目与提醒时间）：https://deadlined.example.org/manage/MANAGE\n"
        "退订：https://deadlined.example.org/unsubscribe/TOKEN\n"
        "\n"
        "本邮件由申报提醒服务自动发送至 finance@enterprise.example.com，请勿直接回复。\n"
        "消息编号：7d1e0c9b5a3f48e2b6c4d2a1f0e9b8c7　生成时间：2024年11月27日 09:00（北京时间）\n");
  // HTML: both closes side by side (the old one struck through), the notice linked, the warning.
  CHECK(has(email.html, "<title>【变更】省第二批概念验证中心截止时间提前至12月10日17:30</title>"));
  CHECK(has(email.html, "【变更】</span>省第二批概念验证中心</h2>"));
  CHECK(has(email.html, "截止时间提前至12月10日 17:30</strong>"));
  CHECK(has(email.html, "text-decoration:line-through;color:#666666;\">2024年12月30日 17:30（已确认）</strong>"));
  CHECK(has(email.html, "<strong>2024年12月10日 17:30（已确认）</strong>"));
  CHECK(position(email.html, "原截止") < position(email.html, "新截止"));
  CHECK(has(email.html, "width:50%;"));
  CHECK(has(email.html, "依据：<a href=\"https://kxjst.jiangsu.gov.cn/notice/2024-11-26\" style=\"color:#1a5fb4;overflow-wrap:anywhere;word-break:break-all;\">"
                        "《关于调整省第二批概念验证中心申报截止时间的通知》（江苏省科学技术厅，2024-11-26）</a>"));
  CHECK(has(email.html, "原定于截止前14天的提醒已过，请尽快申报"));
  CHECK(has(email.html, "截止时间提前，请按新的截止时间尽早准备申报。"));
}

TEST_CASE("change email: a withdrawn window, told from its records") {
  const RenderedEmail email = rendered(change_content({test::cancelled_change()}));
  CHECK(email.subject == "【已撤回】应急通信装备创新“揭榜挂帅”已撤回（原截止12月20日）");
  CHECK(has(email.text, "1. 【已撤回】应急通信装备创新“揭榜挂帅”\n"
                        "   变化：已撤回（原截止12月20日）\n"
                        "   原截止：2024年12月20日（已确认）\n"
                        "     原文：「申报截止时间为2024年12月20日」\n"
                        "   现状态：已撤回\n"
                        "     原文：「因故取消本次申报」\n"
                        "     依据：《关于取消应急通信装备创新“揭榜挂帅”申报的通知》（工业和信息化部，2024-11-25）\n"
                        "   建议：该窗口已撤回，无需申报，以发布单位通知为准。\n"));
  CHECK_FALSE(has(email.text, "注意："));
  // A notice without a URL is named, not linked.
  CHECK(has(email.html, "依据：《关于取消应急通信装备创新“揭榜挂帅”申报的通知》（工业和信息化部，2024-11-25）</span>"));
}

TEST_CASE("change email: an added window has one side") {
  const RenderedEmail email = rendered(change_content({test::added_change()}));
  CHECK(email.subject == "【新增】中小企业“揭榜”新增申报窗口，截止12月15日前");
  CHECK(has(email.text, "   变化：新增申报窗口，截止12月15日前\n"
                        "   截止：2024年12月15日前（已确认）\n"));
  CHECK_FALSE(has(email.text, "原截止"));
  CHECK_FALSE(has(email.html, "width:50%;"));
}

TEST_CASE("change email: a digest of three says how many, soonest close first") {
  const RenderedEmail email =
      rendered(change_content({test::cancelled_change(), test::added_change(), test::moved_earlier_change()}));
  CHECK(email.subject == "【变更】3项申报时间有变化");
  CHECK(email.text.starts_with("您好！您订阅的申报项目有以下 3 项时间变化：\n\n"));
  const std::size_t moved = position(email.text, "1. 【变更】省第二批概念验证中心");
  const std::size_t added = position(email.text, "2. 【新增】中小企业“揭榜”");
  const std::size_t cancelled = position(email.text, "3. 【已撤回】应急通信装备创新“揭榜挂帅”");
  CHECK(moved < added);
  CHECK(added < cancelled);
  CHECK(position(email.html, "【变更】</span>省第二批") < position(email.html, "【已撤回】</span>应急通信"));
  CHECK_FALSE(has(email.text, "即将截止"));
}

TEST_CASE("change email: with reminders, the change's subject and the changes first") {
  const Window* window = test::handbook().find_window("jiangsu-proof-of-concept-centres-batch2/review/2024");
  REQUIRE(window);
  const render::ReminderView reminder = render::make_reminder_view(
      *test::handbook().find_programme(window->programme_id), *window, "7d", test::at("2024-12-24T09:00+08:00"));
  ReminderContent content = change_content({test::moved_earlier_change()}, {reminder});
  const RenderedEmail email = rendered(content);
  CHECK(email.subject == "【变更】省第二批概念验证中心截止时间提前至12月10日17:30");
  CHECK(email.text.starts_with("您好！您订阅的申报项目有 1 项时间变化（列在前面），另有 1 项申报即将截止。\n\n"
                               "一、申报时间变化\n"
                               "────────────────────────────\n"
                               "1. 【变更】省第二批概念验证中心\n"));
  const std::size_t changes = position(email.text, "一、申报时间变化");
  const std::size_t reminders = position(email.text, "二、即将截止（按截止时间先后排列）\n"
                                                     "────────────────────────────\n"
                                                     "1. 省第二批概念验证中心\n"
                                                     "   截止时间：2024年12月31日 17:30（已确认）  还剩 7 天\n");
  CHECK(changes < reminders);
  CHECK(position(email.html, "一、申报时间变化") < position(email.html, "二、即将截止"));
  const std::string body = email.html.substr(position(email.html, "<body"));
  CHECK(position(body, "【变更】</span>") < position(body, "还剩 7 天"));
}

TEST_CASE("change email: the whole message carries the changes in both parts") {
  MessageHeaders h;
  h.from_name = "申报提醒";
  h.from_address = "remind@deadlined.example.org";
  h.to_address = "finance@enterprise.example.com";
  h.message_id = "7d1e0c9b5a3f48e2b6c4d2a1f0e9b8c7";
  h.domain = "deadlined.example.org";
  h.date = test::change_told_at();
  h.unsubscribe_url = "https://deadlined.example.org/unsubscribe/TOKEN";
  const Result<std::string> message = build_reminder_email(h, change_content({test::moved_earlier_change()}));
  REQUIRE(message.ok());
  const std::vector<test::mail::Leaf> parts = test::mail::leaves(*message);
  REQUIRE(parts.size() == 2);
  CHECK(has(parts[0].decoded, "截止时间提前至12月10日 17:30"));
  CHECK(has(parts[1].decoded, "截止时间提前至12月10日 17:30"));
}

TEST_CASE("change email: neither a reminder nor a change is refused") {
  ReminderContent empty = change_content({});
  CHECK_FALSE(render_reminder(empty).ok());
}
