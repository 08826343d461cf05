// The store's admin API methods (lib/store/sqlite_admin.cc): searches, an operator's disable and
// what re-enabling then replays, replaying one message, counts by state.

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "store/sqlite_store.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::store;

namespace {

using test::at;

struct Admin {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store = SqliteStore::open(dir / "db.sqlite").value();
  Instant now = at("2026-11-23T09:00+08:00");
  int windows = 0;

  std::int64_t subscriber(const std::string& email, const std::string& state = "active") {
    return store->add_subscriber(email, state, now).value();
  }
  std::int64_t endpoint(std::int64_t subscriber_id, EndpointKind kind = EndpointKind::webhook) {
    NewEndpoint e;
    e.subscriber_id = subscriber_id;
    e.kind = kind;
    e.address = kind == EndpointKind::email ? "a@example.cn" : "https://hooks.example.cn/x";
    e.filters.programmes = {"p"};
    e.leads = {"7d"};
    return store->add_endpoint(e, now).value();
  }
  // One new trigger for programme p (a fresh window): one message per matching endpoint.
  void fire(const char* closes = "2026-11-30T16:00Z") {
    TriggerFacts t;
    t.window_id = "p/w" + std::to_string(++windows) + "/2026";
    t.programme_id = "p";
    t.lead = "7d";
    t.due = now;
    t.closes = at(closes);
    t.key = t.window_id + "|7d";
    REQUIRE(store->fire({t}, FireKind::on_time, now, now).ok());
  }
  // Claims every ready message and records `outcome` for each.
  std::vector<std::string> attempt(AttemptResult::Outcome outcome) {
    const auto claimed = store->claim_ready(now, {EndpointKind::webhook}, 100, 100).value();
    std::vector<AttemptResult> results;
    std::vector<std::string> ids;
    for (const OutboundMessage& m : claimed) {
      AttemptResult r;
      r.message_id = m.id;
      r.endpoint_id = m.endpoint_id;
      r.outcome = outcome;
      r.next_attempt = now + std::chrono::hours{1};
      r.error = outcome == AttemptResult::Outcome::delivered ? "" : "HTTP 500";
      results.push_back(r);
      ids.push_back(m.id);
    }
    REQUIRE(store->record_attempts(results, now, {}).ok());
    return ids;
  }
  std::vector<std::string> message_ids(std::int64_t endpoint_id, const std::string& state) {
    SQLite::Statement q(store->database(), "SELECT id FROM messages WHERE endpoint_id = ? AND state = ? ORDER BY id");
    q.bind(1, endpoint_id);
    q.bind(2, state);
    std::vector<std::string> ids;
    while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
    return ids;
  }
};

std::vector<std::int64_t> ids_of(const std::vector<SubscriberRecord>& records) {
  std::vector<std::int64_t> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

std::vector<std::int64_t> ids_of(const std::vector<EndpointRecord>& records) {
  std::vector<std::int64_t> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

using Ids = std::vector<std::int64_t>;

}  // namespace

TEST_CASE("subscribers are found by a piece of their address, any case, and by state") {
  Admin a;
  const auto ops = a.subscriber("Ops@Example.cn");
  const auto sales = a.subscriber("sales@example.cn", "pending");
  const auto other = a.subscriber("x@other.org");
  CHECK(ids_of(a.store->search_subscribers("", "", 0, 100).value()) == Ids{ops, sales, other});
  CHECK(ids_of(a.store->search_subscribers("EXAMPLE.CN", "", 0, 100).value()) == Ids{ops, sales});
  CHECK(ids_of(a.store->search_subscribers("example", "pending", 0, 100).value()) == Ids{sales});
  CHECK(ids_of(a.store->search_subscribers("", "active", 0, 100).value()) == Ids{ops, other});
  CHECK(a.store->search_subscribers("nobody", "", 0, 100).value().empty());
  // Paging: ids above `after`, at most `limit`.
  CHECK(ids_of(a.store->search_subscribers("", "", 0, 2).value()) == Ids{ops, sales});
  CHECK(ids_of(a.store->search_subscribers("", "", sales, 2).value()) == Ids{other});
  const SubscriberRecord found = a.store->search_subscribers("ops@", "", 0, 1).value().at(0);
  CHECK(found.email == "Ops@Example.cn");
  CHECK(found.state == "active");
  CHECK(found.token_generation == 1);
  CHECK(found.created_at == a.now);
}

TEST_CASE("a purged address matches no substring, but is still listed") {
  Admin a;
  const auto gone = a.subscriber("gone@example.cn");
  REQUIRE(a.store->unsubscribe(gone, a.now).ok());
  REQUIRE(a.store->purge(a.now + date::days{31}, {}).ok());
  CHECK(a.store->search_subscribers("example", "", 0, 100).value().empty());
  const auto all = a.store->search_subscribers("", "unsubscribed", 0, 100).value();
  REQUIRE(all.size() == 1);
  CHECK_FALSE(all[0].email);
}

TEST_CASE("endpoints are found by subscriber and state, with their choices") {
  Admin a;
  const auto s1 = a.subscriber("one@example.cn");
  const auto s2 = a.subscriber("two@example.cn");
  const auto e1 = a.endpoint(s1);
  const auto e2 = a.endpoint(s1, EndpointKind::email);
  const auto e3 = a.endpoint(s2);
  CHECK(ids_of(a.store->search_endpoints(std::nullopt, "", 0, 100).value()) == Ids{e1, e2, e3});
  CHECK(ids_of(a.store->search_endpoints(s1, "", 0, 100).value()) == Ids{e1, e2});
  CHECK(ids_of(a.store->search_endpoints(s1, "", e1, 100).value()) == Ids{e2});
  CHECK(ids_of(a.store->search_endpoints(std::nullopt, "", 0, 1).value()) == Ids{e1});
  REQUIRE(a.store->disable_endpoint(e3, "operator: test", a.now).ok());
  CHECK(ids_of(a.store->search_endpoints(std::nullopt, "disabled", 0, 100).value()) == Ids{e3});
  CHECK(ids_of(a.store->search_endpoints(s2, "active", 0, 100).value()).empty());
  const EndpointRecord first = a.store->search_endpoints(s1, "", 0, 1).value().at(0);
  CHECK(first.filters.programmes == std::vector<std::string>{"p"});
  CHECK(first.leads == std::vector<std::string>{"7d"});
}

TEST_CASE("an operator's disable expires the endpoint's unsent messages; re-enabling replays them") {
  Admin a;
  const auto s = a.subscriber("ops@example.cn");
  const auto e = a.endpoint(s);
  const auto other = a.endpoint(a.subscriber("other@example.cn"));
  a.fire();
  a.attempt(AttemptResult::Outcome::delivered);  // one delivered message each
  a.fire();
  a.attempt(AttemptResult::Outcome::retry);      // one in retry each
  a.fire();                                      // one pending each
  const auto expired = a.store->disable_endpoint(e, "operator: receiver asked us to stop", a.now);
  REQUIRE(expired.ok());
  CHECK(*expired == std::optional<std::int64_t>{2});
  CHECK(a.message_ids(e, "expired").size() == 2);
  CHECK(a.message_ids(e, "delivered").size() == 1);  // what was sent stays sent
  CHECK(a.message_ids(other, "retry").size() == 1);   // other endpoints are untouched
  CHECK(a.message_ids(other, "pending").size() == 1);
  const EndpointRecord record = *a.store->find_endpoint(e).value();
  CHECK(record.state == "disabled");
  CHECK(record.state_reason == "operator: receiver asked us to stop");
  const auto notices = a.store->pending_notices(10).value();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].what == "disabled");
  CHECK(notices[0].endpoint_id == e);
  CHECK(notices[0].reason == "operator: receiver asked us to stop");
  // Disabling again, or an unknown endpoint, changes nothing.
  CHECK(a.store->disable_endpoint(e, "again", a.now).value() == std::nullopt);
  CHECK(a.store->disable_endpoint(9999, "x", a.now).value() == std::nullopt);
  CHECK(a.store->find_endpoint(e).value()->state_reason == "operator: receiver asked us to stop");
  // Re-enabling replays what the disable expired.
  CHECK(a.store->reenable_endpoint(s, 1, e, a.now).value() == 2);
  CHECK(a.message_ids(e, "retry").size() == 2);
}

