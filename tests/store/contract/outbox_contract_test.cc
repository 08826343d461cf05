// OutboxStore's contract (store/outbox_store.h): claiming, per-endpoint limits, interrupted
// sends, results and endpoint health, bounces and notices.

#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;

namespace {

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

AttemptResult delivered(const OutboundMessage& m) {
  AttemptResult r;
  r.message_id = m.id;
  r.endpoint_id = m.endpoint_id;
  r.outcome = AttemptResult::Outcome::delivered;
  return r;
}

// An active subscriber of their own with one endpoint of `kind`.
template <class F>
std::int64_t hook(F& f, EndpointKind kind = EndpointKind::webhook) {
  static int n = 0;
  return f.endpoint(f.subscriber("s" + std::to_string(++n) + "@example.cn"), kind);
}

}  // namespace

STORE_CONTRACT("claiming takes due messages of the channel's kinds and marks them sending") {
  test::ContractFixture<Backend> f;
  const auto webhook = hook(f);
  hook(f, EndpointKind::email);
  f.fire_fresh();
  const auto claimed = f.claim();
  REQUIRE(claimed.size() == 1);  // the email endpoint's message waits for its channel
  CHECK(claimed[0].endpoint_id == webhook);
  CHECK(claimed[0].kind == EndpointKind::webhook);
  CHECK(claimed[0].attempts == 1);
  CHECK(claimed[0].address == "https://hooks.example.cn/x");
  REQUIRE(claimed[0].items.size() == 1);
  CHECK(claimed[0].items[0].lead == "7d");
  CHECK(f.state_of(claimed[0].id) == MessageState::sending);
  CHECK(f.claim().empty());  // nothing is claimed twice
}

STORE_CONTRACT("at most per_endpoint messages of one endpoint are sending at once") {
  test::ContractFixture<Backend> f;
  hook(f);
  for (int i = 0; i < 5; ++i) f.fire_fresh();
  CHECK(f.claim({EndpointKind::webhook}, 100, 2).size() == 2);
  CHECK(f.claim({EndpointKind::webhook}, 100, 2).empty());
  CHECK(f.claim({EndpointKind::webhook}, 100, 3).size() == 1);
  CHECK(f.claim({EndpointKind::webhook}, 1, 10).size() == 1);  // and at most `limit` in all
}

STORE_CONTRACT("a message interrupted while sending goes back with its id after a restart") {
  test::ContractFixture<Backend> f;
  hook(f);
  f.fire_fresh();
  const std::string id = f.claim().at(0).id;
  f.end_claim_leases();
  CHECK(f.outbox.requeue_interrupted(f.now).value() == 1);
  CHECK(f.state_of(id) == MessageState::retry);
  const auto again = f.claim();
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == id);
  CHECK(again[0].attempts == 2);
}

STORE_CONTRACT("a claim whose lease runs is left to its node, and one whose lease ended is claimed again") {
  test::ContractFixture<Backend> f;
  hook(f);
  if (!Backend::kLeasedClaims) return;  // SQLite: one daemon, no leases
  f.fire_fresh();
  const std::string id = f.claim().at(0).id;
  // Another node starting, or claiming, leaves a running claim alone.
  CHECK(f.outbox.requeue_interrupted(f.now).value() == 0);
  CHECK(f.state_of(id) == MessageState::sending);
  CHECK(f.claim().empty());
  // The claiming node stopped beating: the next claim anywhere takes the message back, same id.
  f.end_claim_leases();
  const auto again = f.claim();
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == id);
  CHECK(again[0].attempts == 2);
}

STORE_CONTRACT("a claim released unsent is ready again with its attempt given back") {
  test::ContractFixture<Backend> f;
  hook(f);
  f.fire_fresh();
  const std::string id = f.claim().at(0).id;
  REQUIRE(f.outbox.release_claims({id}, f.now).ok());
  CHECK(f.state_of(id) == MessageState::retry);
  const auto again = f.claim();
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == id);
  CHECK(again[0].attempts == 1);  // the released claim did not count
}

