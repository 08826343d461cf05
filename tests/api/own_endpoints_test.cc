// The store's checks for the JSON API's endpoint changes: the token's generation, ownership and
// the last email endpoint, each in the same transaction as the change.

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "store/sqlite_store.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::store;
using Change = Store::OwnEndpointChange;

namespace {

struct Owner {
  std::int64_t subscriber = 0, generation = 0, email = 0, hook = 0;
};

struct Subscribed {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store = SqliteStore::open(dir / "db.sqlite").value();
  Instant now = *parse_iso8601("2026-11-23T09:00+08:00");

  // An active subscriber with their email endpoint and one webhook.
  Owner subscribe(const std::string& address) {
    Owner o;
    const auto outcome = store->request_subscription({address, {}, {"7d"}}, now, {});
    REQUIRE(outcome);
    o.subscriber = outcome->subscriber_id;
    o.generation = outcome->token_generation;
    REQUIRE(store->confirm_subscription(o.subscriber, o.generation, now).value() == ConfirmOutcome::confirmed);
    o.email = store->list_endpoints(o.subscriber).value().at(0).id;
    o.hook = store->add_own_endpoint(o.generation,
                                     {o.subscriber, EndpointKind::webhook, "https://hooks.example.cn/x", "", {}, {"7d"}}, now)
                 .value();
    return o;
  }
  EndpointRecord endpoint(std::int64_t id) { return store->find_endpoint(id).value().value(); }
};

}  // namespace

TEST_CASE("an endpoint's choices change only for its owner with a current token") {
  Subscribed s;
  const Owner me = s.subscribe("caiwu@qiye.example.cn"), other = s.subscribe("other@qiye.example.cn");
  EndpointFilters filters;
  filters.categories = {"资金引导"};
  filters.keywords = {"保险"};
  CHECK(s.store->set_own_endpoint_choices(me.subscriber, me.generation, me.hook, filters, {"3d", "1d"}).value() ==
        Change::done);
  CHECK(s.endpoint(me.hook).filters.categories == std::vector<std::string>{"资金引导"});
  CHECK(s.endpoint(me.hook).filters.keywords == std::vector<std::string>{"保险"});
  CHECK(s.endpoint(me.hook).leads == std::vector<std::string>{"1d", "3d"});
  // the email endpoint too: that is how the email choices change
  CHECK(s.store->set_own_endpoint_choices(me.subscriber, me.generation, me.email, {}, {"1d"}).value() == Change::done);
  CHECK(s.endpoint(me.email).leads == std::vector<std::string>{"1d"});
  CHECK(s.endpoint(me.email).filters.empty());
  // someone else's endpoint, an unknown one, a stale generation: nothing changes
  CHECK(s.store->set_own_endpoint_choices(other.subscriber, other.generation, me.hook, {}, {"7d"}).value() ==
        Change::not_found);
  CHECK(s.store->set_own_endpoint_choices(me.subscriber, me.generation, other.hook + 100, {}, {"7d"}).value() ==
        Change::not_found);
  CHECK(s.store->set_own_endpoint_choices(me.subscriber, me.generation + 1, me.hook, {}, {"7d"}).value() ==
        Change::revoked);
  CHECK(s.endpoint(me.hook).leads == std::vector<std::string>{"1d", "3d"});
  CHECK(s.endpoint(other.hook).leads == std::vector<std::string>{"7d"});
}

TEST_CASE("an endpoint is removed only by its owner, and never the last email endpoint") {
  Subscribed s;
  const Owner me = s.subscribe("caiwu@qiye.example.cn"), other = s.subscribe("other@qiye.example.cn");
  CHECK(s.store->remove_own_endpoint(other.subscriber, other.generation, me.hook).value() == Change::not_found);
  CHECK(s.store->remove_own_endpoint(me.subscriber, me.generation - 1, me.hook).value() == Change::revoked);
  CHECK(s.store->remove_own_endpoint(me.subscriber, me.generation, me.email).value() == Change::only_email);
  const auto queued =
      s.store->queue_test_message(me.subscriber, me.generation, me.hook, "p/w/2026", s.now + std::chrono::hours{24}, s.now);
  REQUIRE_MESSAGE(queued, queued.error());
  CHECK(s.store->remove_own_endpoint(me.subscriber, me.generation, me.hook).value() == Change::done);
  CHECK_FALSE(s.store->find_endpoint(me.hook).value());
  CHECK(s.store->list_endpoints(me.subscriber).value().size() == 1);
  CHECK(s.store->message_counts().value().empty());  // its messages went with it
  CHECK(s.store->remove_own_endpoint(me.subscriber, me.generation, me.hook).value() == Change::not_found);
  CHECK(s.store->find_endpoint(other.hook).value());
  // after unsubscribing, the token is revoked whatever the generation
  REQUIRE(s.store->unsubscribe(me.subscriber, s.now));
  const std::int64_t current = s.store->find_subscriber(me.subscriber).value()->token_generation;
  CHECK(s.store->remove_own_endpoint(me.subscriber, current, me.email).value() == Change::revoked);
  CHECK(s.store->set_own_endpoint_choices(me.subscriber, current, me.email, {}, {"7d"}).value() == Change::revoked);
}