TEST_CASE("a needs_attention endpoint can be disabled too; an unsubscribed one cannot") {
  Admin a;
  const auto s = a.subscriber("ops@example.cn");
  const auto e = a.endpoint(s);
  SQLite::Statement attention(a.store->database(), "UPDATE endpoints SET state = 'needs_attention' WHERE id = ?");
  attention.bind(1, e);
  attention.exec();
  CHECK(a.store->disable_endpoint(e, "operator", a.now).value() == std::optional<std::int64_t>{0});
  const auto s2 = a.subscriber("two@example.cn");
  const auto e2 = a.endpoint(s2);
  REQUIRE(a.store->unsubscribe(s2, a.now).ok());
  CHECK(a.store->disable_endpoint(e2, "operator", a.now).value() == std::nullopt);
  CHECK(a.store->find_endpoint(e2).value()->state == "unsubscribed");
}

TEST_CASE("a dead message is replayed: back to retry now, attempts reset, same id") {
  Admin a;
  const auto e = a.endpoint(a.subscriber("ops@example.cn"));
  a.fire();
  const std::string id = a.attempt(AttemptResult::Outcome::dead).at(0);
  const MessageRecord dead = *a.store->find_message(id).value();
  CHECK(dead.state == "dead");
  CHECK(dead.attempts == 1);
  CHECK(dead.endpoint_id == e);
  CHECK(dead.last_error == "HTTP 500");
  a.now += std::chrono::minutes{5};
  CHECK(a.store->replay_message(id, a.now).value());
  const MessageRecord replayed = *a.store->find_message(id).value();
  CHECK(replayed.state == "retry");
  CHECK(replayed.attempts == 0);
  CHECK(replayed.next_attempt == a.now);
  CHECK(replayed.updated == a.now);
  const auto claimed = a.store->claim_ready(a.now, {EndpointKind::webhook}, 10, 10).value();
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == id);
  CHECK(claimed[0].attempts == 1);
}

