// SchedulingStore's contract (store/scheduling_store.h), as stories: who gets a message when a
// trigger fires, digests, supersession, expiry, repeats, downtime, the cursor, retention.

#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;

// Filters are written with designated initializers ({.programmes = {"p1"}}): the fields left out
// are meant to be empty, which is what this warning would complain about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

Trigger trigger(const std::string& window, const std::string& lead, const char* due, const char* closes,
                const std::string& programme = "p1") {
  Trigger t{window, lead, at(due), at(closes), {}};
  t.window.programme_id = programme;
  t.window.group = programme == "p1" ? "工业和信息化部门" : "科学技术部门";
  t.window.category = "资金引导";
  t.window.authority_text = "工业和信息化部（装备工业一司）";
  t.window.role = "企业";
  t.window.search_text = programme == "p1" ? "首台（套）重大技术装备保险补偿" : "概念验证中心";
  return t;
}

// An active subscriber `email` with one email endpoint; the endpoint's id.
template <class F>
std::int64_t subscribed(F& f, const std::string& email, EndpointFilters filters = {},
                        std::vector<std::string> leads = {}) {
  return f.endpoint(f.subscriber(email), EndpointKind::email, std::move(filters), std::move(leads));
}

// The reminders (window id and lead) the unsent messages of email endpoints hold, per endpoint.
template <class F>
std::map<std::int64_t, std::vector<std::string>> reminders_by_endpoint(F& f) {
  std::map<std::int64_t, std::vector<std::string>> out;
  for (const OutboundMessage& m : f.claim({EndpointKind::email}, 1000, 1000)) {
    for (const DeliveryItem& item : m.items) out[m.endpoint_id].push_back(item.window_id + " " + item.lead);
  }
  return out;
}

}  // namespace

STORE_CONTRACT("a trigger reaches every matching active endpoint once") {
  test::ContractFixture<Backend> f;
  const auto everything = subscribed(f, "all@example.cn");
  const auto by_programme = subscribed(f, "p1@example.cn", {.programmes = {"p1"}});
  const auto other_programme = subscribed(f, "p2@example.cn", {.programmes = {"p2"}});
  const auto by_group = subscribed(f, "group@example.cn", {.groups = {"工业和信息化部门"}});
  const auto by_keyword = subscribed(f, "kw@example.cn", {.keywords = {"保险补偿"}});
  const auto wrong_keyword = subscribed(f, "kw2@example.cn", {.keywords = {"博士后"}});
  const auto by_authority = subscribed(f, "auth@example.cn", {.authorities = {"装备工业一司"}});
  const auto both_must_match = subscribed(f, "and@example.cn", {.programmes = {"p1"}, .roles = {"推荐单位"}});
  const auto other_lead = subscribed(f, "lead@example.cn", {}, {"1d"});

  const FireOutcome outcome = f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  CHECK(outcome.new_triggers == 1);
  CHECK(outcome.messages == 5);
  CHECK(outcome.deliveries == 5);
  for (auto id : {everything, by_programme, by_group, by_keyword, by_authority}) CHECK(f.messages_of(id) == 1);
  for (auto id : {other_programme, wrong_keyword, both_must_match, other_lead}) CHECK(f.messages_of(id) == 0);
  CHECK(f.admin.trigger_count(TriggerOutcome::fired).value() == 1);
}

STORE_CONTRACT("firing a trigger again records nothing") {
  test::ContractFixture<Backend> f;
  subscribed(f, "a@example.cn");
  const auto t = trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z");
  CHECK(f.fire({t}).messages == 1);
  const FireOutcome again = f.fire({t});
  CHECK(again.new_triggers == 0);
  CHECK(again.already_recorded == 1);
  CHECK(again.messages == 0);
  CHECK(f.message_total() == 1);
}

STORE_CONTRACT("triggers due together make one digest message per endpoint") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "a@example.cn");
  const FireOutcome outcome = f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z"),
                                      trigger("p2/apply/2026", "14d", "2026-11-23T01:00Z", "2026-12-07T16:00Z", "p2")});
  CHECK(outcome.messages == 1);
  CHECK(outcome.deliveries == 2);
  CHECK(f.messages_of(e) == 1);
  // The message expires with its last window.
  const auto claimed = f.claim({EndpointKind::email});
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].items.size() == 2);
  CHECK(claimed[0].expires == at("2026-12-07T16:00Z"));
}

STORE_CONTRACT("after downtime only the latest missed lead per window and endpoint is sent") {
  test::ContractFixture<Backend> f;
  const auto all_leads = subscribed(f, "a@example.cn");
  const auto only_7d = subscribed(f, "b@example.cn", {}, {"7d"});
  const FireOutcome outcome = f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z"),
                                      trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")},
                                     FireKind::late);
  CHECK(outcome.new_triggers == 2);
  CHECK(outcome.deliveries == 2);
  f.now = at("2026-11-27T09:00+08:00");  // the latest lead's time: both are due
  auto reminders = reminders_by_endpoint(f);
  CHECK(reminders[all_leads] == std::vector<std::string>{"p1/apply/2026 3d"});
  CHECK(reminders[only_7d] == std::vector<std::string>{"p1/apply/2026 7d"});
  CHECK(f.admin.trigger_count(TriggerOutcome::late).value() == 2);
  CHECK(f.admin.trigger_count(TriggerOutcome::fired).value() == 0);
}

