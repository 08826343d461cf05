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
  auto v = f.feeds.sync_feed_events({{"a@x", "h1", "", {}}, {"b@x", "h2", "", {}}}, t0).value().versions;
  REQUIRE(v.size() == 2);
  CHECK(v[0].uid == "a@x");
  CHECK((v[0].sequence == 0 && v[0].last_modified == t0));
  v = f.feeds.sync_feed_events({{"a@x", "h1", "", {}}, {"b@x", "h2-changed", "", {}}}, t1).value().versions;
  CHECK((v[0].sequence == 0 && v[0].last_modified == t0));  // unchanged: nothing moves
  CHECK((v[1].sequence == 1 && v[1].last_modified == t1));
  v = f.feeds.sync_feed_events({{"b@x", "h2-changed", "", {}}}, t2).value().versions;  // a gone: kept
  REQUIRE(v.size() == 1);
  CHECK((v[0].sequence == 1 && v[0].last_modified == t1));
  v = f.feeds.sync_feed_events({{"a@x", "h1-again", "", {}}}, t2).value().versions;  // back, changed: goes on
  CHECK((v[0].sequence == 1 && v[0].last_modified == t2));
  CHECK(f.feeds.sync_feed_events({}, t2).value().versions.empty());
}

STORE_CONTRACT("sync_feed_events: a withdrawn event stays as gone, SEQUENCE raised once, until 30 days past its close") {
  test::ContractFixture<Backend> f;
  const Instant t0 = at("2026-11-01T00:00Z");
  const Instant close = at("2026-11-20T09:00Z");
  auto synced = f.feeds.sync_feed_events({{"a@x", "h1", "record a", close}, {"b@x", "h2", "record b", close}}, t0).value();
  CHECK(synced.gone.empty());
  // b leaves the calendar: gone, its SEQUENCE raised once, with what it last said.
  const Instant t1 = at("2026-11-05T00:00Z");
  synced = f.feeds.sync_feed_events({{"a@x", "h1", "record a", close}}, t1).value();
  REQUIRE(synced.gone.size() == 1);
  CHECK(synced.gone[0].version.uid == "b@x");
  CHECK(synced.gone[0].version.sequence == 1);
  CHECK(synced.gone[0].version.last_modified == t1);
  CHECK(synced.gone[0].record == "record b");
  // Every later sync shows it the same, without raising SEQUENCE again.
  synced = f.feeds.sync_feed_events({{"a@x", "h1", "record a", close}}, t1 + std::chrono::hours{1}).value();
  REQUIRE(synced.gone.size() == 1);
  CHECK(synced.gone[0].version.sequence == 1);
  // 30 days after its close it leaves the feeds.
  synced = f.feeds.sync_feed_events({{"a@x", "h1", "record a", close}}, close + kWithdrawnInFeedsFor).value();
  CHECK(synced.gone.empty());
  // Back in the calendar, unchanged: no longer gone, SEQUENCE raised again (apps showed it cancelled).
  const Instant t2 = at("2026-11-06T00:00Z");
  synced = f.feeds.sync_feed_events({{"a@x", "h1", "record a", close}, {"b@x", "h2", "record b", close}}, t2).value();
  CHECK(synced.gone.empty());
  CHECK(synced.versions[1].sequence == 2);
  CHECK(synced.versions[1].last_modified == t2);
}
