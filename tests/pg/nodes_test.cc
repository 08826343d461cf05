// Several daemons ("nodes") on one PostgreSQL database (issue "Several daemons on one
// PostgreSQL"), against a real server: two PgStores on one database stand for two nodes, as two
// deadlined processes would hold them.

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <thread>

#include "../store/contract/contract.h"
#include "pg/node_registry.h"
#include "pg/pg_store.h"
#include "pg_test_support.h"

namespace deadline::test {

namespace {

pg::NodeIdentity node_with(std::string id, std::vector<std::string> ring, std::string signing) {
  pg::NodeIdentity node;
  node.id = std::move(id);
  node.host = "test-host";
  node.pid = 1;
  node.key_file = "/etc/deadlined/token-keys@" + node.id;
  node.key_fingerprints = std::move(ring);
  node.signing_key = std::move(signing);
  return node;
}

// A second node on the fixture's database.
std::unique_ptr<pg::PgStore> second_node(const std::string& uri) {
  auto opened = pg::PgStore::open(uri, {}, "node-b");
  REQUIRE_MESSAGE(opened.ok(), opened.error());
  return std::move(opened).value();
}

}  // namespace

TEST_CASE("a node whose link keys do not fit a running node's refuses to start, naming its key file") {
  TestDatabase db;
  auto store = pg::PgStore::open(db.uri());  // migrates
  REQUIRE_MESSAGE(store.ok(), store.error());
  pg::PgConnection c = TestDatabase::connect(db.uri());

  REQUIRE(pg::register_node(c, node_with("a", {"1:aaaa"}, "1:aaaa")).ok());
  CHECK(pg::register_node(c, node_with("b", {"1:aaaa"}, "1:aaaa")).ok());  // the same ring

  // A node that made its own key 1 (another secret): its links would not verify on a or b.
  const auto own_key = pg::register_node(c, node_with("c", {"1:cccc"}, "1:cccc"));
  REQUIRE_FALSE(own_key.ok());
  CHECK(own_key.error().find("/etc/deadlined/token-keys@c: this node's signing key (id 1) is not in the key ring "
                             "of running node test-host pid 1 (node a)") == 0);

  // A rolling rotation: key 2 added everywhere first (still signing with 1) ...
  CHECK(pg::register_node(c, node_with("a2", {"1:aaaa", "2:bbbb"}, "1:aaaa")).ok());
  pg::leave(c, "a");
  CHECK(pg::register_node(c, node_with("b2", {"1:aaaa", "2:bbbb"}, "1:aaaa")).ok());
  pg::leave(c, "b");
  // ... then made the signing key, node by node.
  CHECK(pg::register_node(c, node_with("a3", {"1:aaaa", "2:bbbb"}, "2:bbbb")).ok());
  pg::leave(c, "a2");
  // Skipping the first step is refused: b2 signs with 1, which this ring lacks.
  const auto skipped = pg::register_node(c, node_with("d", {"2:bbbb"}, "2:bbbb"));
  REQUIRE_FALSE(skipped.ok());
  CHECK(skipped.error().find("lacks the signing key (id 1) of running node test-host pid 1 (node b2)") !=
        std::string::npos);

  // A node not seen for kNodeLiveFor is gone: it no longer stops anyone.
  REQUIRE(c.exec("UPDATE nodes SET seen_at = seen_at - 60 WHERE id = 'b2'").ok());
  CHECK(pg::register_node(c, node_with("d", {"2:bbbb"}, "2:bbbb")).ok());
  const auto running = pg::running_nodes(c);
  REQUIRE(running.ok());
  CHECK(running->size() == 2);  // a3 and d
}

TEST_CASE("a heartbeat keeps its node's claims, and a node that stops beating loses them to the others") {
  ContractFixture<PgBackend> a;  // node a: the fixture's store
  auto b = second_node(a.database.uri());
  a.endpoint(a.subscriber("l@example.cn"));
  a.fire_fresh();
  const auto claimed = a.claim();
  REQUIRE(claimed.size() == 1);
  pg::PgConnection c = TestDatabase::connect(a.database.uri());
  const auto owner = c.exec("SELECT claimed_by, lease_until - extract(epoch FROM clock_timestamp())::bigint "
                            "FROM messages WHERE id = $1",
                            {claimed[0].id});
  REQUIRE(owner.ok());
  const std::string node_a = owner->text(0, 0);
  CHECK(node_a != "node-b");
  CHECK(owner->integer(0, 1) >= 28);  // the default lease, 30 s
  CHECK(owner->integer(0, 1) <= 30);

  // Node b, starting or claiming, leaves a's running claim alone.
  CHECK(b->requeue_interrupted(a.now).value() == 0);
  CHECK(b->claim_ready(a.now, {EndpointKind::webhook}, 100, 4).value().empty());

  // a's beat: a lease two thirds spent is extended, a fresh one is left as it is.
  pg::NodeIdentity beating = node_with(node_a, {"1:aaaa"}, "1:aaaa");
  REQUIRE(c.exec("UPDATE messages SET lease_until = lease_until - 25").ok());
  REQUIRE(pg::beat(c, beating).ok());
  const auto renewed =
      c.exec("SELECT lease_until - extract(epoch FROM clock_timestamp())::bigint FROM messages WHERE id = $1",
             {claimed[0].id});
  CHECK(renewed->integer(0, 0) >= 28);

  // a stops beating: once its lease ends, b's next claim takes the message, with its id.
  a.end_claim_leases();
  const auto again = b->claim_ready(a.now, {EndpointKind::webhook}, 100, 4);
  REQUIRE(again.ok());
  REQUIRE(again->size() == 1);
  CHECK(again->at(0).id == claimed[0].id);
  CHECK(c.exec("SELECT claimed_by FROM messages WHERE id = $1", {claimed[0].id})->text(0, 0) == "node-b");
}

TEST_CASE("the per-endpoint cap and a robot's rate limit count every node's sends") {
  ContractFixture<PgBackend> a;
  auto b = second_node(a.database.uri());
  const auto sub = a.subscriber("r@example.cn");
  const auto hook = a.endpoint(sub, EndpointKind::webhook);
  const auto robot = a.endpoint(sub, EndpointKind::wecom);
  for (int i = 0; i < 30; ++i) a.fire_fresh();  // 30 windows: 30 messages to each endpoint

  // The cap: 3 at once to one endpoint, whichever nodes claim.
  const auto first = a.outbox.claim_ready(a.now, {EndpointKind::webhook}, 100, 3);
  REQUIRE(first.ok());
  CHECK(first->size() == 3);
  const auto second = b->claim_ready(a.now, {EndpointKind::webhook}, 100, 3);
  REQUIRE(second.ok());
  CHECK(second->empty());
  CHECK(a.messages_of(hook, MessageState::sending) == 3);

  // WeCom: 20 a minute per robot. Claims on both nodes, each taking what its cap allows, stop
  // at 20 in all.
  int robot_claimed = 0;
  for (int round = 0; round < 20; ++round) {
    for (store::OutboxStore* node : {static_cast<store::OutboxStore*>(&a.outbox), static_cast<store::OutboxStore*>(b.get())}) {
      const auto got = node->claim_ready(a.now, {EndpointKind::wecom}, 100, 4);
      REQUIRE_MESSAGE(got.ok(), got.error());
      std::vector<store::AttemptResult> results;
      for (const auto& m : *got) {
        ++robot_claimed;
        store::AttemptResult r;
        r.message_id = m.id;
        r.endpoint_id = m.endpoint_id;
        r.outcome = store::AttemptResult::Outcome::delivered;
        results.push_back(r);
      }
      REQUIRE(node->record_attempts(results, a.now, {}).ok());
    }
  }
  CHECK(robot_claimed == 20);
  CHECK(a.messages_of(robot, MessageState::pending) == 10);

  // A minute and a second later (by the server's clock: the sends recorded are moved back),
  // the robot has its slots again.
  pg::PgConnection c = TestDatabase::connect(a.database.uri());
  REQUIRE(c.exec("UPDATE endpoint_sends SET sent_at = sent_at - 61").ok());
  const auto later = b->claim_ready(a.now, {EndpointKind::wecom}, 100, 100);
  REQUIRE(later.ok());
  CHECK(later->size() == 10);
}

TEST_CASE("a robot its platform throttles is claimed by no node until the throttle ends") {
  ContractFixture<PgBackend> a;
  auto b = second_node(a.database.uri());
  const auto sub = a.subscriber("d@example.cn");
  const auto throttled = a.endpoint(sub, EndpointKind::dingtalk);
  const auto other = a.endpoint(sub, EndpointKind::dingtalk);
  for (int i = 0; i < 3; ++i) a.fire_fresh();  // 3 messages to each robot
  const std::vector<EndpointKind> dingtalk{EndpointKind::dingtalk};

  // Node a sends one message to each robot; DingTalk answers 130101 for the first: throttled
  // for 10 minutes. The other answered as usual.
  const auto first = a.outbox.claim_ready(a.now, dingtalk, 2, 1);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 2);
  std::vector<store::AttemptResult> results;
  std::string told;  // the message DingTalk answered 130101
  for (const auto& m : *first) {
    store::AttemptResult r;
    r.message_id = m.id;
    r.endpoint_id = m.endpoint_id;
    if (m.endpoint_id == throttled) {
      told = m.id;
      r.outcome = store::AttemptResult::Outcome::retry;
      r.next_attempt = a.now + std::chrono::minutes(10);
      r.error = "DingTalk 130101: send too fast";
      r.endpoint_failed = true;
      r.endpoint_blocked_for = std::chrono::minutes(10);
    } else {
      r.outcome = store::AttemptResult::Outcome::delivered;
    }
    results.push_back(r);
  }
  REQUIRE(a.outbox.record_attempts(results, a.now, {}).ok());

