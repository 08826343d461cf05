// AdminStore's contract (store/admin_store.h): subscribers and endpoints by hand, searches, an
// operator's disable and what re-enabling then replays, replaying one message, counts by state.

#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;
using test::Ids;
using test::ids_of;

namespace {

// An endpoint of `subscriber_id` for programme p's 7-day reminders.
template <class F>
std::int64_t for_p(F& f, std::int64_t subscriber_id, EndpointKind kind = EndpointKind::webhook) {
  EndpointFilters filters;
  filters.programmes = {"p"};
  return f.endpoint(subscriber_id, kind, filters, {"7d"});
}

}  // namespace

STORE_CONTRACT("subscribers are added active or pending, once per address") {
  test::ContractFixture<Backend> f;
  const auto id = f.subscriber("Ops@Example.cn", SubscriberState::pending);
  const SubscriberRecord s = *f.admin.find_subscriber(id).value();
  CHECK(s.email == "Ops@Example.cn");
  CHECK(s.state == SubscriberState::pending);
  CHECK(s.token_generation == 1);
  CHECK(s.created_at == f.now);
  const auto again = f.admin.add_subscriber("ops@example.CN", SubscriberState::active, f.now);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().find("exists (id " + std::to_string(id) + ")") != std::string::npos);
  CHECK_FALSE(f.admin.add_subscriber("x@example.cn", SubscriberState::unsubscribed, f.now).ok());
  CHECK_FALSE(f.admin.find_subscriber(id + 1000).value());
}

STORE_CONTRACT("subscribers are found by a piece of their address, any case, and by state") {
  test::ContractFixture<Backend> f;
  const auto ops = f.subscriber("Ops@Example.cn");
  const auto sales = f.subscriber("sales@example.cn", SubscriberState::pending);
  const auto other = f.subscriber("x@other.org");
  const auto any = std::nullopt;
  CHECK(ids_of(f.admin.search_subscribers("", any, 0, 100).value()) == Ids{ops, sales, other});
  CHECK(ids_of(f.admin.search_subscribers("EXAMPLE.CN", any, 0, 100).value()) == Ids{ops, sales});
  CHECK(ids_of(f.admin.search_subscribers("example", SubscriberState::pending, 0, 100).value()) == Ids{sales});
  CHECK(ids_of(f.admin.search_subscribers("", SubscriberState::active, 0, 100).value()) == Ids{ops, other});
  CHECK(f.admin.search_subscribers("nobody", any, 0, 100).value().empty());
  // Paging: ids above `after`, at most `limit`.
  CHECK(ids_of(f.admin.search_subscribers("", any, 0, 2).value()) == Ids{ops, sales});
  CHECK(ids_of(f.admin.search_subscribers("", any, sales, 2).value()) == Ids{other});
  const SubscriberRecord found = f.admin.search_subscribers("ops@", any, 0, 1).value().at(0);
  CHECK(found.email == "Ops@Example.cn");
  CHECK(found.state == SubscriberState::active);
  CHECK(found.token_generation == 1);
  CHECK(found.created_at == f.now);
}

STORE_CONTRACT("a purged address matches no substring, but is still listed") {
  test::ContractFixture<Backend> f;
  const auto gone = f.subscriber("gone@example.cn");
  REQUIRE(f.admin.unsubscribe(gone, f.now).ok());
  REQUIRE(f.scheduling.purge(f.now + date::days{31}, {}).ok());
  CHECK(f.admin.search_subscribers("example", std::nullopt, 0, 100).value().empty());
  const auto all = f.admin.search_subscribers("", SubscriberState::unsubscribed, 0, 100).value();
  REQUIRE(all.size() == 1);
  CHECK_FALSE(all[0].email);
}

