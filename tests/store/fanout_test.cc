// The fan-out transaction, as stories: who gets a message when a trigger fires, digests,
// supersession, expiry, repeats, downtime, retention.

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "store/sqlite_store.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::store;

// Filters are written with designated initializers ({.programmes = {"p1"}}): the fields left out
// are meant to be empty, which is what this warning would complain about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

using test::at;

TriggerFacts trigger(const std::string& window, const std::string& lead, const char* due, const char* closes,
                     const std::string& programme = "p1") {
  TriggerFacts t;
  t.window_id = window;
  t.programme_id = programme;
  t.lead = lead;
  t.due = at(due);
  t.closes = at(closes);
  t.key = window + "|" + lead + "|" + closes;
  t.group = programme == "p1" ? "工业和信息化部门" : "科学技术部门";
  t.category = "资金引导";
  t.authority_text = "工业和信息化部（装备工业一司）";
  t.role = "企业";
  t.search_text = programme == "p1" ? "首台（套）重大技术装备保险补偿" : "概念验证中心";
  return t;
}

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store = SqliteStore::open(dir / "db.sqlite").value();
  Instant now = at("2026-11-27T09:00+08:00");

  std::int64_t endpoint(const std::string& email, EndpointFilters filters = {}, std::vector<std::string> leads = {}) {
    const auto subscriber = store->add_subscriber(email, "active", now);
    REQUIRE_MESSAGE(subscriber.ok(), subscriber.error());
    NewEndpoint e;
    e.subscriber_id = *subscriber;
    e.address = email;
    e.filters = std::move(filters);
    e.leads = std::move(leads);
    const auto id = store->add_endpoint(e, now);
    REQUIRE_MESSAGE(id.ok(), id.error());
    return *id;
  }

  FireOutcome fire(const std::vector<TriggerFacts>& triggers, FireKind kind = FireKind::on_time) {
    auto outcome = store->fire(triggers, kind, now, now);
    REQUIRE_MESSAGE(outcome.ok(), outcome.error());
    return *outcome;
  }

  std::int64_t query(const std::string& sql) { return store->database().execAndGet(sql).getInt64(); }
  std::int64_t messages_of(std::int64_t endpoint_id, const char* state = "pending") {
    return query("SELECT count(*) FROM messages WHERE endpoint_id = " + std::to_string(endpoint_id) +
                 " AND state = '" + state + "'");
  }
};

}  // namespace

TEST_CASE("a trigger reaches every matching active endpoint once") {
  Fixture f;
  const auto everything = f.endpoint("all@example.cn");
  const auto by_programme = f.endpoint("p1@example.cn", {.programmes = {"p1"}});
  const auto other_programme = f.endpoint("p2@example.cn", {.programmes = {"p2"}});
  const auto by_group = f.endpoint("group@example.cn", {.groups = {"工业和信息化部门"}});
  const auto by_keyword = f.endpoint("kw@example.cn", {.keywords = {"保险补偿"}});
  const auto wrong_keyword = f.endpoint("kw2@example.cn", {.keywords = {"博士后"}});
  const auto by_authority = f.endpoint("auth@example.cn", {.authorities = {"装备工业一司"}});
  const auto both_must_match = f.endpoint("and@example.cn", {.programmes = {"p1"}, .roles = {"推荐单位"}});
  const auto other_lead = f.endpoint("lead@example.cn", {}, {"1d"});

  const FireOutcome outcome = f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  CHECK(outcome.new_triggers == 1);
  CHECK(outcome.messages == 5);
  CHECK(outcome.deliveries == 5);
  for (auto id : {everything, by_programme, by_group, by_keyword, by_authority}) CHECK(f.messages_of(id) == 1);
  for (auto id : {other_programme, wrong_keyword, both_must_match, other_lead}) CHECK(f.messages_of(id) == 0);
  CHECK(f.query("SELECT messages FROM triggers") == 5);
}

