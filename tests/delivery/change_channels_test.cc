// Change notices in every channel (issue "Change notices"): the email (text, HTML and the
// text/calendar part, judged by libical), the webhook event (deadline.change, and changes beside
// reminders) and the three robots' markdown, each built from the notices' records even when no
// reminder of the message is left in the calendar.

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "delivery/dingtalk_channel.h"
#include "delivery/email_channel.h"
#include "delivery/feishu_channel.h"
#include "delivery/robot_markdown.h"
#include "delivery/webhook_channel.h"
#include "delivery/webhook_event.h"
#include "delivery/wecom_channel.h"
#include "ical/feed_book.h"
#include "mail/mail_test_support.h"
#include "render/change_test_support.h"
#include "test_support.h"
#include "time/zone.h"

using namespace deadline;
using namespace deadline::delivery;
using nlohmann::json;

namespace {

using test::has;

const RobotChannelOptions kCcRobotOptions{std::chrono::milliseconds{1000}, std::chrono::milliseconds{2000}, 1024, {}};

store::OutboundMessage cc_message(EndpointKind kind, std::string address, std::vector<ToldChange> changes) {
  store::OutboundMessage m;
  m.id = "7d1e0c9b5a3f48e2b6c4d2a1f0e9b8c7";
  m.endpoint_id = 3;
  m.kind = kind;
  m.address = std::move(address);
  m.subscriber_id = 7;
  m.token_generation = 1;
  m.attempts = 1;
  m.changes = std::move(changes);
  return m;
}

// A reminder of the message whose window's close has since moved: no reminder is left of it.
store::DeliveryItem cc_stale_item(const char* window_id) {
  const Window* window = test::handbook().find_window(window_id);
  REQUIRE(window);
  return {window_id, "7d", window->closes.at + std::chrono::hours{24}};
}

std::string cc_unfolded(std::string text) {
  for (std::size_t at = text.find("\r\n "); at != std::string::npos; at = text.find("\r\n ", at)) text.erase(at, 3);
  return text;
}

// The event of `uid` in an iCalendar text (unfolded), from BEGIN:VEVENT to END:VEVENT.
std::string cc_event(const std::string& ics, const std::string& uid) {
  const std::size_t at = ics.find("UID:" + uid + "\r\n");
  REQUIRE_MESSAGE(at != std::string::npos, uid);
  const std::size_t begin = ics.rfind("BEGIN:VEVENT", at);
  const std::size_t end = ics.find("END:VEVENT", at);
  return ics.substr(begin, end - begin);
}

// libical's judgement (tests/ical/libical_check.cc): exit 0 and its report.
std::pair<int, std::string> cc_libical_check(const std::string& ics, int min_events) {
#ifdef DEADLINED_LIBICAL_CHECK
  const TempDir dir("deadlined-change-ics");
  {
    std::ofstream out(dir / "part.ics", std::ios::binary);
    out << ics;
  }
  const std::string command = std::string(DEADLINED_LIBICAL_CHECK) + " --print --min-events " + std::to_string(min_events) +
                              " '" + (dir / "part.ics").string() + "' > '" + (dir / "out").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(dir / "out");
  std::ostringstream report;
  report << in.rdbuf();
  return {status, report.str()};
#else
  (void)ics;
  (void)min_events;
  return {0, "libical_check not built"};
#endif
}

}  // namespace

// --- Email ---