  // Node b, which was told nothing, claims for the other robot only, however often it asks.
  int to_other = 0;
  for (int round = 0; round < 3; ++round) {
    const auto got = b->claim_ready(a.now, dingtalk, 100, 4);
    REQUIRE_MESSAGE(got.ok(), got.error());
    for (const auto& m : *got) CHECK(m.endpoint_id == other);
    to_other += static_cast<int>(got->size());
  }
  CHECK(to_other == 2);
  CHECK(a.messages_of(throttled, MessageState::pending) == 2);

  // A shorter throttle later (another node's 130101 of a minute) does not shorten it.
  pg::PgConnection c = TestDatabase::connect(a.database.uri());
  const auto left = [&] {
    return c.exec("SELECT until - extract(epoch FROM clock_timestamp())::bigint FROM endpoint_blocks "
                  "WHERE endpoint_id = $1",
                  {std::to_string(throttled)})
        ->integer(0, 0);
  };
  CHECK(left() >= 598);
  store::AttemptResult shorter;
  shorter.message_id = told;
  shorter.endpoint_id = throttled;
  shorter.outcome = store::AttemptResult::Outcome::retry;
  shorter.next_attempt = a.now;
  shorter.endpoint_blocked_for = std::chrono::minutes(1);
  REQUIRE(b->record_attempts({shorter}, a.now, {}).ok());
  CHECK(left() >= 598);

