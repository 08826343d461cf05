// The delivery side of the store: claiming, per-endpoint limits, interrupted sends, and
// endpoint health.

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "store/sqlite_store.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::store;

namespace {

using test::at;

struct Outbox {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store = SqliteStore::open(dir / "db.sqlite").value();
  Instant now = at("2026-11-23T09:00+08:00");
  int triggers = 0;

  std::int64_t endpoint(EndpointKind kind = EndpointKind::webhook) {
    const auto subscriber = store->add_subscriber("s" + std::to_string(triggers++) + "@example.cn", "active", now).value();
    NewEndpoint e;
    e.subscriber_id = subscriber;
    e.kind = kind;
    e.address = kind == EndpointKind::email ? "a@example.cn" : "https://hooks.example.cn/x";
    return store->add_endpoint(e, now).value();
  }
  // Fires one new trigger (a fresh window) to every endpoint: one message each.
  void fire(const char* closes = "2026-11-30T16:00Z") {
    TriggerFacts t;
    t.window_id = "p/w" + std::to_string(++triggers) + "/2026";
    t.programme_id = "p";
    t.lead = "7d";
    t.due = now;
    t.closes = at(closes);
    t.key = t.window_id + "|7d";
    REQUIRE(store->fire({t}, FireKind::on_time, now, now).ok());
  }
  std::vector<OutboundMessage> claim(int limit = 100, int per_endpoint = 4) {
    auto claimed = store->claim_ready(now, {EndpointKind::webhook}, limit, per_endpoint);
    REQUIRE_MESSAGE(claimed.ok(), claimed.error());
    return claimed.value();
  }
  std::string state_of(const std::string& id) {
    SQLite::Statement q(store->database(), "SELECT state FROM messages WHERE id = ?");
    q.bind(1, id);
    q.executeStep();
    return q.getColumn(0).getString();
  }
};

AttemptResult failure(const OutboundMessage& m, Instant next) {
  AttemptResult r;
  r.message_id = m.id;
  r.endpoint_id = m.endpoint_id;
  r.outcome = AttemptResult::Outcome::retry;
  r.next_attempt = next;
  r.error = "HTTP 500";
  r.endpoint_failed = true;
  return r;
}

}  // namespace

TEST_CASE("claiming takes due messages of the channel's kinds and marks them sending") {
  Outbox o;
  const auto hook = o.endpoint();
  o.endpoint(EndpointKind::email);
  o.fire();
  const auto claimed = o.claim();
  REQUIRE(claimed.size() == 1);  // the email endpoint's message waits for its channel
  CHECK(claimed[0].endpoint_id == hook);
  CHECK(claimed[0].attempts == 1);
  CHECK(claimed[0].address == "https://hooks.example.cn/x");
  REQUIRE(claimed[0].items.size() == 1);
  CHECK(claimed[0].items[0].lead == "7d");
  CHECK(o.state_of(claimed[0].id) == "sending");
  CHECK(o.claim().empty());  // nothing is claimed twice
}

TEST_CASE("at most per_endpoint messages of one endpoint are sending at once") {
  Outbox o;
  o.endpoint();
  for (int i = 0; i < 5; ++i) o.fire();
  CHECK(o.claim(100, 2).size() == 2);
  CHECK(o.claim(100, 2).empty());
  CHECK(o.claim(100, 3).size() == 1);
}

TEST_CASE("a message interrupted while sending goes back with its id after a restart") {
  Outbox o;
  o.endpoint();
  o.fire();
  const std::string id = o.claim().at(0).id;
  CHECK(o.store->requeue_interrupted(o.now).value() == 1);
  CHECK(o.state_of(id) == "retry");
  const auto again = o.claim();
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == id);
  CHECK(again[0].attempts == 2);
}

TEST_CASE("a claim released unsent is ready again with its attempt given back") {
  Outbox o;
  o.endpoint();
  o.fire();
  const std::string id = o.claim().at(0).id;
  REQUIRE(o.store->release_claims({id}, o.now).ok());
  CHECK(o.state_of(id) == "retry");
  const auto again = o.claim();
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == id);
  CHECK(again[0].attempts == 1);  // the released claim did not count
}

TEST_CASE("a retry waits for its time") {
  Outbox o;
  o.endpoint();
  o.fire();
  const auto m = o.claim().at(0);
  REQUIRE(o.store->record_attempts({failure(m, o.now + std::chrono::minutes{5})}, o.now, {}).ok());
  CHECK(o.state_of(m.id) == "retry");
  CHECK(o.claim().empty());
  o.now += std::chrono::minutes{5};
  CHECK(o.claim().size() == 1);
}

TEST_CASE("a message whose windows all closed is expired instead of claimed") {
  Outbox o;
  o.endpoint();
  o.fire("2026-11-23T01:00:30Z");  // closes 30 s after now
  o.now += std::chrono::seconds{30};
  CHECK(o.claim().empty());
  CHECK(o.store->message_counts().value().at("expired") == 1);
}