TEST_CASE("email channel: changes build with no reminder left, the calendar part updates and cancels by the feed's UIDs") {
  LoadOutcome outcome = load_calendar_files({test::fixture("diff/after.toml")});
  REQUIRE(outcome.calendar);
  const auto calendar = std::make_shared<const Calendar>(std::move(*outcome.calendar));
  const Instant now = test::at("2024-11-21T09:00+08:00");
  auto book = std::make_shared<ical::FeedBook>(calendar, "deadlines.example.cn", shanghai_zone(),
                                               ical::Organizer{"remind@deadlined.example.org", "申报提醒"},
                                               test::at("2024-11-20T10:00+08:00"));
  // The feed store raised the versions of the events the release changed.
  book->set_versions({{"p-move-2024-apply@deadlines.example.cn", 2, test::at("2024-11-20T10:00+08:00")},
                      {"p-cancel-2024-apply@deadlines.example.cn", 4, test::at("2024-11-20T10:00+08:00")}});
  const Result<subscription::KeyRing> keys = subscription::KeyRing::create({{1, std::string(32, 'k')}});
  REQUIRE(keys.ok());
  EmailChannelOptions options;
  options.from_address = "remind@deadlined.example.org";
  options.from_name = "申报提醒";
  options.public_url = "https://deadlines.example.cn";
  options.feed_book = [book] { return std::shared_ptr<const ical::FeedBook>(book); };
  const EmailChannel channel(options, *keys);

  store::OutboundMessage m = cc_message(EndpointKind::email, "finance@enterprise.example.com", test::fixture_pair_changes());
  REQUIRE(m.changes.size() == 9);  // add, cancel, confirm-late, confirm, move, recurs ×3 (dropped), remove
  m.items.push_back({"p-same/apply/2024", "7d", test::at("2024-12-01T00:00+08:00")});  // its close moved: nothing left
  const Result<HttpRequest> request = channel.build(m, *calendar, now);
  REQUIRE_MESSAGE(request.ok(), (request.ok() ? "" : request.error()));
  const std::vector<test::mail::Leaf> parts = test::mail::leaves(request->body);
  REQUIRE(parts.size() == 3);
  CHECK(has(parts[0].decoded, "您好！您订阅的申报项目有以下 9 项时间变化："));
  CHECK(has(parts[0].decoded, "【已撤回】删除项目"));
  CHECK(has(parts[0].decoded, "【不再预估】年度项目"));
  CHECK(has(parts[1].decoded, "【新增】</span>新增批次"));
  CHECK(parts[2].content_type.starts_with("text/calendar; method=PUBLISH; charset=UTF-8"));
  const std::string ics = cc_unfolded(parts[2].decoded);
  CHECK(has(ics, "METHOD:PUBLISH\r\n"));

  // In force: the book's own events, with the SEQUENCE the store gave them.
  const std::string moved = cc_event(ics, "p-move-2024-apply@deadlines.example.cn");
  CHECK(has(moved, "SEQUENCE:2\r\n"));
  CHECK(has(moved, "STATUS:CONFIRMED\r\n"));
  const std::string cancelled = cc_event(ics, "p-cancel-2024-apply@deadlines.example.cn");
  CHECK(has(cancelled, "SEQUENCE:4\r\n"));
  CHECK(has(cancelled, "STATUS:CANCELLED\r\n"));
  CHECK(has(cc_event(ics, "p-add-2024-apply@deadlines.example.cn"), "STATUS:CONFIRMED\r\n"));
  CHECK(has(ics, "UID:p-confirm-2024-apply@deadlines.example.cn\r\n"));
  CHECK(has(ics, "UID:p-confirm-late-2024-apply@deadlines.example.cn\r\n"));
  // Gone from the calendar: cancelled under the feed's UID, SEQUENCE above any the feed gave.
  const std::string removed = cc_event(ics, "p-remove-2024-apply@deadlines.example.cn");
  CHECK(has(removed, "STATUS:CANCELLED\r\n"));
  CHECK(has(removed, "SUMMARY:【已撤回】截止：删除项目\r\n"));
  CHECK(has(removed, "SEQUENCE:" + std::to_string(std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count()) + "\r\n"));
  CHECK(has(removed, "DTSTART;VALUE=DATE:20241201\r\n"));
  CHECK(has(removed, "ORGANIZER;CN=\"申报提醒\":mailto:remind@deadlined.example.org\r\n"));
  const std::string dropped = cc_event(ics, "p-recurs-2025-apply@deadlines.example.cn");
  CHECK(has(dropped, "STATUS:CANCELLED\r\n"));
  CHECK(has(dropped, "SUMMARY:【不再预估】截止：年度项目\r\n"));
  CHECK_FALSE(has(dropped, "撤回"));
  CHECK(has(ics, "UID:p-recurs-2026-apply@deadlines.example.cn\r\n"));
  CHECK(has(ics, "UID:p-recurs-2027-apply@deadlines.example.cn\r\n"));
  // Every change once, and the stale reminder's window not at all.
  std::size_t events = 0;
  for (std::size_t at = ics.find("BEGIN:VEVENT"); at != std::string::npos; at = ics.find("BEGIN:VEVENT", at + 1)) ++events;
  CHECK(events == 9);  // one per change; p-same is not reminded of
  CHECK_FALSE(has(ics, "p-same-2024-apply"));

  const auto [status, report] = cc_libical_check(parts[2].decoded, 9);
  CHECK_MESSAGE(status == 0, report);

  // A notice whose window the book has at another close (an older or newer revision) is told in
  // the text but left out of the calendar part.
  store::OutboundMessage stale = cc_message(EndpointKind::email, "finance@enterprise.example.com",
                                            {test::fixture_pair_change("p-move/apply/2024")});
  stale.changes[0].current->closes_at += std::chrono::hours{1};
  const Result<HttpRequest> without_part = channel.build(stale, *calendar, now);
  REQUIRE(without_part.ok());
  CHECK(test::mail::leaves(without_part->body).size() == 2);

  // Neither a reminder nor a change: nothing to send.
  store::OutboundMessage empty = cc_message(EndpointKind::email, "finance@enterprise.example.com", {});
  empty.items.push_back({"p-same/apply/2024", "7d", test::at("2024-12-01T00:00+08:00")});
  CHECK_FALSE(channel.build(empty, *calendar, now).ok());
}

