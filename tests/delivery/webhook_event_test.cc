#include "delivery/webhook_event.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "calendar/loader.h"
#include "schedule/planner.h"
#include "time/iso8601.h"
#include "time/zone.h"
#include "test_support.h"

using namespace deadline;
using nlohmann::json;

namespace {

Bound bound(const char* written, BoundSide side, const date::time_zone& zone) {
  const BoundSpec spec = *parse_bound(written, side);
  return {spec, *resolve_bound(spec, side, zone)};
}

using test::at;

Programme programme() {
  Programme p;
  p.id = "specialised-sme";
  p.number = 3;
  p.page = 9;
  p.edition_id = "jiangsu-2024q4";
  p.title = "省级专精特新中小企业";
  p.group = "工业和信息化部门";
  p.category = "认定培育";
  p.contact = "省工业和信息化厅";
  p.phones = {{"025-69652765", false}, {"69652751", true}};
  p.link = "https://policy.example.cn/p/3";
  p.eligibility = "not in the event";
  return p;
}

// "10月18日24:00时系统关闭": a timed close at the end of 18 October, confirmed, no opening known.
Window timed_window(const date::time_zone& zone = shanghai_zone()) {
  Window w;
  w.programme_id = "specialised-sme";
  w.key = "apply";
  w.cycle = 2024;
  w.phrase = "10月18日24:00时系统关闭企业填报提交功能";
  w.status = WindowStatus::confirmed;
  w.actor = "企业";
  w.role = Role::enterprise;
  w.closes = bound("2024-10-18T24:00", BoundSide::closes, zone);
  w.year_from = "title";
  w.zone = &zone;
  return w;
}

// "申报时间：10月": a handbook month, estimated, opening known.
Window month_window() {
  Window w;
  w.programme_id = "specialised-sme";
  w.key = "recommend";
  w.cycle = 2024;
  w.phrase = "申报时间：10月";
  w.status = WindowStatus::estimated;
  w.actor = "市工业和信息化主管部门";
  w.role = Role::recommender;
  w.opens = bound("2024-10", BoundSide::opens, shanghai_zone());
  w.closes = bound("2024-10", BoundSide::closes, shanghai_zone());
  w.year_from = "edition";
  w.zone = &shanghai_zone();
  return w;
}

}  // namespace

TEST_CASE("webhook event body - exact bytes of a one-reminder message") {
  const Programme p = programme();
  const Window w = timed_window();
  const Result<std::string> body =
      webhook_event_body("0123456789abcdef0123456789abcdef", at("2024-10-11T09:00+08:00"), {{&p, &w, "7d"}});
  REQUIRE(body.ok());
  // Keys sorted, no whitespace, UTF-8 as is: the bytes a retry of this message sends again.
  CHECK(*body ==
        R"({"created_at":"2024-10-11T01:00:00Z","id":"0123456789abcdef0123456789abcdef","reminders":[)"
        R"({"days_left":7,"lead":"7d","programme":{"authority":null,"category":"认定培育",)"
        R"("contact":"省工业和信息化厅","group":"工业和信息化部门","id":"specialised-sme",)"
        R"("link":"https://policy.example.cn/p/3","phones":[{"area_code_inferred":false,)"
        R"("number":"025-69652765"},{"area_code_inferred":true,"number":"69652751"}],)"
        R"("title":"省级专精特新中小企业"},"window":{"actor":"企业","cap":null,"closes":{)"
        R"("local":"2024-10-19T00:00:00+08:00","precision":"instant","utc":"2024-10-18T16:00:00Z",)"
        R"("written":"2024-10-18T24:00"},"cycle":2024,"estimated":false,)"
        R"("id":"specialised-sme/apply/2024","key":"apply","opens":null,)"
        R"("phrase":"10月18日24:00时系统关闭企业填报提交功能","programme":"specialised-sme",)"
        R"("projected_from":null,"role":"企业","status":"confirmed","year_from":"title"}}],)"
        R"("type":"deadline.reminder","version":1})");
}

