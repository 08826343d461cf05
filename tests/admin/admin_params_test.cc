// The admin API's ids, query parameters and disable body (lib/admin/admin_params.h).

#include <doctest/doctest.h>

#include "admin/admin_params.h"

using namespace deadline;
using namespace deadline::admin;

namespace {

template <class T>
http::ParamError error_of(const std::variant<T, http::ParamError>& parsed) {
  REQUIRE(std::holds_alternative<http::ParamError>(parsed));
  return std::get<http::ParamError>(parsed);
}

template <class T>
T value_of(const std::variant<T, http::ParamError>& parsed) {
  if (const auto* e = std::get_if<http::ParamError>(&parsed)) FAIL(e->message);
  return std::get<T>(parsed);
}

}  // namespace

TEST_CASE("a record id is a positive decimal that fits in 64 bits") {
  CHECK(value_of(parse_record_id("1")) == 1);
  CHECK(value_of(parse_record_id("9223372036854775807")) == 9223372036854775807);
  for (const char* bad : {"", "0", "-1", "+1", "01", "1.5", "1e3", "abc", "9223372036854775808",
                          "99999999999999999999", " 1", "%31"}) {
    CAPTURE(bad);
    const http::ParamError e = error_of(parse_record_id(bad));
    CHECK(e.code == "invalid_parameter");
    CHECK(e.field == "id");
  }
  CHECK(error_of(parse_record_id("x", "subscriber")).message ==
        "subscriber must be a whole number from 1 to 9223372036854775807, not 'x'");
}

TEST_CASE("a message id is 32 lower-case hex digits") {
  CHECK(value_of(parse_message_id("0123456789abcdef0123456789abcdef")) == "0123456789abcdef0123456789abcdef");
  for (const char* bad : {"", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde",
                          "0123456789abcdef0123456789abcdef0", "0123456789abcdeg0123456789abcdef"}) {
    CAPTURE(bad);
    CHECK(error_of(parse_message_id(bad)).field == "id");
  }
}

TEST_CASE("subscriber searches take email, state, after and limit") {
  const SubscriberQuery none = value_of(parse_subscriber_query(""));
  CHECK(none.email.empty());
  CHECK(!none.state);
  CHECK(none.after == 0);
  CHECK(none.limit == 100);
  const SubscriberQuery q = value_of(parse_subscriber_query("email=Example.CN&state=active&after=5&limit=1000"));
  CHECK(q.email == "Example.CN");
  CHECK(q.state == SubscriberState::active);
  CHECK(q.after == 5);
  CHECK(q.limit == 1000);
  CHECK(value_of(parse_subscriber_query("email=a%40b")).email == "a@b");
  CHECK(value_of(parse_subscriber_query("after=0")).after == 0);

  CHECK(error_of(parse_subscriber_query("state=gone")).message ==
        "state must be one of pending, active, unsubscribed, not 'gone'");
  CHECK(error_of(parse_subscriber_query("limit=0")).field == "limit");
  CHECK(error_of(parse_subscriber_query("limit=1001")).field == "limit");
  CHECK(error_of(parse_subscriber_query("limit=ten")).field == "limit");
  CHECK(error_of(parse_subscriber_query("email=")).field == "email");
  CHECK(error_of(parse_subscriber_query("after=-1")).field == "after");
  const http::ParamError repeated = error_of(parse_subscriber_query("state=active&state=pending"));
  CHECK(repeated.code == "invalid_parameter");
  CHECK(repeated.message == "state is given more than once");
  const http::ParamError unknown = error_of(parse_subscriber_query("mail=a"));
  CHECK(unknown.code == "unknown_parameter");
  CHECK(unknown.field == "mail");
  CHECK(unknown.message == "unknown parameter 'mail' (expected email, state, after, limit)");
  CHECK(error_of(parse_subscriber_query("email=%zz")).field == "email");
}