STORE_CONTRACT("endpoints are found by subscriber and state, with their choices") {
  test::ContractFixture<Backend> f;
  const auto s1 = f.subscriber("one@example.cn");
  const auto s2 = f.subscriber("two@example.cn");
  const auto e1 = for_p(f, s1);
  const auto e2 = for_p(f, s1, EndpointKind::email);
  const auto e3 = for_p(f, s2);
  const auto any = std::nullopt;
  CHECK(ids_of(f.admin.search_endpoints(any, any, 0, 100).value()) == Ids{e1, e2, e3});
  CHECK(ids_of(f.admin.search_endpoints(s1, any, 0, 100).value()) == Ids{e1, e2});
  CHECK(ids_of(f.admin.search_endpoints(s1, any, e1, 100).value()) == Ids{e2});
  CHECK(ids_of(f.admin.search_endpoints(any, any, 0, 1).value()) == Ids{e1});
  REQUIRE(f.admin.disable_endpoint(e3, "operator: test", f.now).ok());
  CHECK(ids_of(f.admin.search_endpoints(any, EndpointState::disabled, 0, 100).value()) == Ids{e3});
  CHECK(ids_of(f.admin.search_endpoints(s2, EndpointState::active, 0, 100).value()).empty());
  const EndpointRecord first = f.admin.search_endpoints(s1, any, 0, 1).value().at(0);
  CHECK(first.filters.programmes == std::vector<std::string>{"p"});
  CHECK(first.leads == std::vector<std::string>{"7d"});
}

STORE_CONTRACT("endpoints keep their filters and leads, and are removed once") {
  test::ContractFixture<Backend> f;
  EndpointFilters filters;
  filters.programmes = {"p1", "p2"};
  filters.keywords = {"补偿"};
  const auto id = f.endpoint(f.subscriber("a@example.cn"), EndpointKind::email, filters, {"7d", "1d"});
  const EndpointRecord e = f.endpoint_record(id);
  CHECK(e.kind == EndpointKind::email);
  CHECK(e.state == EndpointState::active);
  CHECK(e.filters.programmes == std::vector<std::string>{"p1", "p2"});
  CHECK(e.filters.keywords == std::vector<std::string>{"补偿"});
  CHECK(e.leads == std::vector<std::string>{"1d", "7d"});
  REQUIRE(f.admin.remove_endpoint(id).ok());
  CHECK(f.admin.remove_endpoint(id).error() == "endpoint " + std::to_string(id) + " not found");
  CHECK_FALSE(f.admin.find_endpoint(id).value());
  store::NewEndpoint orphan;
  orphan.subscriber_id = 9999;
  orphan.address = "x@example.cn";
  CHECK_FALSE(f.admin.add_endpoint(orphan, f.now).ok());
}

STORE_CONTRACT("removing a subscriber takes its endpoints and messages with it") {
  test::ContractFixture<Backend> f;
  const auto s = f.subscriber("a@example.cn");
  const auto e = for_p(f, s);
  f.fire_fresh();
  CHECK(f.message_total() == 1);
  REQUIRE(f.admin.remove_subscriber(s).ok());
  CHECK_FALSE(f.admin.find_subscriber(s).value());
  CHECK_FALSE(f.admin.find_endpoint(e).value());
  CHECK(f.message_total() == 0);
  CHECK_FALSE(f.admin.remove_subscriber(s).ok());
}

STORE_CONTRACT("a webhook's secret rotation: both sign while it runs, then only the new one") {
  test::ContractFixture<Backend> f;
  store::NewEndpoint e;
  e.subscriber_id = f.subscriber("a@example.cn");
  e.kind = EndpointKind::webhook;
  e.address = "https://hooks.example.cn/x";
  e.secret = "whsec_b2xk";
  const auto id = f.admin.add_endpoint(e, f.now).value();
  REQUIRE(f.admin.start_secret_rotation(id, "whsec_bmV3").ok());
  f.fire_fresh();
  CHECK(f.claim().at(0).secret == "whsec_bmV3 whsec_b2xk");  // current first, then the previous
  REQUIRE(f.admin.finish_secret_rotation(id).ok());
  f.fire_fresh();
  CHECK(f.claim().at(0).secret == "whsec_bmV3");
  const auto email = f.endpoint(f.subscriber("b@example.cn"), EndpointKind::email);
  CHECK_FALSE(f.admin.start_secret_rotation(email, "whsec_eA==").ok());
  CHECK_FALSE(f.admin.finish_secret_rotation(9999).ok());
}

