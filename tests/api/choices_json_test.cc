// The JSON API's subscribe body and endpoint choices: read, checked by the form's rules, and the
// first problem reported with the member it concerns.

#include "api/choices_json.h"

#include <doctest/doctest.h>

#include "test_support.h"

using namespace deadline;
using namespace deadline::api;
using nlohmann::json;

namespace {

using test::handbook;

web::SubscribeForm form_of(const json& body) {
  auto parsed = subscribe_request(body, handbook(), default_lead_menu());
  if (const auto* error = std::get_if<ApiError>(&parsed)) FAIL_CHECK(error->field << ": " << error->message);
  REQUIRE(std::holds_alternative<web::SubscribeForm>(parsed));
  return std::get<web::SubscribeForm>(parsed);
}

ApiError error_of(const json& body) {
  auto parsed = subscribe_request(body, handbook(), default_lead_menu());
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  return std::get<ApiError>(parsed);
}

std::optional<EndpointFilters> filters_of(const json& body) {
  auto parsed = filters_member(body, handbook());
  if (const auto* error = std::get_if<ApiError>(&parsed)) FAIL_CHECK(error->field << ": " << error->message);
  REQUIRE(std::holds_alternative<std::optional<EndpointFilters>>(parsed));
  return std::get<std::optional<EndpointFilters>>(parsed);
}

ApiError filters_error(const json& body) {
  auto parsed = filters_member(body, handbook());
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  return std::get<ApiError>(parsed);
}

}  // namespace

TEST_CASE("a subscribe body becomes the form POST /subscribe would store") {
  const web::SubscribeForm form = form_of({{"email", " zhang.san@example.cn　"},
                                           {"programmes", {"first-set-equipment-insurance", "first-set-equipment-insurance"}},
                                           {"groups", {"工业和信息化部门"}},
                                           {"categories", {"资金引导"}},
                                           {"keyword", "保险"},
                                           {"leads", {"7d", "1d"}}});
  CHECK(form.email == "zhang.san@example.cn");
  CHECK(form.programmes == std::vector<std::string>{"first-set-equipment-insurance"});
  CHECK(form.groups == std::vector<std::string>{"工业和信息化部门"});
  CHECK(form.categories == std::vector<std::string>{"资金引导"});
  CHECK(form.keyword == "保险");
  CHECK(form.leads == std::vector<std::string>{"7d", "1d"});
  const EndpointFilters filters = web::filters_of(form);
  CHECK(filters.keywords == std::vector<std::string>{"保险"});
}

TEST_CASE("absent choices mean every programme and the form's default leads") {
  const web::SubscribeForm form = form_of({{"email", "a@example.cn"}, {"keyword", nullptr}});
  CHECK(form.programmes.empty());
  CHECK(form.groups.empty());
  CHECK(form.keyword.empty());
  CHECK(form.leads == web::default_leads(default_lead_menu()));
}

TEST_CASE("subscribe errors name the member, with the form's message") {
  ApiError e = error_of({{"leads", {"7d"}}});
  CHECK(e.status == http::Status::bad_request);
  CHECK(e.code == "invalid_field");
  CHECK(e.field == "email");
  CHECK(e.message == "请填写邮箱地址");
  CHECK(error_of({{"email", "not-an-address"}}).message == "请输入有效的邮箱地址");
  CHECK(error_of({{"email", 7}}).field == "email");
  CHECK(error_of({{"email", 7}}).message == "email must be a string");
  e = error_of({{"email", "a@example.cn"}, {"programmes", {"no-such-programme"}}});
  CHECK(e.field == "programmes");
  CHECK(e.message == "所选项目已不在日历中，请重新选择");
  CHECK(error_of({{"email", "a@example.cn"}, {"groups", {"没有的部门"}}}).field == "groups");
  CHECK(error_of({{"email", "a@example.cn"}, {"categories", "资金引导"}}).message == "categories must be an array of strings");
  CHECK(error_of({{"email", "a@example.cn"}, {"categories", {""}}}).message == "categories has an empty value");
  CHECK(error_of({{"email", "a@example.cn"}, {"keyword", std::string(51 * 3, 'x')}}).field == "keyword");
  e = error_of({{"email", "a@example.cn"}, {"leads", json::array()}});
  CHECK(e.field == "leads");
  CHECK(e.message == "请至少选择一个提醒时间");
  CHECK(error_of({{"email", "a@example.cn"}, {"leads", {"5y"}}}).field == "leads");
  // programmes outside the groups chosen could never remind of anything
  CHECK(error_of({{"email", "a@example.cn"}, {"programmes", {"first-set-equipment-insurance"}}, {"groups", {"科学技术部门"}}})
            .field == "programmes");
}