STORE_CONTRACT("a retry waits for its time") {
  test::ContractFixture<Backend> f;
  hook(f);
  f.fire_fresh();
  const auto m = f.claim().at(0);
  f.record({failure(m, f.now + std::chrono::minutes{5})});
  CHECK(f.state_of(m.id) == MessageState::retry);
  CHECK(f.claim().empty());
  f.now += std::chrono::minutes{5};
  CHECK(f.claim().size() == 1);
}

STORE_CONTRACT("a message whose windows all closed is expired instead of claimed") {
  test::ContractFixture<Backend> f;
  hook(f);
  f.fire_fresh(at("2026-11-23T01:00:30Z"));  // closes 30 s after now
  f.now += std::chrono::seconds{30};
  CHECK(f.claim().empty());
  CHECK(f.admin.message_counts().value().at(MessageState::expired) == 1);
}

STORE_CONTRACT("an endpoint failing for three days is disabled - and a success in between resets the clock") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  const auto fail_once = [&] {
    f.fire_fresh();
    const auto m = f.claim().at(0);
    return f.record({failure(m, f.now + std::chrono::hours{1})});
  };
  CHECK(fail_once().empty());
  f.now += std::chrono::hours{71};
  CHECK(fail_once().empty());
  f.now += std::chrono::hours{1};
  CHECK(fail_once() == std::vector<std::int64_t>{e});
  const EndpointRecord record = f.endpoint_record(e);
  CHECK(record.state == EndpointState::disabled);
  CHECK(record.state_reason.find("HTTP 500") != std::string::npos);
  const auto notices = f.outbox.pending_notices(10).value();
  REQUIRE(!notices.empty());
  CHECK(notices.back().what == "disabled");
  CHECK(notices.back().endpoint_id == e);
}

STORE_CONTRACT("a delivery clears the endpoint's failing state") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  auto m = f.claim().at(0);
  f.record({failure(m, f.now)});
  f.now += std::chrono::hours{70};
  m = f.claim().at(0);
  f.record({delivered(m)});
  CHECK(f.state_of(m.id) == MessageState::delivered);
  f.now += std::chrono::hours{3};
  f.fire_fresh();
  m = f.claim().at(0);
  CHECK(f.record({failure(m, f.now)}).empty());  // 3 h, not 73
  CHECK(f.endpoint_record(e).state == EndpointState::active);
}

STORE_CONTRACT("a 410 disables at once, and a disabled endpoint's unsent messages expire until it is re-enabled") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  const auto subscriber = f.endpoint_record(e).subscriber_id;
  f.fire_fresh();
  f.fire_fresh();  // a second message, still pending when the first is refused
  const auto m = f.claim({EndpointKind::webhook}, 1, 1).at(0);
  AttemptResult gone = failure(m, f.now);
  gone.outcome = AttemptResult::Outcome::dead;
  gone.disable_endpoint = true;
  gone.error = "HTTP 410 Gone: the receiver asked to stop";
  CHECK(f.record({gone}) == std::vector<std::int64_t>{e});
  CHECK(f.state_of(m.id) == MessageState::dead);
  CHECK(f.endpoint_record(e).state_reason == "HTTP 410 Gone: the receiver asked to stop");
  CHECK(f.messages_of(e, MessageState::expired) == 1);  // the pending one, as an operator's disable does
  CHECK(f.claim().empty());
  // Re-enabling replays both: the refused one and the one the disable expired.
  CHECK(f.subscriptions.reenable_endpoint(subscriber, 1, e, f.now).value() == 2);
  CHECK(f.claim().size() == 2);
}

