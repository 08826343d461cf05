// handle_request as a client sees it: status, headers and the exact JSON of each route and
// each error, against the valid.toml fixture at a fixed time.

#include "http/router.h"

#include <doctest/doctest.h>

#include "calendar/json_export.h"
#include "calendar/loader.h"
#include "calendar/upcoming.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::http;
using nlohmann::json;

namespace {

std::shared_ptr<const Calendar> fixture_calendar() {
  static const auto calendar =
      std::make_shared<const Calendar>(*load_calendar_files({test::fixture("valid.toml")}).calendar);
  return calendar;
}

// 2024-11-27 09:00 in Shanghai: the November estimate is open, the recommend deadline is days away.
struct Api {
  ManualClock clock{*parse_iso8601("2024-11-27T09:00+08:00")};
  std::shared_ptr<const Calendar> calendar = fixture_calendar();
  AppState app{[this] { return calendar; }, &clock, [] { return json{{"outbox_pending", 3}, {"status", "x"}}; }};

  Response get(std::string target, Verb method = Verb::get, unsigned version = 11) const {
    Request request{method, target, version};
    request.set(Field::host, "localhost");
    return handle_request(app, request);
  }
};

json body(const Response& response) { return json::parse(response.body()); }

json error(std::string code, json field, std::string message) {
  return {{"error", {{"code", code}, {"field", field}, {"message", message}}}};
}

}  // namespace

TEST_CASE("healthz reports ok with the time and calendar revision and the health details") {
  const Api api;
  const Response res = api.get("/healthz");
  CHECK(res.result() == Status::ok);
  CHECK(body(res) == json{{"status", "ok"},
                          {"store", "ok"},
                          {"draining", false},
                          {"time", "2024-11-27T01:00:00Z"},
                          {"calendar_revision", api.calendar->revision()},
                          {"outbox_pending", 3}});
  CHECK(res[Field::cache_control] == "no-store");
}

TEST_CASE("healthz answers 503 while the database cannot be reached, and ok once it can") {
  Api api;
  bool reachable = false;
  api.app.store_reachable = [&reachable] { return reachable; };
  Response res = api.get("/healthz");
  CHECK(res.result() == Status::service_unavailable);
  CHECK(body(res)["status"] == "unavailable");
  CHECK(body(res)["store"] == "unavailable");
  CHECK(body(res)["calendar_revision"] == api.calendar->revision());  // the calendar is still served
  reachable = true;
  res = api.get("/healthz");
  CHECK(res.result() == Status::ok);
  CHECK(body(res)["store"] == "ok");
}

TEST_CASE("healthz answers 503 draining while the daemon drains, and every other route still answers") {
  Api api;
  bool draining = true;
  api.app.draining = [&draining] { return draining; };
  Response res = api.get("/healthz");
  CHECK(res.result() == Status::service_unavailable);
  CHECK(body(res)["status"] == "unavailable");
  CHECK(body(res)["draining"] == true);
  CHECK(body(res)["store"] == "ok");  // the balancer's reason is the drain, not the database
  CHECK(body(res)["calendar_revision"] == api.calendar->revision());
  CHECK(res[Field::cache_control] == "no-store");
  CHECK(api.get("/api/v1/programmes").result() == Status::ok);
  CHECK(api.get("/healthz", Verb::head).result() == Status::service_unavailable);
  draining = false;
  res = api.get("/healthz");
  CHECK(res.result() == Status::ok);
  CHECK(body(res)["draining"] == false);
}

TEST_CASE("every response is JSON from deadlined with its Content-Length") {
  const Api api;
  for (const char* target : {"/healthz", "/api/v1/programmes", "/nowhere", "/api/v1/upcoming?days=x"}) {
    CAPTURE(target);
    const Response res = api.get(target);
    CHECK(res[Field::content_type] == "application/json; charset=utf-8");
    CHECK(res[Field::server] == "deadlined");
    CHECK(res[Field::content_length] == std::to_string(res.body().size()));
    CHECK(res.keep_alive());
  }
  CHECK(api.get("/api/v1/programmes")[Field::cache_control].empty());
}