TEST_CASE("the first problem is the one reported, email first") {
  const ApiError e = error_of({{"email", "bad"}, {"programmes", {"nope"}}, {"leads", json::array()}});
  CHECK(e.field == "email");
  CHECK(error_of({{"email", "a@example.cn"}, {"keyword", "\x01"}, {"leads", json::array()}}).field == "keyword");
}

TEST_CASE("an unknown member is refused, not ignored") {
  const ApiError e = error_of({{"email", "a@example.cn"}, {"lead", {"7d"}}});
  CHECK(e.code == "unknown_field");
  CHECK(e.field == "lead");
  CHECK(e.message == "unknown member 'lead' (expected email, programmes, groups, categories, keyword, leads)");
}

TEST_CASE("endpoint filters: every field, checked against the calendar") {
  CHECK_FALSE(filters_of(json::object()));
  CHECK_FALSE(filters_of({{"filters", nullptr}}));
  const auto f = filters_of({{"filters",
                              {{"programmes", {"first-set-equipment-insurance"}},
                               {"categories", {"资金引导"}},
                               {"authorities", {"工业和信息化部"}},
                               {"roles", {"企业"}},
                               {"keywords", {"保险", "首台"}}}}});
  REQUIRE(f);
  CHECK(f->programmes == std::vector<std::string>{"first-set-equipment-insurance"});
  CHECK(f->authorities == std::vector<std::string>{"工业和信息化部"});
  CHECK(f->roles == std::vector<std::string>{"企业"});
  CHECK(f->keywords == std::vector<std::string>{"保险", "首台"});
  CHECK(filters_of({{"filters", json::object()}})->empty());

  CHECK(filters_error({{"filters", {"资金引导"}}}).field == "filters");
  ApiError e = filters_error({{"filters", {{"programme", {"x"}}}}});
  CHECK(e.code == "unknown_field");
  CHECK(e.field == "filters.programme");
  CHECK(filters_error({{"filters", {{"programmes", {"nope"}}}}}).field == "filters.programmes");
  CHECK(filters_error({{"filters", {{"groups", {"nope"}}}}}).field == "filters.groups");
  CHECK(filters_error({{"filters", {{"categories", {"nope"}}}}}).field == "filters.categories");
  CHECK(filters_error({{"filters", {{"roles", {"enterprise"}}}}}).field == "filters.roles");
  CHECK(filters_error({{"filters", {{"keywords", {"a\nb"}}}}}).message == "关键词不能包含换行等控制字符");
  CHECK(filters_error({{"filters", {{"authorities", {std::string(60, 'x')}}}}}).field == "filters.authorities");
  json many = json::array();
  for (int i = 0; i < 11; ++i) many.push_back("k" + std::to_string(i));
  CHECK(filters_error({{"filters", {{"keywords", many}}}}).message == "filters.keywords takes at most 10 values");
}

TEST_CASE("endpoint leads: at least one, each on the menu") {
  const auto leads = [](const json& body) { return leads_member(body, default_lead_menu()); };
  CHECK_FALSE(std::get<0>(leads(json::object())));
  CHECK(*std::get<0>(leads({{"leads", {"3d", "3d", "1d"}}})) == std::vector<std::string>{"3d", "1d"});
  CHECK(std::get<ApiError>(leads({{"leads", json::array()}})).field == "leads");
  CHECK(std::get<ApiError>(leads({{"leads", {"9y"}}})).message == "所选提醒时间不可用，请重新选择");
  CHECK(std::get<ApiError>(leads({{"leads", {1}}})).message == "leads must be an array of strings");
}

TEST_CASE("filters_json shows every field") {
  EndpointFilters f;
  f.groups = {"科学技术部门"};
  CHECK(filters_json(f) == json{{"programmes", json::array()}, {"groups", {"科学技术部门"}}, {"categories", json::array()},
                                {"authorities", json::array()}, {"roles", json::array()}, {"keywords", json::array()}});
}