TEST_CASE("endpoint searches take subscriber, state, after and limit") {
  const EndpointQuery none = value_of(parse_endpoint_query(""));
  CHECK_FALSE(none.subscriber);
  const EndpointQuery q = value_of(parse_endpoint_query("subscriber=3&state=needs_attention&limit=2"));
  CHECK(q.subscriber == 3);
  CHECK(q.state == EndpointState::needs_attention);
  CHECK(q.limit == 2);
  CHECK(error_of(parse_endpoint_query("subscriber=0")).field == "subscriber");
  CHECK(error_of(parse_endpoint_query("state=pending")).field == "state");
  CHECK(error_of(parse_endpoint_query("email=x")).code == "unknown_parameter");
}

TEST_CASE("message lists take a state and a limit") {
  CHECK(!value_of(parse_message_query("")).state);
  for (const char* state : {"pending", "sending", "retry", "delivered", "dead", "expired"}) {
    CAPTURE(state);
    CHECK(value_of(parse_message_query(std::string("state=") + state)).state == parse_message_state(state));
    CHECK(value_of(parse_message_query(std::string("state=") + state)).state.has_value());
  }
  CHECK(value_of(parse_message_query("limit=7")).limit == 7);
  CHECK(error_of(parse_message_query("state=superseded")).field == "state");
  CHECK(error_of(parse_message_query("after=1")).code == "unknown_parameter");
}

TEST_CASE("routes without parameters refuse any") {
  CHECK_FALSE(refuse_parameters(""));
  const auto e = refuse_parameters("force=1");
  REQUIRE(e);
  CHECK(e->code == "unknown_parameter");
  CHECK(e->message == "unknown parameter 'force' (this route takes none)");
}

TEST_CASE("disabling needs a reason in a JSON object") {
  CHECK(value_of(parse_disable_body(R"({"reason": "receiver asked us to stop"})")) == "receiver asked us to stop");
  CHECK(value_of(parse_disable_body(R"({"reason": "滥用", "other": 1})")) == "滥用");
  CHECK(error_of(parse_disable_body("")).code == "invalid_body");
  CHECK(error_of(parse_disable_body("not json")).code == "invalid_body");
  CHECK(error_of(parse_disable_body(R"(["reason"])")).code == "invalid_body");
  for (const char* bad : {"{}", R"({"reason": ""})", R"({"reason": 5})", R"({"reason": null})",
                          R"({"reason": "two\nlines"})"}) {
    CAPTURE(bad);
    const http::ParamError e = error_of(parse_disable_body(bad));
    CHECK(e.code == "invalid_parameter");
    CHECK(e.field == "reason");
  }
  CHECK(error_of(parse_disable_body(R"({"reason": ")" + std::string(501, 'x') + "\"}")).field == "reason");
  CHECK(value_of(parse_disable_body(R"({"reason": ")" + std::string(500, 'x') + "\"}")).size() == 500);
}

TEST_CASE("a reload may say why, revisions are listed by programme and limit") {
  CHECK(value_of(parse_reload_body("")).empty());
  CHECK(value_of(parse_reload_body("{}")).empty());
  CHECK(value_of(parse_reload_body(R"({"reason": "关于延长申报时间的通知"})")) == "关于延长申报时间的通知");
  CHECK(error_of(parse_reload_body("not json")).code == "invalid_body");
  for (const char* bad : {R"({"reason": ""})", R"({"reason": 5})", R"({"reason": "two\nlines"})"}) {
    CAPTURE(bad);
    CHECK(error_of(parse_reload_body(bad)).field == "reason");
  }
  const RevisionQuery none = value_of(parse_revision_query(""));
  CHECK(none.programme.empty());
  CHECK(none.limit == 100);
  const RevisionQuery q = value_of(parse_revision_query("programme=p-move&limit=3"));
  CHECK(q.programme == "p-move");
  CHECK(q.limit == 3);
  CHECK(error_of(parse_revision_query("programme=P%20move")).field == "programme");
  CHECK(error_of(parse_revision_query("programme=")).field == "programme");
  CHECK(error_of(parse_revision_query("state=x")).code == "unknown_parameter");
}