TEST_CASE("webhook event json - fields of a digest") {
  const Programme p = programme();
  const Window timed = timed_window();
  const Window month = month_window();
  const Result<json> event = webhook_event_json("m1", at("2024-10-16T09:00+08:00"),
                                                {{&p, &timed, "2h"}, {&p, &month, "14d"}});
  REQUIRE(event.ok());
  const json& e = *event;
  CHECK(e["type"] == "deadline.reminder");
  CHECK(e["version"] == 1);
  CHECK(e["id"] == "m1");
  CHECK(e["created_at"] == "2024-10-16T01:00:00Z");
  REQUIRE(e["reminders"].size() == 2);

  const json& first = e["reminders"][0];   // closes 19 October 00:00, before 1 November
  CHECK(first["lead"] == "2h");
  CHECK(first["days_left"] == 2);
  CHECK(first["programme"] == json::parse(R"({
    "id": "specialised-sme", "title": "省级专精特新中小企业", "authority": null,
    "contact": "省工业和信息化厅", "group": "工业和信息化部门", "category": "认定培育",
    "link": "https://policy.example.cn/p/3",
    "phones": [{"number": "025-69652765", "area_code_inferred": false},
               {"number": "69652751", "area_code_inferred": true}]})"));
  CHECK(first["window"]["id"] == "specialised-sme/apply/2024");
  CHECK(first["window"]["estimated"] == false);
  CHECK(first["window"]["status"] == "confirmed");
  CHECK(first["window"]["opens"].is_null());
  CHECK(first["window"]["closes"] == json::parse(R"({"utc": "2024-10-18T16:00:00Z",
    "local": "2024-10-19T00:00:00+08:00", "precision": "instant", "written": "2024-10-18T24:00"})"));

  const json& second = e["reminders"][1];
  CHECK(second["lead"] == "14d");
  CHECK(second["days_left"] == 15);         // closing day 31 October
  CHECK(second["window"]["estimated"] == true);
  CHECK(second["window"]["status"] == "estimated");
  CHECK(second["window"]["role"] == "推荐单位");
  CHECK(second["window"]["opens"]["precision"] == "month");
  CHECK(second["window"]["opens"]["utc"] == "2024-09-30T16:00:00Z");
  CHECK(second["window"]["closes"]["local"] == "2024-11-01T00:00:00+08:00");
}

TEST_CASE("webhook event with a named authority gives it") {
  Programme p = programme();
  p.authority = "省科技厅";
  const Window w = timed_window();
  const Result<json> event = webhook_event_json("m1", at("2024-10-16T09:00+08:00"), {{&p, &w, "open"}});
  REQUIRE(event.ok());
  CHECK((*event)["reminders"][0]["programme"]["authority"] == "省科技厅");
}

TEST_CASE("days_left is 0 on the closing day and counts local dates before it") {
  const Window w = timed_window();   // closes 2024-10-19T00:00+08:00: closing day 18 October
  CHECK(days_left(w, at("2024-10-18T23:59:59+08:00")) == 0);
  CHECK(days_left(w, at("2024-10-18T00:00:00+08:00")) == 0);
  CHECK(days_left(w, at("2024-10-17T23:59:59+08:00")) == 1);
  CHECK(days_left(w, at("2024-10-17T00:00:00+08:00")) == 1);
  CHECK(days_left(w, at("2024-10-11T09:00:00+08:00")) == 7);
  // The local date, not the UTC one: 17 October 16:00 UTC is already the 18th in Shanghai.
  CHECK(days_left(w, at("2024-10-17T16:00:00Z")) == 0);
  CHECK(days_left(w, at("2024-10-17T15:59:59Z")) == 1);
  // After the closing day (delivery never sends then) the count goes negative.
  CHECK(days_left(w, at("2024-10-19T00:00:00+08:00")) == -1);
}

TEST_CASE("days_left of a before-date close and of a month close") {
  Window before = timed_window();
  before.closes = bound("before 2024-11-29", BoundSide::closes, shanghai_zone());  // closing day 28th
  CHECK(days_left(before, at("2024-11-28T09:00+08:00")) == 0);
  CHECK(days_left(before, at("2024-11-27T23:00+08:00")) == 1);
  const Window month = month_window();                                              // closing day 31st
  CHECK(days_left(month, at("2024-10-31T09:00+08:00")) == 0);
  CHECK(days_left(month, at("2024-09-30T23:59+08:00")) == 31);
}

TEST_CASE("days_left counts calendar days across a daylight saving change") {
  const date::time_zone& new_york = *find_zone("America/New_York");
  const Window w = timed_window(new_york);   // closes 2024-10-19T00:00-04:00
  // DST ended 3 November 2024 and began 10 March 2024: still whole local dates.
  Window late = w;
  late.closes = bound("before 2024-11-05", BoundSide::closes, new_york);    // closing day 4 November
  CHECK(days_left(late, at("2024-11-02T23:30-04:00")) == 2);
  CHECK(days_left(late, at("2024-11-03T00:30-04:00")) == 1);
  CHECK(days_left(late, at("2024-11-04T00:00-05:00")) == 0);
  Window spring = w;
  spring.closes = bound("before 2024-03-11", BoundSide::closes, new_york);  // closing day 10 March
  CHECK(days_left(spring, at("2024-03-09T23:59-05:00")) == 1);
  CHECK(days_left(spring, at("2024-03-10T23:59-04:00")) == 0);
}

TEST_CASE("webhook event reminders are ordered by close then window then lead") {
  const Programme p = programme();
  const Window timed = timed_window();
  const Window month = month_window();
  const Instant now = at("2024-10-16T09:00+08:00");
  const Result<std::string> a =
      webhook_event_body("m1", now, {{&p, &month, "14d"}, {&p, &timed, "7d"}, {&p, &timed, "2h"}});
  const Result<std::string> b =
      webhook_event_body("m1", now, {{&p, &timed, "2h"}, {&p, &month, "14d"}, {&p, &timed, "7d"}});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  const json event = json::parse(*a);
  CHECK(event["reminders"][0]["lead"] == "2h");
  CHECK(event["reminders"][1]["lead"] == "7d");
  CHECK(event["reminders"][2]["lead"] == "14d");
}