// --- Webhooks ---

TEST_CASE("webhook: a message with only a change is a deadline.change with previous and current") {
  const store::OutboundMessage m =
      cc_message(EndpointKind::webhook, "https://hooks.example.org/deadlines", {test::moved_earlier_change()});
  store::OutboundMessage with_stale = m;
  with_stale.items.push_back(cc_stale_item(test::kMovedWindow));
  with_stale.secret = "whsec_X8VynphpjG/TbMTyRZLff2faOQ53s5ss0Mgzj+57gaE=";
  const WebhookChannel channel(WebhookChannelOptions{});
  const Result<HttpRequest> request = channel.build(with_stale, test::handbook(), test::change_told_at());
  REQUIRE_MESSAGE(request.ok(), (request.ok() ? "" : request.error()));
  CHECK(request->headers.size() == 4);
  const json event = json::parse(request->body);
  CHECK(event["type"] == "deadline.change");
  CHECK(event["version"] == 1);
  CHECK(event["reminders"] == json::array());
  REQUIRE(event["changes"].size() == 1);
  const json& change = event["changes"][0];
  CHECK(change == json::parse(R"({
    "window_id": "jiangsu-proof-of-concept-centres-batch2/apply/2024",
    "kinds": ["moved"], "headline": "moved", "reopened": false, "overdue_lead": "14d",
    "text": "【变更】省第二批概念验证中心：截止时间提前至12月10日 17:30",
    "previous": {"id": "jiangsu-proof-of-concept-centres-batch2/apply/2024",
                 "programme_id": "jiangsu-proof-of-concept-centres-batch2", "title": "省第二批概念验证中心",
                 "status": "confirmed", "opens": null, "closes": "2024-12-30T17:30",
                 "closes_at": "2024-12-30T09:30:00Z", "precision": "instant",
                 "phrase": "网上填报截止时间为2024年12月30日17:30", "cap": null, "source": null},
    "current": {"id": "jiangsu-proof-of-concept-centres-batch2/apply/2024",
                "programme_id": "jiangsu-proof-of-concept-centres-batch2", "title": "省第二批概念验证中心",
                "status": "confirmed", "opens": null, "closes": "2024-12-10T17:30",
                "closes_at": "2024-12-10T09:30:00Z", "precision": "instant",
                "phrase": "网上填报截止时间调整为2024年12月10日17:30", "cap": null,
                "source": {"title": "关于调整省第二批概念验证中心申报截止时间的通知", "issuer": "江苏省科学技术厅",
                           "date": "2024-11-26", "url": "https://kxjst.jiangsu.gov.cn/notice/2024-11-26"}}
  })"));
  // The channel's bytes are webhook_event_body's.
  CHECK(request->body == *webhook_event_body(m.id, test::change_told_at(), {}, m.changes));
}