TEST_CASE("programmes lists every programme and policy with the revision") {
  const Api api;
  const Response res = api.get("/api/v1/programmes");
  CHECK(res.result() == Status::ok);
  const json b = body(res);
  CHECK(b["revision"] == api.calendar->revision());
  REQUIRE(b["programmes"].size() == 1);
  CHECK(b["programmes"][0] == programme_json(api.calendar->programmes().front(), *api.calendar));
  CHECK(b["programmes"][0]["id"] == "test-programme");
  REQUIRE(b["policies"].size() == 1);
  CHECK(b["policies"][0]["id"] == "test-policy");
}

TEST_CASE("one programme by id") {
  const Api api;
  const Response res = api.get("/api/v1/programmes/test-programme");
  CHECK(res.result() == Status::ok);
  nlohmann::json expected = programme_json(*api.calendar->find_programme("test-programme"), *api.calendar);
  expected["withdrawn_windows"] = nlohmann::json::array();  // none told of by the app state
  CHECK(body(res) == expected);
  CHECK(api.get("/api/v1/programmes/test%2Dprogramme").result() == Status::ok);
}

TEST_CASE("an unknown programme is 404 naming the id field") {
  const Api api;
  const Response res = api.get("/api/v1/programmes/test-policy");
  CHECK(res.result() == Status::not_found);
  CHECK(body(res) == error("not_found", "id", "no programme 'test-policy'"));
  CHECK(api.get("/api/v1/programmes/test-programme/windows").result() == Status::not_found);
  CHECK(api.get("/api/v1/programmes/").result() == Status::not_found);
}

TEST_CASE("upcoming defaults to the clock's now and 30 days") {
  const Api api;
  const Response res = api.get("/api/v1/upcoming");
  CHECK(res.result() == Status::ok);
  const json b = body(res);
  CHECK(b["at"] == "2024-11-27T01:00:00Z");
  CHECK(b["days"] == 30);
  REQUIRE(b["windows"].size() == 2);
  CHECK(b["windows"][0]["id"] == "test-programme/recommend/2024");
  CHECK(b["windows"][0]["programme_title"] == "测试项目");
  CHECK(b["windows"][1]["id"] == "test-programme/apply/2024");
}

TEST_CASE("upcoming at a given time for given days is upcoming_json of upcoming_windows") {
  const Api api;
  const Instant at = *parse_iso8601("2025-10-20T00:00+08:00");
  const Response res = api.get("/api/v1/upcoming?at=2025-10-20T00:00%2B08:00&days=13");
  CHECK(res.result() == Status::ok);
  CHECK(body(res) == upcoming_json(*api.calendar, at, 13, upcoming_windows(*api.calendar, {at, date::days{13}})));
  CHECK(body(res)["windows"][0]["id"] == "test-programme/apply/2025");
  CHECK(body(api.get("/api/v1/upcoming?at=2025-10-20T00:00+08:00&days=13")) == body(res));
}

TEST_CASE("upcoming refuses a bad parameter with 400 naming it") {
  const Api api;
  const Response at = api.get("/api/v1/upcoming?at=tomorrow");
  CHECK(at.result() == Status::bad_request);
  CHECK(body(at) == error("invalid_parameter", "at",
                          "at: 'tomorrow' is not an ISO-8601 time with an offset "
                          "(e.g. 2026-11-27T09:00+08:00 or 2026-11-27T01:00Z)"));
  const Response days = api.get("/api/v1/upcoming?days=3661");
  CHECK(days.result() == Status::bad_request);
  CHECK(body(days) == error("invalid_parameter", "days", "days must be a whole number from 0 to 3660, not '3661'"));
  const Response unknown = api.get("/api/v1/upcoming?day=7");
  CHECK(unknown.result() == Status::bad_request);
  CHECK(body(unknown) == error("unknown_parameter", "day", "unknown parameter 'day' (expected at, days, programme, group, category or authority)"));
}