STORE_CONTRACT("an endpoint whose own settings make delivery impossible needs attention and is not claimed") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  const auto m = f.claim().at(0);
  AttemptResult refused = failure(m, f.now);
  refused.endpoint_failed = false;
  refused.error = "the URL's scheme is http: only https is allowed";
  refused.endpoint_needs_attention = true;
  CHECK(f.record({refused}).empty());
  const EndpointRecord record = f.endpoint_record(e);
  CHECK(record.state == EndpointState::needs_attention);
  CHECK(record.state_reason == "the URL's scheme is http: only https is allowed");
  CHECK(f.claim().empty());                          // waits for its owner, not for retries
  CHECK(f.state_of(m.id) == MessageState::retry);    // and expires at its window's close if nothing changes
}

STORE_CONTRACT("a deferred message gives its attempt back and keeps its last error") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  auto m = f.claim().at(0);
  f.record({failure(m, f.now)});  // a real failure first
  m = f.claim().at(0);
  CHECK(m.attempts == 2);
  AttemptResult deferred = failure(m, f.now + std::chrono::seconds{61});
  deferred.error = "rate limited";
  deferred.deferred = true;
  CHECK(f.record({deferred}).empty());
  CHECK(f.state_of(m.id) == MessageState::retry);
  CHECK(f.claim().empty());  // waits for its slot
  const auto messages = f.admin.list_messages(MessageState::retry, 10).value();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].endpoint_id == e);
  CHECK(messages[0].attempts == 1);             // the claim's attempt given back
  CHECK(messages[0].last_error == "HTTP 500");  // the last real error stays
  f.now += std::chrono::seconds{61};
  CHECK(f.claim().at(0).attempts == 2);
}

STORE_CONTRACT("a deferred message does not count against the endpoint's health") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  auto m = f.claim().at(0);
  AttemptResult deferred = failure(m, f.now);
  deferred.deferred = true;  // endpoint_failed is ignored for a deferral
  f.record({deferred});
  // Had the deferral counted as a failure, this one 72 h later would disable the endpoint.
  f.now += std::chrono::hours{72};
  m = f.claim().at(0);
  CHECK(m.attempts == 1);
  CHECK(f.record({failure(m, f.now)}).empty());
  CHECK(f.endpoint_record(e).state == EndpointState::active);
}

STORE_CONTRACT("a permanent bounce marks the message dead, repeated refusals need attention") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f, EndpointKind::email);
  for (int i = 0; i < 2; ++i) f.fire_fresh();
  const auto sent = f.attempt_all(AttemptResult::Outcome::delivered, {EndpointKind::email});
  REQUIRE(sent.size() == 2);
  const auto temporary = f.outbox.record_bounce({sent[0], false, "4.4.1 smtp; 451 try later"}, f.now, {});
  REQUIRE_MESSAGE(temporary.ok(), temporary.error());
  CHECK(f.state_of(sent[0]) == MessageState::delivered);  // only noted
  const auto first = f.outbox.record_bounce({sent[0], true, "5.1.1 smtp; 550 no such user"}, f.now, {}).value();
  CHECK(first.endpoint_id == e);
  CHECK_FALSE(first.endpoint_needs_attention);
  CHECK(f.state_of(sent[0]) == MessageState::dead);
  const auto second = f.outbox.record_bounce({sent[1], true, "5.1.1 smtp; 550 no such user"}, f.now, {}).value();
  CHECK(second.endpoint_needs_attention);  // two refusals in a row (EndpointHealthPolicy)
  CHECK(f.endpoint_record(e).state == EndpointState::needs_attention);
  CHECK_FALSE(f.outbox.record_bounce({"0123456789abcdef0123456789abcdef", true, "5.1.1"}, f.now, {}).ok());
}