  // Ten minutes later by the server's clock (the throttle is moved back), b claims the robot's
  // two waiting messages (the one told 130101 waits for its own retry, 10 minutes on).
  REQUIRE(c.exec("UPDATE endpoint_blocks SET until = until - 600").ok());
  const auto after = b->claim_ready(a.now, dingtalk, 100, 4);
  REQUIRE(after.ok());
  int to_throttled = 0;
  for (const auto& m : *after) to_throttled += m.endpoint_id == throttled;
  CHECK(to_throttled == 2);
}

TEST_CASE("a node whose plan is older than the database's released calendar records no reminder point from it") {
  ContractFixture<PgBackend> a;
  auto b = second_node(a.database.uri());
  a.endpoint(a.subscriber("r@example.cn"));
  const auto release = [&](const char* fixture, const char* revision) {
    const auto outcome = a.revisions.record_revision(
        {diff_fixture_revision(fixture), revision, {{"cal.toml", revision}}, RevisionCause::admin, "", {}}, a.now);
    REQUIRE_MESSAGE(outcome.ok(), outcome.error());
    REQUIRE(outcome->revision.state == store::RevisionState::released);
  };
  const auto triggers = [&] {
    return TestDatabase::connect(a.database.uri()).exec("SELECT count(*) FROM triggers")->integer(0, 0);
  };
  release("before.toml", "aaaa");
  b->plan_from("aaaa");
  const Trigger first = ContractFixture<PgBackend>::trigger("p/w1/2026", "7d", a.now, at("2026-11-30T16:00Z"));
  REQUIRE(b->start_firing({first}, store::FireKind::on_time, a.now, a.now).ok());

  // Node a releases a newer calendar; b has not followed yet: its plan fires nothing.
  release("after.toml", "bbbb");
  const Trigger second = ContractFixture<PgBackend>::trigger("p/w2/2026", "7d", a.now, at("2026-11-30T16:00Z"));
  const auto stale = b->start_firing({second}, store::FireKind::on_time, a.now, a.now);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().find("not recording reminder points from calendar revision aaaa: the database's calendar is "
                           "revision bbbb") != std::string::npos);
  CHECK_FALSE(b->record_missed({second}, a.now, a.now).ok());
  CHECK(triggers() == 1);

  // Following the release, it records again.
  b->plan_from("bbbb");
  const auto followed = b->start_firing({second}, store::FireKind::on_time, a.now, a.now);
  REQUIRE_MESSAGE(followed.ok(), followed.error());
  CHECK(followed->firing_id != 0);
  CHECK(triggers() == 2);
}