TEST_CASE("firing a trigger again records nothing") {
  Fixture f;
  f.endpoint("a@example.cn");
  const auto t = trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z");
  CHECK(f.fire({t}).messages == 1);
  const FireOutcome again = f.fire({t});
  CHECK(again.new_triggers == 0);
  CHECK(again.already_recorded == 1);
  CHECK(again.messages == 0);
  CHECK(f.query("SELECT count(*) FROM messages") == 1);
}

TEST_CASE("triggers due together make one digest message per endpoint") {
  Fixture f;
  const auto e = f.endpoint("a@example.cn");
  const FireOutcome outcome = f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z"),
                                      trigger("p2/apply/2026", "14d", "2026-11-23T01:00Z", "2026-12-07T16:00Z", "p2")});
  CHECK(outcome.messages == 1);
  CHECK(outcome.deliveries == 2);
  CHECK(f.messages_of(e) == 1);
  // The message expires with its last window.
  CHECK(f.query("SELECT expires_at FROM messages") == at("2026-12-07T16:00Z").time_since_epoch().count());
}

TEST_CASE("after downtime only the latest missed lead per window and endpoint is sent") {
  Fixture f;
  const auto all_leads = f.endpoint("a@example.cn");
  const auto only_7d = f.endpoint("b@example.cn", {}, {"7d"});
  const FireOutcome outcome = f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z"),
                                      trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")},
                                     FireKind::late);
  CHECK(outcome.new_triggers == 2);
  CHECK(outcome.deliveries == 2);
  CHECK(f.store->database().execAndGet("SELECT lead FROM deliveries WHERE endpoint_id = " + std::to_string(all_leads)).getString() == "3d");
  CHECK(f.store->database().execAndGet("SELECT lead FROM deliveries WHERE endpoint_id = " + std::to_string(only_7d)).getString() == "7d");
  CHECK(f.query("SELECT count(*) FROM triggers WHERE outcome = 'late'") == 2);
}

TEST_CASE("a newer lead supersedes an unsent reminder of the same window") {
  Fixture f;
  const auto e = f.endpoint("a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  const FireOutcome newer = f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")});
  CHECK(newer.superseded_messages == 1);
  CHECK(f.messages_of(e, "expired") == 1);
  CHECK(f.messages_of(e, "pending") == 1);
}

TEST_CASE("a digest stays while one of its windows still needs it") {
  Fixture f;
  const auto e = f.endpoint("a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z"),
          trigger("p2/apply/2026", "14d", "2026-11-23T01:00Z", "2026-12-07T16:00Z", "p2")});
  const FireOutcome newer = f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")});
  CHECK(newer.superseded_messages == 0);
  CHECK(f.messages_of(e, "pending") == 2);
  CHECK(f.query("SELECT count(*) FROM deliveries WHERE superseded = 1") == 1);
}