STORE_CONTRACT("an operator's disable expires the endpoint's unsent messages, re-enabling replays them") {
  test::ContractFixture<Backend> f;
  const auto s = f.subscriber("ops@example.cn");
  const auto e = for_p(f, s);
  const auto other = for_p(f, f.subscriber("other@example.cn"));
  f.fire_fresh();
  f.attempt_all(AttemptResult::Outcome::delivered);  // one delivered message each
  f.fire_fresh();
  f.attempt_all(AttemptResult::Outcome::retry);      // one in retry each
  f.fire_fresh();                                    // one pending each
  const auto expired = f.admin.disable_endpoint(e, "operator: receiver asked us to stop", f.now);
  REQUIRE(expired.ok());
  CHECK(*expired == std::optional<std::int64_t>{2});
  CHECK(f.messages_of(e, MessageState::expired) == 2);
  CHECK(f.messages_of(e, MessageState::delivered) == 1);  // what was sent stays sent
  CHECK(f.messages_of(other, MessageState::retry) == 1);  // other endpoints are untouched
  CHECK(f.messages_of(other, MessageState::pending) == 1);
  const EndpointRecord record = f.endpoint_record(e);
  CHECK(record.state == EndpointState::disabled);
  CHECK(record.state_reason == "operator: receiver asked us to stop");
  const auto notices = f.outbox.pending_notices(10).value();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].what == "disabled");
  CHECK(notices[0].endpoint_id == e);
  CHECK(notices[0].reason == "operator: receiver asked us to stop");
  // Disabling again, or an unknown endpoint, changes nothing.
  CHECK(f.admin.disable_endpoint(e, "again", f.now).value() == std::nullopt);
  CHECK(f.admin.disable_endpoint(9999, "x", f.now).value() == std::nullopt);
  CHECK(f.endpoint_record(e).state_reason == "operator: receiver asked us to stop");
  // Re-enabling replays what the disable expired.
  CHECK(f.admin.reenable_endpoint(s, 1, e, f.now).value() == 2);
  CHECK(f.messages_of(e, MessageState::retry) == 2);
  CHECK(f.endpoint_record(e).state == EndpointState::active);
}

STORE_CONTRACT("a needs_attention endpoint can be disabled too, an unsubscribed one cannot") {
  test::ContractFixture<Backend> f;
  const auto e = for_p(f, f.subscriber("ops@example.cn"));
  f.fire_fresh();
  AttemptResult refused;
  refused.message_id = f.claim().at(0).id;
  refused.endpoint_id = e;
  refused.outcome = AttemptResult::Outcome::retry;
  refused.next_attempt = f.now;
  refused.error = "errcode 93000";
  refused.endpoint_needs_attention = true;
  f.record({refused});
  REQUIRE(f.endpoint_record(e).state == EndpointState::needs_attention);
  CHECK(f.admin.disable_endpoint(e, "operator", f.now).value() == std::optional<std::int64_t>{1});
  const auto s2 = f.subscriber("two@example.cn");
  const auto e2 = for_p(f, s2);
  REQUIRE(f.admin.unsubscribe(s2, f.now).ok());
  CHECK(f.admin.disable_endpoint(e2, "operator", f.now).value() == std::nullopt);
  CHECK(f.endpoint_record(e2).state == EndpointState::unsubscribed);
}

STORE_CONTRACT("a dead message is replayed: back to retry now, attempts reset, same id") {
  test::ContractFixture<Backend> f;
  const auto e = for_p(f, f.subscriber("ops@example.cn"));
  f.fire_fresh();
  const std::string id = f.attempt_all(AttemptResult::Outcome::dead).at(0);
  const MessageRecord dead = *f.admin.find_message(id).value();
  CHECK(dead.state == MessageState::dead);
  CHECK(dead.attempts == 1);
  CHECK(dead.endpoint_id == e);
  CHECK(dead.last_error == "HTTP 500");
  f.now += std::chrono::minutes{5};
  CHECK(f.admin.replay_message(id, f.now).value());
  const MessageRecord replayed = *f.admin.find_message(id).value();
  CHECK(replayed.state == MessageState::retry);
  CHECK(replayed.attempts == 0);
  CHECK(replayed.next_attempt == f.now);
  CHECK(replayed.updated == f.now);
  const auto claimed = f.claim({EndpointKind::webhook}, 10, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == id);
  CHECK(claimed[0].attempts == 1);
}