TEST_CASE("each trigger fires on one node, and a firing another node is running is watched, not waited for") {
  ContractFixture<PgBackend> a;
  auto b = second_node(a.database.uri());
  const auto sub = a.subscriber("f@example.cn");
  a.endpoint(sub);
  const Trigger t = ContractFixture<PgBackend>::trigger("p/w1/2026", "7d", a.now, at("2026-11-30T16:00Z"));
  const auto on_a = a.scheduling.start_firing({t}, store::FireKind::on_time, a.now, a.now);
  REQUIRE(on_a.ok());
  CHECK(on_a->firing_id != 0);
  const auto on_b = b->start_firing({t}, store::FireKind::on_time, a.now, a.now);
  REQUIRE(on_b.ok());
  CHECK(on_b->firing_id == 0);
  CHECK(on_b->already_recorded == 1);

  // Node a is in the middle of a chunk of it (its row lock, as continue_firing holds it).
  pg::PgConnection holder = TestDatabase::connect(a.database.uri());
  REQUIRE(holder.exec("BEGIN").ok());
  REQUIRE(holder.exec("SELECT id FROM firings WHERE id = $1 FOR UPDATE", {std::to_string(on_a->firing_id)}).ok());
  const auto watched = b->continue_firing(a.now, 100, {});
  REQUIRE(watched.ok());
  CHECK(watched->elsewhere);
  CHECK(watched->firing_id == 0);
  // Node a dies: its transaction ends with its connection, and b resumes the firing.
  // (The server ends it as soon as it reads the closed connection: b tries again meanwhile, as
  // its scheduler does every second.)
  holder = TestDatabase::connect(a.database.uri());
  auto resumed = b->continue_firing(a.now, 100, {});
  for (int tries = 0; resumed.ok() && resumed->elsewhere && tries < 50; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    resumed = b->continue_firing(a.now, 100, {});
  }
  REQUIRE(resumed.ok());
  CHECK_FALSE(resumed->elsewhere);
  CHECK(resumed->firing_id == on_a->firing_id);
  CHECK(resumed->messages == 1);
  CHECK(resumed->finished);
}

}  // namespace deadline::test