TEST_CASE("webhook: cancelled and added changes, a digest of three, and changes beside reminders") {
  const Instant now = test::change_told_at();
  const Result<json> cancelled = webhook_event_json("m1", now, {}, {test::cancelled_change()});
  REQUIRE(cancelled.ok());
  const json& c = (*cancelled)["changes"][0];
  CHECK(c["headline"] == "cancelled");
  CHECK(c["current"]["status"] == "cancelled");
  CHECK(c["current"]["source"]["url"].is_null());
  CHECK(c["overdue_lead"].is_null());
  CHECK(c["text"] == "【已撤回】应急通信装备创新“揭榜挂帅”：已撤回（原截止12月20日）");

  const Result<json> added = webhook_event_json("m1", now, {}, {test::added_change()});
  REQUIRE(added.ok());
  CHECK((*added)["changes"][0]["previous"].is_null());
  CHECK((*added)["changes"][0]["headline"] == "added");
  CHECK((*added)["changes"][0]["current"]["closes"] == "before 2024-12-15");
  CHECK((*added)["changes"][0]["current"]["precision"] == "day");

  const Result<json> removed = webhook_event_json("m1", now, {}, {test::fixture_pair_change("p-remove/apply/2024")});
  REQUIRE(removed.ok());
  CHECK((*removed)["changes"][0]["current"].is_null());
  CHECK((*removed)["changes"][0]["kinds"] == json::array({"removed"}));
  CHECK((*removed)["changes"][0]["headline"] == "cancelled");

  const Result<json> digest =
      webhook_event_json("m1", now, {}, {test::cancelled_change(), test::added_change(), test::moved_earlier_change()});
  REQUIRE(digest.ok());
  CHECK((*digest)["type"] == "deadline.change");
  REQUIRE((*digest)["changes"].size() == 3);
  CHECK((*digest)["changes"][0]["window_id"] == test::kMovedWindow);
  CHECK((*digest)["changes"][1]["window_id"] == test::kAddedWindow);
  CHECK((*digest)["changes"][2]["window_id"] == test::kCancelledWindow);

  // Reminders and changes: still a deadline.reminder, both lists; the writer's bytes are the body's.
  const Window* review = test::handbook().find_window("jiangsu-proof-of-concept-centres-batch2/review/2024");
  REQUIRE(review);
  const std::vector<WebhookReminder> reminders{{test::handbook().find_programme(review->programme_id), review, "7d"}};
  const std::vector<ToldChange> changes{test::moved_earlier_change()};
  const Result<json> both = webhook_event_json("m1", now, reminders, changes);
  REQUIRE(both.ok());
  CHECK((*both)["type"] == "deadline.reminder");
  CHECK((*both)["reminders"].size() == 1);
  CHECK((*both)["changes"].size() == 1);
  const Result<std::string> body = webhook_event_body("m1", now, reminders, changes);
  REQUIRE(body.ok());
  CHECK(body->starts_with(R"({"changes":[{"current":{)"));
  CHECK(json::parse(*body) == *both);
  WebhookEventWriter writer;
  CHECK(*writer.body("m1", now, reminders, test::handbook().revision(), changes) == *body);
  CHECK(*writer.body("m2", now, {}, test::handbook().revision(), changes) ==
        *webhook_event_body("m2", now, {}, changes));
  // No change: the event is what it always was (no "changes" key).
  CHECK_FALSE(webhook_event_json("m1", now, reminders)->contains("changes"));
}

// --- Robots ---

TEST_CASE("robots: a deadline moved earlier in WeCom's markdown, word for word") {
  store::OutboundMessage m = cc_message(EndpointKind::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                                        {test::moved_earlier_change()});
  m.items.push_back(cc_stale_item(test::kMovedWindow));
  const Result<HttpRequest> request = WeComChannel(kCcRobotOptions).build(m, test::handbook(), test::change_told_at());
  REQUIRE_MESSAGE(request.ok(), (request.ok() ? "" : request.error()));
  const json body = json::parse(request->body);
  CHECK(body["markdown"]["content"] ==
        "## 申报时间变化\n"
        "\n"
        "### 【变更】省第二批概念验证中心\n"
        "**截止时间提前至12月10日 17:30**\n"
        "原截止：2024年12月30日 17:30（已确认）\n"
        "新截止：2024年12月10日 17:30（已确认）\n"
        "> 网上填报截止时间调整为2024年12月10日17:30\n"
        "\n"
        "依据：[《关于调整省第二批概念验证中心申报截止时间的通知》（江苏省科学技术厅，2024-11-26）]"
        "(https://kxjst.jiangsu.gov.cn/notice/2024-11-26)\n"
        "**原定于截止前14天的提醒已过，请尽快申报**\n"
        "截止时间提前，请按新的截止时间尽早准备申报。");
}