TEST_CASE("webhook event body is compact and the same for the same inputs") {
  const Programme p = programme();
  const Window w = timed_window();
  const Instant now = at("2024-10-16T09:00+08:00");
  const Result<std::string> first = webhook_event_body("m1", now, {{&p, &w, "closing-day"}});
  const Result<std::string> again = webhook_event_body("m1", now, {{&p, &w, "closing-day"}});
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(*first == *again);
  CHECK(first->find('\n') == std::string::npos);
  CHECK(first->find("\": ") == std::string::npos);
  CHECK(first->find("省级专精特新中小企业") != std::string::npos);   // UTF-8 as is, not \u-escaped
  CHECK(json::parse(*first) == *webhook_event_json("m1", now, {{&p, &w, "closing-day"}}));
}

TEST_CASE("webhook event with no reminders has an empty list") {
  const Result<std::string> body = webhook_event_body("m1", at("2024-10-16T09:00+08:00"), {});
  REQUIRE(body.ok());
  CHECK(*body == R"({"created_at":"2024-10-16T01:00:00Z","id":"m1","reminders":[],"type":"deadline.reminder","version":1})");
}

TEST_CASE("webhook event refuses a missing programme or window or a window of another programme") {
  const Programme p = programme();
  const Window w = timed_window();
  const Instant now = at("2024-10-16T09:00+08:00");
  CHECK_FALSE(webhook_event_json("m1", now, {{nullptr, &w, "7d"}}).ok());
  CHECK_FALSE(webhook_event_json("m1", now, {{&p, nullptr, "7d"}}).ok());
  Programme other = programme();
  other.id = "other";
  CHECK(webhook_event_json("m1", now, {{&other, &w, "7d"}}).error() ==
        "webhook reminder: window specialised-sme/apply/2024 is not of programme other");
}

TEST_CASE("webhook event body refuses text that is not UTF-8") {
  Programme p = programme();
  p.title = "bad \xff title";
  const Window w = timed_window();
  const Result<std::string> body = webhook_event_body("m1", at("2024-10-16T09:00+08:00"), {{&p, &w, "7d"}});
  REQUIRE_FALSE(body.ok());
  CHECK(body.error().starts_with("webhook event is not valid JSON text: "));
}

TEST_CASE("the event writer gives the same bytes as the JSON document for every handbook window") {
  LoadOutcome outcome = load_calendar_dir(DEADLINED_BUNDLED_CALENDARS);
  REQUIRE(outcome.calendar);
  const Calendar& calendar = *outcome.calendar;
  WebhookEventWriter writer;
  const Instant now = at("2025-03-01T09:00:00+08:00");
  std::vector<WebhookReminder> digest;
  for (const Window& w : calendar.windows()) {
    const std::vector<WebhookReminder> one = {{calendar.find_programme(w.programme_id), &w, "7d"}};
    CAPTURE(w.id());
    // Twice: the second time from the writer's reused fragments.
    for (int round = 0; round < 2; ++round) {
      CHECK(*writer.body("msg-" + w.id(), now, one, calendar.revision()) == *webhook_event_body("msg-" + w.id(), now, one));
    }
    if (digest.size() < 5) digest.push_back(one.front());
  }
  CHECK(*writer.body("digest", now, digest, calendar.revision()) == *webhook_event_body("digest", now, digest));
  // A new revision does not serve the old revision's fragments.
  Programme changed = *digest.front().programme;
  changed.title = "改过的标题";
  const std::vector<WebhookReminder> renamed = {{&changed, digest.front().window, "7d"}};
  CHECK(writer.body("x", now, renamed, "another-revision")->find("改过的标题") != std::string::npos);
}

TEST_CASE("webhook event of a test reminder says so, for machines and people, and the writer agrees") {
  const Programme p = programme();
  const Window w = timed_window();
  const Instant now = at("2024-10-11T09:00+08:00");
  const auto event = webhook_event_json("0123456789abcdef0123456789abcdef", now, {{&p, &w, "test"}});
  REQUIRE(event.ok());
  CHECK((*event)["test"] == true);
  CHECK((*event)["test_text"].get<std::string>().starts_with("【测试】"));
  const auto body = webhook_event_body("0123456789abcdef0123456789abcdef", now, {{&p, &w, "test"}});
  REQUIRE(body.ok());
  WebhookEventWriter writer;
  CHECK(writer.body("0123456789abcdef0123456789abcdef", now, {{&p, &w, "test"}}, "rev").value() == *body);
  // A real reminder carries neither field.
  const auto real = webhook_event_json("0123456789abcdef0123456789abcdef", now, {{&p, &w, "7d"}});
  CHECK_FALSE(real->contains("test"));
  CHECK_FALSE(real->contains("test_text"));
}