STORE_CONTRACT("only a dead or expired message with time left, of an active endpoint, is replayed") {
  test::ContractFixture<Backend> f;
  const auto s = f.subscriber("ops@example.cn");
  const auto e = for_p(f, s);
  f.fire_fresh();
  const std::string delivered = f.attempt_all(AttemptResult::Outcome::delivered).at(0);
  CHECK_FALSE(f.admin.replay_message(delivered, f.now).value());
  f.fire_fresh();
  const std::string pending = f.message_ids(e, MessageState::pending).at(0);
  CHECK_FALSE(f.admin.replay_message(pending, f.now).value());
  CHECK(f.state_of(pending) == MessageState::pending);
  CHECK_FALSE(f.admin.replay_message("0123456789abcdef0123456789abcdef", f.now).value());
  CHECK_FALSE(f.admin.find_message("0123456789abcdef0123456789abcdef").value());
  // Expired by the disable: not while the endpoint is disabled, yes once it is active again
  // (re-enabling replays it itself, so it is expired again to try replay_message alone).
  REQUIRE(f.admin.disable_endpoint(e, "operator", f.now).ok());
  CHECK(f.state_of(pending) == MessageState::expired);
  CHECK_FALSE(f.admin.replay_message(pending, f.now).value());
  CHECK(f.admin.reenable_endpoint(s, 1, e, f.now).value() == 1);
  CHECK(f.state_of(pending) == MessageState::retry);
  // A message whose windows have all closed has nothing left to say.
  f.fire_fresh(at("2026-11-23T01:00:30Z"));  // closes 30 s after now
  const std::string closing = f.message_ids(e, MessageState::pending).at(0);
  f.now += std::chrono::seconds{30};
  REQUIRE(f.scheduling.expire_closed(f.now).ok());
  CHECK(f.state_of(closing) == MessageState::expired);
  CHECK_FALSE(f.admin.replay_message(closing, f.now).value());
}

STORE_CONTRACT("messages are listed newest first, by state or all") {
  test::ContractFixture<Backend> f;
  for_p(f, f.subscriber("ops@example.cn"));
  f.fire_fresh();
  const std::string dead = f.attempt_all(AttemptResult::Outcome::dead).at(0);
  f.now += std::chrono::minutes{1};
  f.fire_fresh();
  const auto all = f.admin.list_messages(std::nullopt, 10).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].state == MessageState::pending);  // updated last
  CHECK(all[1].id == dead);
  CHECK(f.admin.list_messages(std::nullopt, 1).value().size() == 1);
  CHECK(f.admin.list_messages(MessageState::sending, 10).value().empty());
}

STORE_CONTRACT("subscribers, endpoints, messages and triggers are counted by state") {
  test::ContractFixture<Backend> f;
  CHECK(f.admin.subscriber_counts().value().empty());
  CHECK(f.admin.endpoint_counts().value().empty());
  CHECK(f.admin.message_counts().value().empty());
  const auto s1 = f.subscriber("one@example.cn");
  f.subscriber("two@example.cn", SubscriberState::pending);
  f.subscriber("three@example.cn", SubscriberState::pending);
  const auto e1 = for_p(f, s1);
  for_p(f, s1);
  f.fire_fresh();
  REQUIRE(f.admin.disable_endpoint(e1, "operator", f.now).ok());
  CHECK(f.admin.subscriber_counts().value() ==
        std::map<SubscriberState, std::int64_t>{{SubscriberState::active, 1}, {SubscriberState::pending, 2}});
  CHECK(f.admin.endpoint_counts().value() ==
        std::map<EndpointState, std::int64_t>{{EndpointState::active, 1}, {EndpointState::disabled, 1}});
  CHECK(f.admin.message_counts().value() ==
        MessageCounts{{MessageState::pending, 1}, {MessageState::expired, 1}});
  CHECK(f.admin.trigger_count(TriggerOutcome::fired).value() == 1);
  const OutboxMetrics metrics = f.admin.outbox_metrics().value();
  CHECK(metrics.messages.at({"webhook", MessageState::pending}) == 1);
  CHECK(metrics.triggers.at("fired") == 1);
  CHECK(metrics.oldest_unsent == f.now);
}