TEST_CASE("robots: a withdrawn window in DingTalk, a digest of three in Feishu, changes before reminders") {
  const Instant now = test::change_told_at();
  const auto dingtalk = DingTalkChannel(kCcRobotOptions)
                            .build(cc_message(EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=t",
                                              {test::cancelled_change()}),
                                   test::handbook(), now);
  REQUIRE(dingtalk.ok());
  const json d = json::parse(dingtalk->body);
  CHECK(d["markdown"]["title"] == "申报时间变化");
  const std::string text = d["markdown"]["text"];
  CHECK(has(text, "### 【已撤回】应急通信装备创新“揭榜挂帅”  \n**已撤回（原截止12月20日）**  \n"
                  "原截止：2024年12月20日（已确认）  \n现状态：已撤回  \n> 因故取消本次申报\n\n"
                  "依据：《关于取消应急通信装备创新“揭榜挂帅”申报的通知》（工业和信息化部，2024-11-25）  \n"
                  "该窗口已撤回，无需申报，以发布单位通知为准。"));

  const auto feishu = FeishuChannel(kCcRobotOptions)
                          .build(cc_message(EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/h",
                                            {test::cancelled_change(), test::added_change(), test::moved_earlier_change()}),
                                 test::handbook(), now);
  REQUIRE(feishu.ok());
  const json f = json::parse(feishu->body);
  CHECK(f["card"]["header"]["title"]["content"] == "申报时间变化（3 项）");
  const std::string card = f["card"]["elements"][0]["content"];
  CHECK(card.starts_with("共 3 项申报时间有变化，截止早的在前。\n\n**1. 【变更】省第二批概念验证中心**\n"));
  CHECK(has(card, "原文：「网上填报截止时间调整为2024年12月10日17:30」"));
  CHECK(card.find("**2. 【新增】中小企业“揭榜”**") < card.find("**3. 【已撤回】应急通信装备创新“揭榜挂帅”**"));
  CHECK_FALSE(has(card, "> "));

  store::OutboundMessage both = cc_message(EndpointKind::wecom, "https://q/x?key=k", {test::moved_earlier_change()});
  const Window* review = test::handbook().find_window("jiangsu-proof-of-concept-centres-batch2/review/2024");
  REQUIRE(review);
  both.items.push_back({review->id(), "7d", review->closes.at});
  const auto wecom = WeComChannel(kCcRobotOptions).build(both, test::handbook(), test::at("2024-12-24T09:00+08:00"));
  REQUIRE(wecom.ok());
  const std::string content = json::parse(wecom->body)["markdown"]["content"];
  CHECK(content.starts_with("## 申报截止提醒\n共 1 项申报时间有变化（在前），1 项即将截止。\n\n### 1. 【变更】省第二批概念验证中心\n"));
  CHECK(content.find("### 1. 【变更】") < content.find("### 2. 省第二批概念验证中心"));
  CHECK(has(content, "**还剩 7 天**"));
}

TEST_CASE("robots: many changes fit the platform's limit, the rest listed by title, every entry has the keyword") {
  std::vector<ToldChange> many;
  for (int i = 0; i < 60; ++i) {
    ToldChange c = test::moved_earlier_change();
    c.window_id += "-" + std::to_string(i);
    many.push_back(c);
  }
  const std::string body = wecom_body({}, render::make_change_views(many, test::change_told_at()));
  const std::string content = json::parse(body)["markdown"]["content"];
  CHECK(content.size() <= kWeComMaxContentBytes);
  CHECK(has(content, "（篇幅所限，只列标题）：**"));
  CHECK(has(content, "\n- 【变更】省第二批概念验证中心：截止时间提前至12月10日 17:30"));
  // The keyword docs/robots.md tells groups to set is in every kind of notice.
  std::vector<ToldChange> kinds = test::fixture_pair_changes();
  kinds.push_back(test::moved_earlier_change());
  for (const ToldChange& c : kinds) {
    CAPTURE(c.window_id);
    const std::string md = robot_markdown({}, {render::make_change_view(c, test::change_told_at())}, kWeComMarkdown, 4096);
    CHECK(has(md, "截止"));
  }
}