TEST_CASE("only a dead or expired message with time left, of an active endpoint, is replayed") {
  Admin a;
  const auto s = a.subscriber("ops@example.cn");
  const auto e = a.endpoint(s);
  a.fire();
  const std::string delivered = a.attempt(AttemptResult::Outcome::delivered).at(0);
  CHECK_FALSE(a.store->replay_message(delivered, a.now).value());
  a.fire();
  const std::string pending = a.message_ids(e, "pending").at(0);
  CHECK_FALSE(a.store->replay_message(pending, a.now).value());
  CHECK(a.store->find_message(pending).value()->state == "pending");
  CHECK_FALSE(a.store->replay_message("0123456789abcdef0123456789abcdef", a.now).value());
  CHECK_FALSE(a.store->find_message("0123456789abcdef0123456789abcdef").value());
  // Expired by the disable: not while the endpoint is disabled, yes once it is active again.
  REQUIRE(a.store->disable_endpoint(e, "operator", a.now).ok());
  CHECK(a.store->find_message(pending).value()->state == "expired");
  CHECK_FALSE(a.store->replay_message(pending, a.now).value());
  SQLite::Statement active(a.store->database(), "UPDATE endpoints SET state = 'active' WHERE id = ?");
  active.bind(1, e);
  active.exec();
  CHECK(a.store->replay_message(pending, a.now).value());
  // A message whose windows have all closed has nothing left to say.
  a.fire("2026-11-23T01:00:30Z");  // closes 30 s after now
  const std::string closing = a.message_ids(e, "pending").at(0);  // the replayed one is in retry
  a.now += std::chrono::seconds{30};
  REQUIRE(a.store->expire_closed(a.now).ok());
  CHECK(a.store->find_message(closing).value()->state == "expired");
  CHECK_FALSE(a.store->replay_message(closing, a.now).value());
}

TEST_CASE("subscribers and endpoints are counted by state") {
  Admin a;
  CHECK(a.store->subscriber_counts().value().empty());
  CHECK(a.store->endpoint_counts().value().empty());
  const auto s1 = a.subscriber("one@example.cn");
  a.subscriber("two@example.cn", "pending");
  a.subscriber("three@example.cn", "pending");
  const auto e1 = a.endpoint(s1);
  a.endpoint(s1);
  REQUIRE(a.store->disable_endpoint(e1, "operator", a.now).ok());
  CHECK(a.store->subscriber_counts().value() == std::map<std::string, std::int64_t>{{"active", 1}, {"pending", 2}});
  CHECK(a.store->endpoint_counts().value() == std::map<std::string, std::int64_t>{{"active", 1}, {"disabled", 1}});
}
