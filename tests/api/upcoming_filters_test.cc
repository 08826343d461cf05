// GET /api/v1/upcoming with the public feed's filters: programme, group, category, authority.

#include <doctest/doctest.h>

#include "base/url_encode.h"
#include "calendar/json_export.h"
#include "calendar/upcoming.h"
#include "http/router.h"
#include "schedule/window_match.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::http;
using nlohmann::json;

namespace {

struct Api {
  ManualClock clock{*parse_iso8601("2026-11-01T09:00+08:00")};
  std::shared_ptr<const Calendar> calendar = std::make_shared<const Calendar>(test::handbook());
  AppState app{[this] { return calendar; }, &clock, {}};

  Response get(const std::string& target) const {
    Request request{Verb::get, target, 11};
    request.set(Field::host, "localhost");
    return handle_request(app, request);
  }
};

std::vector<std::string> programmes_of(const json& body) {
  std::vector<std::string> ids;
  for (const json& w : body["windows"]) ids.push_back(w["programme"]);
  return ids;
}

}  // namespace

TEST_CASE("upcoming filters choose windows as the public feed does") {
  const Api api;
  const std::string base = "/api/v1/upcoming?days=365&category=" + url_encode("资金引导");
  const Response res = api.get(base);
  REQUIRE(res.result() == http::Status::ok);
  const json body = json::parse(res.body());
  const Instant at = api.clock.now();
  EndpointFilters filters;
  filters.categories = {"资金引导"};
  std::vector<const Window*> expected;
  for (const Window* w : upcoming_windows(*api.calendar, {at, date::days{365}})) {
    if (filters_match(filters, *api.calendar->find_programme(w->programme_id), *w)) expected.push_back(w);
  }
  REQUIRE_FALSE(expected.empty());
  CHECK(body == upcoming_json(*api.calendar, at, 365, expected));
  const json all = json::parse(api.get("/api/v1/upcoming?days=365").body());
  CHECK(all["windows"].size() > body["windows"].size());

  // values of one parameter are alternatives; different parameters must all hold
  const json one = json::parse(api.get("/api/v1/upcoming?days=365&programme=first-set-equipment-insurance").body());
  for (const std::string& id : programmes_of(one)) CHECK(id == "first-set-equipment-insurance");
  const json two = json::parse(
      api.get("/api/v1/upcoming?days=365&programme=first-set-equipment-insurance&programme=first-batch-new-materials-insurance")
          .body());
  CHECK(two["windows"].size() > one["windows"].size());
  const json none = json::parse(
      api.get("/api/v1/upcoming?days=365&programme=first-set-equipment-insurance&category=" + url_encode("认定培育")).body());
  CHECK(none["windows"].empty());
  const json authority = json::parse(api.get("/api/v1/upcoming?days=365&authority=" + url_encode("原材料工业司")).body());
  CHECK(programmes_of(authority) == std::vector<std::string>(authority["windows"].size(), "first-batch-new-materials-insurance"));
}

TEST_CASE("an upcoming filter the calendar does not have is a 400 naming it") {
  const Api api;
  const auto error = [&](const std::string& target) {
    const Response res = api.get(target);
    CHECK(res.result() == http::Status::bad_request);
    return json::parse(res.body())["error"];
  };
  json e = error("/api/v1/upcoming?group=" + url_encode("没有的部门"));
  CHECK(e["code"] == "invalid_parameter");
  CHECK(e["field"] == "group");
  CHECK(e["message"] == "group: no group '没有的部门' in the calendar");
  CHECK(error("/api/v1/upcoming?programme=nope")["field"] == "programme");
  CHECK(error("/api/v1/upcoming?category=x")["field"] == "category");
  e = error("/api/v1/upcoming?authority=");
  CHECK(e["field"] == "authority");
  CHECK(e["message"] == "authority: empty value");
  CHECK(error("/api/v1/upcoming?role=x")["code"] == "unknown_parameter");
}