STORE_CONTRACT("notices are handed out oldest first, once") {
  test::ContractFixture<Backend> f;
  const auto a = hook(f);
  const auto b = hook(f);
  REQUIRE(f.admin.disable_endpoint(a, "first", f.now).value());
  REQUIRE(f.admin.disable_endpoint(b, "second", f.now).value());
  const auto notices = f.outbox.pending_notices(10).value();
  REQUIRE(notices.size() == 2);
  CHECK(notices[0].endpoint_id == a);
  CHECK(notices[0].reason == "first");
  CHECK(notices[0].subscriber_email.find("@example.cn") != std::string::npos);
  CHECK(f.outbox.pending_notices(1).value().size() == 1);
  REQUIRE(f.outbox.mark_notices_sent({notices[0].id}, f.now).ok());
  const auto left = f.outbox.pending_notices(10).value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].endpoint_id == b);
}

namespace {

// The 'failing' notices recorded for `endpoint_id` so far (handed out or not).
template <class F>
int failing_notices(F& f, std::int64_t endpoint_id) {
  int n = 0;
  const std::vector<PendingNotice> notices = f.outbox.pending_notices(1000).value();
  for (const PendingNotice& notice : notices) {
    n += notice.endpoint_id == endpoint_id && notice.what == "failing";
  }
  return n;
}

}  // namespace

STORE_CONTRACT("the failing notice waits for failing_notice_after and two attempts, and comes once per streak") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  const auto fail = [&] {
    const auto m = f.claim().at(0);
    CHECK(f.record({failure(m, f.now)}).empty());
  };
  fail();  // the first failed attempt: nobody is told yet (issue 21: it used to mail at once)
  CHECK(failing_notices(f, e) == 0);
  f.now += std::chrono::minutes{30};
  fail();  // two attempts, but only half an hour
  CHECK(failing_notices(f, e) == 0);
  f.now += std::chrono::minutes{30};
  fail();  // an hour, three attempts: told, with the error
  CHECK(failing_notices(f, e) == 1);
  CHECK(f.outbox.pending_notices(10).value().back().reason == "HTTP 500");
  f.now += std::chrono::hours{2};
  fail();  // the same streak: not again
  CHECK(failing_notices(f, e) == 1);
  // A success ends the streak; a new one is told again, after its own hour.
  f.record({delivered(f.claim().at(0))});
  f.now += std::chrono::hours{1};
  f.fire_fresh();
  fail();
  CHECK(failing_notices(f, e) == 1);
  f.now += std::chrono::hours{1};
  fail();
  CHECK(failing_notices(f, e) == 2);
}

STORE_CONTRACT("one failure that lasts an hour is not enough: the failing notice needs a second attempt") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  f.record({failure(f.claim().at(0), f.now + std::chrono::hours{2})});
  f.now += std::chrono::hours{2};
  CHECK(failing_notices(f, e) == 0);
  f.record({failure(f.claim().at(0), f.now)});
  CHECK(failing_notices(f, e) == 1);
}

STORE_CONTRACT("a test message's failure never sends the failing notice, but counts for the endpoint's health") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  for (int i = 0; i < 3; ++i) {
    AttemptResult r = failure(f.claim().at(0), f.now);
    r.test_message = true;
    f.record({r});
    f.now += std::chrono::hours{1};
  }
  CHECK(failing_notices(f, e) == 0);
  CHECK(f.endpoint_record(e).failing_since.has_value());
  // A real reminder failing in the same streak is told.
  f.record({failure(f.claim().at(0), f.now)});
  CHECK(failing_notices(f, e) == 1);
}

STORE_CONTRACT("failing_notice_after is the policy's") {
  test::ContractFixture<Backend> f;
  const auto e = hook(f);
  f.fire_fresh();
  EndpointHealthPolicy quick;
  quick.failing_notice_after = std::chrono::seconds{0};
  REQUIRE(f.outbox.record_attempts({failure(f.claim().at(0), f.now)}, f.now, quick).ok());
  CHECK(failing_notices(f, e) == 0);  // one attempt
  REQUIRE(f.outbox.record_attempts({failure(f.claim().at(0), f.now)}, f.now, quick).ok());
  CHECK(failing_notices(f, e) == 1);
}
