// The admin API's JSON for store records (lib/admin/admin_json.h).

#include <doctest/doctest.h>

#include "admin/admin_json.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::admin;
using nlohmann::json;

TEST_CASE("a subscriber, purged or not") {
  store::SubscriberRecord s;
  s.id = 4;
  s.email = "ops@example.cn";
  s.state = SubscriberState::active;
  s.token_generation = 2;
  s.created_at = *parse_iso8601("2026-11-27T01:00Z");
  CHECK(subscriber_json(s) == json{{"id", 4}, {"email", "ops@example.cn"}, {"state", "active"},
                                   {"token_generation", 2}, {"created_at", "2026-11-27T01:00:00Z"}});
  s.email.reset();
  CHECK(subscriber_json(s)["email"].is_null());
}

TEST_CASE("an endpoint shows a robot's URL as scheme and host only") {
  store::EndpointRecord e;
  e.id = 9;
  e.subscriber_id = 4;
  e.kind = EndpointKind::wecom;
  e.address = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY";
  e.state = EndpointState::disabled;
  e.state_reason = "operator: abuse";
  e.filters.programmes = {"p1"};
  e.leads = {"7d"};
  e.created_at = *parse_iso8601("2026-11-27T01:00Z");
  const json j = endpoint_json(e);
  CHECK(j["address"] == "https://qyapi.weixin.qq.com");
  CHECK(j.dump().find("SECRET") == std::string::npos);
  CHECK(j["kind"] == "wecom");
  CHECK(j["state_reason"] == "operator: abuse");
  CHECK(j["filters"]["programmes"] == json{"p1"});
  CHECK(j["filters"]["keywords"] == json::array());
  CHECK(j["leads"] == json{"7d"});
  e.kind = EndpointKind::email;
  e.address = "ops@example.cn";
  e.state_reason.clear();
  CHECK(endpoint_json(e)["address"] == "ops@example.cn");
  CHECK(endpoint_json(e)["state_reason"].is_null());
}

TEST_CASE("a message and counts with every state") {
  store::MessageRecord m{"0123456789abcdef0123456789abcdef", 9, MessageState::dead, 3,
                         *parse_iso8601("2026-11-27T01:00Z"), *parse_iso8601("2026-11-27T02:00Z"),
                         *parse_iso8601("2026-11-27T03:00Z"), "HTTP 500"};
  CHECK(message_json(m) == json{{"id", "0123456789abcdef0123456789abcdef"}, {"endpoint_id", 9}, {"state", "dead"},
                                {"attempts", 3}, {"due", "2026-11-27T01:00:00Z"},
                                {"next_attempt", "2026-11-27T02:00:00Z"}, {"updated", "2026-11-27T03:00:00Z"},
                                {"last_error", "HTTP 500"}});
  CHECK(counts_json(std::map<SubscriberState, std::int64_t>{{SubscriberState::active, 2}}, kSubscriberStates) ==
        json{{"pending", 0}, {"active", 2}, {"unsubscribed", 0}});
  CHECK(occurring_counts_json(std::map<SubscriberState, std::int64_t>{{SubscriberState::active, 2}}, kSubscriberStates) ==
        json{{"active", 2}});
}
