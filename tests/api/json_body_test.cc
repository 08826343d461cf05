// Request bodies of the JSON API: the media type, JSON objects only, a nesting limit; and an
// endpoint as its owner sees it (never a URL's secret part).

#include "api/json_body.h"

#include <doctest/doctest.h>

#include "api/endpoint_json.h"

using namespace deadline;
using namespace deadline::api;
using nlohmann::json;

TEST_CASE("the body must be sent as application/json") {
  CHECK_FALSE(require_json_content_type("application/json"));
  CHECK_FALSE(require_json_content_type("Application/JSON; charset=utf-8"));
  CHECK_FALSE(require_json_content_type(" application/json ;charset=UTF-8"));
  const auto form = require_json_content_type("application/x-www-form-urlencoded");
  REQUIRE(form);
  CHECK(form->status == http::Status::unsupported_media_type);
  CHECK(form->code == "unsupported_media_type");
  CHECK(form->field.empty());
  CHECK(form->message == "the body must be application/json, not 'application/x-www-form-urlencoded'");
  CHECK(require_json_content_type("")->message == "send the body as Content-Type: application/json");
  CHECK(require_json_content_type("application/jsonx"));
  // JSON is UTF-8: another declared charset is refused, not misread.
  CHECK_FALSE(require_json_content_type("application/json; charset=\"utf-8\""));
  CHECK_FALSE(require_json_content_type("application/json; foo=bar; charset=utf8"));
  const auto latin1 = require_json_content_type("application/json; charset=iso-8859-1");
  REQUIRE(latin1);
  CHECK(latin1->status == http::Status::bad_request);
  CHECK(latin1->code == "unsupported_charset");
  CHECK(latin1->message == "the body must be UTF-8 (charset=utf-8), not charset=iso-8859-1");
  CHECK(require_json_content_type("application/json;Charset=GBK")->code == "unsupported_charset");
}

TEST_CASE("a member given twice is refused, naming it") {
  const auto parsed = parse_json_object(R"({"email": "a@example.cn", "email": "b@example.cn"})");
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  const ApiError& e = std::get<ApiError>(parsed);
  CHECK(e.status == http::Status::bad_request);
  CHECK(e.code == "invalid_json");
  CHECK(e.field == "email");
  CHECK(e.message == "the member 'email' is given more than once");
  // Nested objects too; the same name in two different objects is fine.
  CHECK(std::get<ApiError>(parse_json_object(R"({"filters": {"groups": [], "groups": []}})")).field == "groups");
  CHECK(std::holds_alternative<json>(parse_json_object(R"({"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]})")));
}

TEST_CASE("only a JSON object, not too deep, is a body") {
  CHECK(std::get<json>(parse_json_object(R"({"email": "a@example.cn", "x": {"y": [1, "]]]"]}})")).contains("email"));
  const auto error = [](std::string_view body) {
    auto parsed = parse_json_object(body);
    REQUIRE(std::holds_alternative<ApiError>(parsed));
    return std::get<ApiError>(parsed);
  };
  CHECK(error("email=a%40example.cn").code == "invalid_json");
  CHECK(error("email=a%40example.cn").status == http::Status::bad_request);
  CHECK(error("[1, 2]").message == "the body must be a JSON object");
  CHECK(error("").message == "the body is not JSON (UTF-8)");
  CHECK(error("{\"email\": \"\xff\"}").message == "the body is not JSON (UTF-8)");
  CHECK(error(std::string(100000, '[')).message == "the body is nested deeper than 8 levels");
  CHECK(std::holds_alternative<json>(parse_json_object(R"({"a":[[[[[[["\"[[[[[[[[[[["]]]]]]]})")));
}

TEST_CASE("an error reply is the API's error shape, not cached") {
  const http::Response res = error_reply({http::Status::bad_request, "invalid_field", "email", "请输入有效的邮箱地址"},
                                         {11, true, false});
  CHECK(res.result() == http::Status::bad_request);
  CHECK(json::parse(res.body()) ==
        json{{"error", {{"code", "invalid_field"}, {"field", "email"}, {"message", "请输入有效的邮箱地址"}}}});
  CHECK(res[http::Field::cache_control] == "no-store");
  CHECK(res[http::Field::content_type] == "application/json; charset=utf-8");
}

TEST_CASE("an endpoint shows its URL as scheme and host only") {
  store::EndpointRecord robot;
  robot.id = 7;
  robot.kind = EndpointKind::wecom;
  robot.address = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY";
  robot.state = EndpointState::needs_attention;
  robot.state_reason = "errcode 93000";
  robot.leads = {"7d"};
  const json shown = endpoint_json(robot);
  CHECK(shown["address"] == "https://qyapi.weixin.qq.com/…");
  CHECK(shown.dump().find("SECRET") == std::string::npos);
  CHECK(shown["kind"] == "wecom");
  CHECK(shown["id"] == 7);
  CHECK(shown["state_reason"] == "errcode 93000");
  CHECK(shown["leads"] == json{"7d"});
  store::EndpointRecord hook = robot;
  hook.kind = EndpointKind::webhook;
  hook.address = "https://user:pw@hooks.example.cn:8443/private/path?token=x";
  hook.state_reason.clear();
  CHECK(endpoint_json(hook)["address"] == "https://hooks.example.cn:8443/…");  // the port tells two apart
  CHECK(endpoint_json(hook)["state_reason"].is_null());
  CHECK(endpoint_json(hook)["state"] == "needs_attention");  // its name, as docs/http-api.md shows it, not a number
  store::EndpointRecord mail = robot;
  mail.kind = EndpointKind::email;
  mail.address = "caiwu@qiye.example.cn";
  CHECK(endpoint_json(mail)["address"] == "caiwu@qiye.example.cn");
}

TEST_CASE("a NUL byte ends nothing: the whole body must be JSON") {
  using namespace std::string_literals;
  CHECK(std::holds_alternative<ApiError>(parse_json_object("{}\0{\"email\": 1}"s)));
  CHECK(std::holds_alternative<ApiError>(parse_json_object("{\"a\": \"x\0\"}"s)));
  CHECK(std::holds_alternative<nlohmann::json>(parse_json_object("{\"a\": \"x\\u0000\"}")));
}