TEST_CASE("invalid UTF-8 echoed in an error message is replaced rather than thrown") {
  const Api api;
  const Response res = api.get("/api/v1/upcoming?at=%FF");
  CHECK(res.result() == Status::bad_request);
  CHECK(body(res)["error"]["message"] ==
        "at: '\xEF\xBF\xBD' is not an ISO-8601 time with an offset (e.g. 2026-11-27T09:00+08:00 or 2026-11-27T01:00Z)");
}

TEST_CASE("an unknown path is 404 not_found") {
  const Api api;
  const Response res = api.get("/api/v1/policies?x=1");
  CHECK(res.result() == Status::not_found);
  CHECK(body(res) == error("not_found", nullptr, "no resource at '/api/v1/policies'"));
  CHECK(api.get("/healthz/").result() == Status::not_found);
  CHECK(api.get("*", Verb::options).result() == Status::not_found);
}

TEST_CASE("a known path with a wrong method is 405 with Allow") {
  const Api api;
  for (const char* target : {"/healthz", "/api/v1/programmes", "/api/v1/programmes/nope", "/api/v1/upcoming"}) {
    CAPTURE(target);
    const Response res = api.get(target, Verb::post);
    CHECK(res.result() == Status::method_not_allowed);
    CHECK(res[Field::allow] == "GET, HEAD");
    CHECK(body(res)["error"]["code"] == "method_not_allowed");
  }
  CHECK(body(api.get("/healthz", Verb::delete_)) ==
        error("method_not_allowed", nullptr, "DELETE is not allowed on '/healthz' (use GET or HEAD)"));
}

TEST_CASE("HEAD has the headers and length of GET but no body") {
  const Api api;
  for (const char* target : {"/healthz", "/api/v1/programmes", "/api/v1/programmes/test-programme",
                             "/api/v1/upcoming", "/api/v1/upcoming?days=x", "/nowhere"}) {
    CAPTURE(target);
    const Response get = api.get(target);
    const Response head = api.get(target, Verb::head);
    CHECK(head.result() == get.result());
    CHECK(head.body().empty());
    CHECK(head[Field::content_length] == std::to_string(get.body().size()));
    CHECK(head[Field::content_type] == get[Field::content_type]);
  }
}

TEST_CASE("keep-alive follows the request") {
  const Api api;
  CHECK(api.get("/healthz").keep_alive());
  CHECK_FALSE(api.get("/healthz", Verb::get, 10).keep_alive());
  Request close{Verb::get, "/healthz", 11};
  close.set(Field::connection, "close");
  const Response res = handle_request(api.app, close);
  CHECK_FALSE(res.keep_alive());
  CHECK(res[Field::connection] == "close");
  CHECK(res.version() == 11);
}

TEST_CASE("without a calendar healthz and the API answer 503") {
  Api api;
  api.calendar = nullptr;
  const Response health = api.get("/healthz");
  CHECK(health.result() == Status::service_unavailable);
  CHECK(body(health)["status"] == "unavailable");
  CHECK(body(health)["calendar_revision"] == nullptr);
  const Response programmes = api.get("/api/v1/programmes");
  CHECK(programmes.result() == Status::service_unavailable);
  CHECK(body(programmes) == error("unavailable", nullptr, "no calendar is loaded yet"));
}

TEST_CASE("an exception from the app state becomes a 500 internal_error") {
  Api api;
  api.app.health_details = []() -> json { throw std::runtime_error("outbox unreadable"); };
  const Response res = api.get("/healthz");
  CHECK(res.result() == Status::internal_server_error);
  CHECK(body(res) == error("internal_error", nullptr, "outbox unreadable"));
}