TEST_CASE("a delivered reminder is history - a newer lead does not touch it") {
  Fixture f;
  const auto e = f.endpoint("a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  f.store->database().exec("UPDATE messages SET state = 'delivered'");
  CHECK(f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")}).superseded_messages == 0);
  CHECK(f.messages_of(e, "delivered") == 1);
}

TEST_CASE("unsent messages expire when their window closes") {
  Fixture f;
  const auto e = f.endpoint("a@example.cn");
  f.fire({trigger("p1/apply/2026", "1d", "2026-11-29T01:00Z", "2026-11-30T16:00Z")});
  CHECK(*f.store->expire_closed(at("2026-11-30T15:59:59Z")) == 0);
  CHECK(*f.store->expire_closed(at("2026-11-30T16:00Z")) == 1);
  CHECK(f.messages_of(e, "expired") == 1);
}

TEST_CASE("inactive endpoints and pending or unsubscribed subscribers get nothing") {
  Fixture f;
  const auto active = f.endpoint("a@example.cn");
  const auto disabled = f.endpoint("b@example.cn");
  f.store->database().exec("UPDATE endpoints SET state = 'disabled' WHERE id = " + std::to_string(disabled));
  const auto pending_subscriber = f.store->add_subscriber("c@example.cn", "pending", f.now).value();
  NewEndpoint pending_endpoint;
  pending_endpoint.subscriber_id = pending_subscriber;
  pending_endpoint.address = "c@example.cn";
  const auto pending = f.store->add_endpoint(pending_endpoint, f.now).value();
  CHECK(f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")}).messages == 1);
  CHECK(f.messages_of(active) == 1);
  CHECK(f.messages_of(pending) == 0);
}

TEST_CASE("unsubscribing expires what was not sent yet and revokes links") {
  Fixture f;
  const auto e = f.endpoint("a@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  const auto subscriber = f.store->find_endpoint(e).value()->subscriber_id;
  REQUIRE(f.store->unsubscribe(subscriber, f.now).ok());
  CHECK(f.messages_of(e, "expired") == 1);
  CHECK(f.store->find_subscriber(subscriber).value()->token_generation == 2);
  CHECK(f.fire({trigger("p1/apply/2026", "3d", "2026-11-27T01:00Z", "2026-11-30T16:00Z")}).messages == 0);
}

TEST_CASE("missed triggers are recorded without messages and the cursor never moves back") {
  Fixture f;
  f.endpoint("a@example.cn");
  CHECK_FALSE(f.store->cursor().value().has_value());
  const auto t = trigger("p1/apply/2024", "1d", "2024-11-29T01:00Z", "2024-11-30T16:00Z");
  CHECK(*f.store->record_missed({t}, f.now, f.now) == 1);
  CHECK(*f.store->record_missed({t}, f.now, f.now) == 0);
  CHECK(f.query("SELECT count(*) FROM messages") == 0);
  CHECK(f.store->cursor().value() == f.now);
  REQUIRE(f.store->advance_cursor(f.now - std::chrono::hours{2}).ok());
  CHECK(f.store->cursor().value() == f.now);
}

TEST_CASE("retention purges old finished messages and unsubscribed addresses but keeps the hash") {
  Fixture f;
  const auto e = f.endpoint("old@example.cn");
  f.fire({trigger("p1/apply/2026", "7d", "2026-11-23T01:00Z", "2026-11-30T16:00Z")});
  f.store->database().exec("UPDATE messages SET state = 'delivered'");
  const auto subscriber = f.store->find_endpoint(e).value()->subscriber_id;
  REQUIRE(f.store->unsubscribe(subscriber, f.now).ok());
  CHECK(f.store->purge(f.now + date::days{29}, {}).value().messages == 0);
  const PurgeOutcome purged = f.store->purge(f.now + date::days{91}, {}).value();
  CHECK(purged.messages == 1);
  CHECK(purged.subscribers == 1);
  CHECK_FALSE(f.store->find_subscriber(subscriber).value()->email.has_value());
  CHECK(f.store->list_endpoints(subscriber).value().empty());
  // The address stays known as unsubscribed: adding it again is refused.
  const auto again = f.store->add_subscriber("OLD@example.cn", "active", f.now);
  CHECK_FALSE(again.ok());
}

TEST_CASE("endpoints keep their filters and leads") {
  Fixture f;
  const auto id = f.endpoint("a@example.cn", {.programmes = {"p1", "p2"}, .keywords = {"补偿"}}, {"7d", "1d"});
  const EndpointRecord e = *f.store->find_endpoint(id).value();
  CHECK(e.filters.programmes == std::vector<std::string>{"p1", "p2"});
  CHECK(e.filters.keywords == std::vector<std::string>{"补偿"});
  CHECK(e.leads == std::vector<std::string>{"1d", "7d"});
  REQUIRE(f.store->remove_endpoint(id).ok());
  CHECK(f.store->remove_endpoint(id).error() == "endpoint " + std::to_string(id) + " not found");
}