TEST_CASE("an endpoint failing for three days is disabled - and a success in between resets the clock") {
  Outbox o;
  const auto e = o.endpoint();
  const auto fail_once = [&] {
    o.fire();
    const auto m = o.claim().at(0);
    return o.store->record_attempts({failure(m, o.now + std::chrono::hours{1})}, o.now, {}).value();
  };
  CHECK(fail_once().empty());
  o.now += std::chrono::hours{71};
  CHECK(fail_once().empty());
  o.now += std::chrono::hours{1};
  CHECK(fail_once() == std::vector<std::int64_t>{e});
  const EndpointRecord record = *o.store->find_endpoint(e).value();
  CHECK(record.state == "disabled");
  CHECK(record.state_reason.find("HTTP 500") != std::string::npos);
}

TEST_CASE("a delivery clears the endpoint's failing state") {
  Outbox o;
  const auto e = o.endpoint();
  o.fire();
  auto m = o.claim().at(0);
  REQUIRE(o.store->record_attempts({failure(m, o.now)}, o.now, {}).ok());
  o.now += std::chrono::hours{70};
  m = o.claim().at(0);
  AttemptResult ok;
  ok.message_id = m.id;
  ok.endpoint_id = e;
  ok.outcome = AttemptResult::Outcome::delivered;
  REQUIRE(o.store->record_attempts({ok}, o.now, {}).ok());
  CHECK(o.state_of(m.id) == "delivered");
  o.now += std::chrono::hours{3};
  o.fire();
  m = o.claim().at(0);
  CHECK(o.store->record_attempts({failure(m, o.now)}, o.now, {}).value().empty());  // 3 h, not 73
}

TEST_CASE("a 410 disables at once") {
  Outbox o;
  const auto e = o.endpoint();
  o.fire();
  const auto m = o.claim().at(0);
  AttemptResult gone = failure(m, o.now);
  gone.outcome = AttemptResult::Outcome::dead;
  gone.disable_endpoint = true;
  gone.error = "HTTP 410 Gone: the receiver asked to stop";
  CHECK(o.store->record_attempts({gone}, o.now, {}).value() == std::vector<std::int64_t>{e});
  CHECK(o.state_of(m.id) == "dead");
  CHECK(o.store->find_endpoint(e).value()->state_reason == "HTTP 410 Gone: the receiver asked to stop");
}

TEST_CASE("an endpoint whose own settings make delivery impossible needs attention and is not claimed") {
  Outbox o;
  const auto e = o.endpoint();
  o.fire();
  const auto m = o.claim().at(0);
  AttemptResult refused;
  refused.message_id = m.id;
  refused.endpoint_id = e;
  refused.outcome = AttemptResult::Outcome::retry;
  refused.next_attempt = o.now;
  refused.error = "the URL's scheme is http: only https is allowed";
  refused.endpoint_needs_attention = true;
  CHECK(o.store->record_attempts({refused}, o.now, {}).value().empty());
  const EndpointRecord record = *o.store->find_endpoint(e).value();
  CHECK(record.state == "needs_attention");
  CHECK(record.state_reason == "the URL's scheme is http: only https is allowed");
  CHECK(o.claim().empty());               // waits for its owner, not for retries
  CHECK(o.state_of(m.id) == "retry");     // and expires at its window's close if nothing changes
}

TEST_CASE("a deferred message gives its attempt back and keeps its last error") {
  Outbox o;
  const auto e = o.endpoint();
  o.fire();
  auto m = o.claim().at(0);
  REQUIRE(o.store->record_attempts({failure(m, o.now)}, o.now, {}).ok());  // a real failure first
  m = o.claim().at(0);
  CHECK(m.attempts == 2);
  AttemptResult deferred;
  deferred.message_id = m.id;
  deferred.endpoint_id = e;
  deferred.outcome = AttemptResult::Outcome::retry;
  deferred.next_attempt = o.now + std::chrono::seconds{61};
  deferred.error = "rate limited";
  deferred.deferred = true;
  CHECK(o.store->record_attempts({deferred}, o.now, {}).value().empty());
  CHECK(o.state_of(m.id) == "retry");
  CHECK(o.claim().empty());  // waits for its slot
  const auto messages = o.store->list_messages("retry", 10).value();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].attempts == 1);             // the claim's attempt given back
  CHECK(messages[0].last_error == "HTTP 500");  // the last real error stays
  o.now += std::chrono::seconds{61};
  CHECK(o.claim().at(0).attempts == 2);
}

TEST_CASE("a deferred message does not count against the endpoint's health") {
  Outbox o;
  const auto e = o.endpoint();
  o.fire();
  auto m = o.claim().at(0);
  AttemptResult deferred;
  deferred.message_id = m.id;
  deferred.endpoint_id = e;
  deferred.outcome = AttemptResult::Outcome::retry;
  deferred.next_attempt = o.now;
  deferred.deferred = true;
  deferred.endpoint_failed = true;  // ignored for a deferral
  REQUIRE(o.store->record_attempts({deferred}, o.now, {}).ok());
  // Had the deferral counted as a failure, this one 72 h later would disable the endpoint.
  o.now += std::chrono::hours{72};
  m = o.claim().at(0);
  CHECK(m.attempts == 1);
  CHECK(o.store->record_attempts({failure(m, o.now)}, o.now, {}).value().empty());
  CHECK(o.store->find_endpoint(e).value()->state == "active");
}
