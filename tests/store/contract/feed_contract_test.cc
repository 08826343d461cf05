// FeedStore's contract (store/feed_store.h): the versions of calendar feed events. (What a feed
// link opens is SubscriptionStore::load_subscription's rule: subscription_contract_test.cc.)

#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;

STORE_CONTRACT("sync_feed_events: SEQUENCE and LAST-MODIFIED move only when an event changes") {
  test::ContractFixture<Backend> f;
  const Instant t0 = at("2026-11-01T00:00Z");
  const Instant t1 = at("2026-11-02T00:00Z");
  const Instant t2 = at("2026-11-03T00:00Z");
  auto v = f.feeds.sync_feed_events({{"a@x", "h1"}, {"b@x", "h2"}}, t0).value();
  REQUIRE(v.size() == 2);
  CHECK(v[0].uid == "a@x");
  CHECK((v[0].sequence == 0 && v[0].last_modified == t0));
  v = f.feeds.sync_feed_events({{"a@x", "h1"}, {"b@x", "h2-changed"}}, t1).value();
  CHECK((v[0].sequence == 0 && v[0].last_modified == t0));  // unchanged: nothing moves
  CHECK((v[1].sequence == 1 && v[1].last_modified == t1));
  v = f.feeds.sync_feed_events({{"b@x", "h2-changed"}}, t2).value();  // a gone: kept
  REQUIRE(v.size() == 1);
  CHECK((v[0].sequence == 1 && v[0].last_modified == t1));
  v = f.feeds.sync_feed_events({{"a@x", "h1-again"}}, t2).value();  // back, changed: goes on
  CHECK((v[0].sequence == 1 && v[0].last_modified == t2));
  CHECK(f.feeds.sync_feed_events({}, t2).value().empty());
}