STORE_CONTRACT("a newer lead supersedes an unsent reminder of the same window") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  const FireOutcome newer = f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")});
  CHECK(newer.superseded_messages == 1);
  CHECK(f.messages_of(e, MessageState::expired) == 1);
  CHECK(f.messages_of(e, MessageState::pending) == 1);
}

STORE_CONTRACT("a digest stays while one of its windows still needs it") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z"),
          trigger("p2/apply/2026", "14d", "2026-11-23T01:00Z", "2026-12-07T16:00Z", "p2")});
  const FireOutcome newer = f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")});
  CHECK(newer.superseded_messages == 0);
  CHECK(f.messages_of(e, MessageState::pending) == 2);
  // The digest no longer carries the superseded reminder; the new message carries the newer one.
  f.now = at("2026-11-27T09:00+08:00");
  std::vector<std::string> reminders = reminders_by_endpoint(f)[e];
  std::sort(reminders.begin(), reminders.end());
  CHECK(reminders == std::vector<std::string>{"p1/apply/2026 3d", "p2/apply/2026 14d"});
}

STORE_CONTRACT("a delivered reminder is history - a newer lead does not touch it") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  f.attempt_all(AttemptResult::Outcome::delivered, {EndpointKind::email});
  CHECK(f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")}).superseded_messages == 0);
  CHECK(f.messages_of(e, MessageState::delivered) == 1);
}

STORE_CONTRACT("unsent messages expire when their window closes") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "a@example.cn");
  f.fire({trigger("p1/apply/2026", "1d", "2026-11-29T01:00Z", "2026-11-30T16:00Z")});
  CHECK(*f.scheduling.expire_closed(at("2026-11-30T15:59:59Z")) == 0);
  CHECK(*f.scheduling.expire_closed(at("2026-11-30T16:00Z")) == 1);
  CHECK(f.messages_of(e, MessageState::expired) == 1);
}

STORE_CONTRACT("inactive endpoints and pending or unsubscribed subscribers get nothing") {
  test::ContractFixture<Backend> f;
  const auto active = subscribed(f, "a@example.cn");
  const auto disabled = subscribed(f, "b@example.cn");
  REQUIRE(f.admin.disable_endpoint(disabled, "operator", f.now).value());
  const auto pending = f.endpoint(f.subscriber("c@example.cn", SubscriberState::pending), EndpointKind::email);
  const auto gone = subscribed(f, "d@example.cn");
  REQUIRE(f.admin.unsubscribe(f.endpoint_record(gone).subscriber_id, f.now).ok());
  CHECK(f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")}).messages == 1);
  CHECK(f.messages_of(active) == 1);
  for (auto id : {disabled, pending, gone}) CHECK(f.messages_of(id) == 0);
}

STORE_CONTRACT("unsubscribing expires what was not sent yet and revokes links") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  const auto subscriber = f.endpoint_record(e).subscriber_id;
  REQUIRE(f.admin.unsubscribe(subscriber, f.now).ok());
  CHECK(f.messages_of(e, MessageState::expired) == 1);
  CHECK(f.admin.find_subscriber(subscriber).value()->token_generation == 2);
  CHECK(f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")}).messages == 0);
}

STORE_CONTRACT("missed triggers are recorded without messages and the cursor never moves back") {
  test::ContractFixture<Backend> f;
  subscribed(f, "a@example.cn");
  CHECK_FALSE(f.scheduling.cursor().value().has_value());
  const auto t = trigger("p1/apply/2024", "1d", "2024-11-29T01:00Z", "2024-11-30T16:00Z");
  CHECK(*f.scheduling.record_missed({t}, f.now, f.now) == 1);
  CHECK(*f.scheduling.record_missed({t}, f.now, f.now) == 0);
  CHECK(f.message_total() == 0);
  CHECK(f.admin.trigger_count(TriggerOutcome::missed).value() == 1);
  CHECK(f.scheduling.cursor().value() == f.now);
  REQUIRE(f.scheduling.advance_cursor(f.now - std::chrono::hours{2}).ok());
  CHECK(f.scheduling.cursor().value() == f.now);
  REQUIRE(f.scheduling.advance_cursor(f.now + std::chrono::hours{2}).ok());
  CHECK(f.scheduling.cursor().value() == f.now + std::chrono::hours{2});
  // A missed trigger fired later (a restart replanning it) sends nothing: it is recorded.
  CHECK(f.fire({t}).messages == 0);
}

STORE_CONTRACT("retention purges old finished messages and unsubscribed addresses but keeps the hash") {
  test::ContractFixture<Backend> f;
  const auto e = subscribed(f, "old@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  f.attempt_all(AttemptResult::Outcome::delivered, {EndpointKind::email});
  const auto subscriber = f.endpoint_record(e).subscriber_id;
  REQUIRE(f.admin.unsubscribe(subscriber, f.now).ok());
  CHECK(f.scheduling.purge(f.now + date::days{29}, {}).value().messages == 0);
  const PurgeOutcome purged = f.scheduling.purge(f.now + date::days{91}, {}).value();
  CHECK(purged.messages == 1);
  CHECK(purged.subscribers == 1);
  CHECK_FALSE(f.admin.find_subscriber(subscriber).value()->email.has_value());
  CHECK(f.admin.search_endpoints(subscriber, std::nullopt, 0, 100).value().empty());
  // The address stays known as unsubscribed: adding it again is refused.
  CHECK_FALSE(f.admin.add_subscriber("OLD@example.cn", SubscriberState::active, f.now).ok());
}
