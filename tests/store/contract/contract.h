#pragma once
// The store contract suite: what each store interface (lib/store/*_store.h) promises, written
// once and run against every backend. A test case is a doctest template over the backends in
// DEADLINED_STORE_BACKENDS; a backend is a type whose make() returns a fresh, empty Store that
// lives as long as the backend object (a temporary file, a temporary database).
//
// The tests see a store only through its six interfaces (ContractFixture's references), never
// through SQL, so a second backend runs them unchanged: add its type here.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calendar/loader.h"
#include "schedule/revision_windows.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "test_support.h"
#ifdef DEADLINED_CONTRACT_ON_POSTGRESQL
#include "pg/pg_store.h"
#include "pg/pg_test_support.h"
#endif

namespace deadline::test {

struct SqliteBackend {
  TempDir dir;
  std::unique_ptr<store::Store> make() {
    auto opened = store::SqliteStore::open(dir / "db.sqlite");
    REQUIRE_MESSAGE(opened.ok(), opened.error());
    return std::move(opened.value());
  }
  // What a restart finds of the claims before it: on SQLite every one is over (one daemon owns
  // the file), with nothing to wait for.
  void end_claim_leases() {}
  static constexpr bool kLeasedClaims = false;
};

#ifdef DEADLINED_CONTRACT_ON_POSTGRESQL
// A fresh database on the `pg` tests' server (tests/pg/pg_test_support.h), dropped afterwards.
struct PgBackend {
  TestDatabase database;
  std::unique_ptr<store::Store> make() {
    auto opened = pg::PgStore::open(database.uri());
    REQUIRE_MESSAGE(opened.ok(), opened.error());
    return std::move(opened.value());
  }
  // The claims' node stopped beating long enough ago (pg/node_registry.h): their leases ended.
  void end_claim_leases() {
    const auto ended = connection().exec("UPDATE messages SET lease_until = 0 WHERE state = 'sending'");
    REQUIRE_MESSAGE(ended.ok(), ended.error());
  }
  static constexpr bool kLeasedClaims = true;

 private:
  pg::PgConnection& connection() {
    if (!direct) {
      auto opened = pg::PgConnection::open(database.uri());
      REQUIRE_MESSAGE(opened.ok(), opened.error());
      direct.emplace(std::move(opened).value());
    }
    return *direct;
  }
  std::optional<pg::PgConnection> direct;
};
#endif

// One store, seen by each client through its interface.
struct StoreInterfaces {
  explicit StoreInterfaces(std::unique_ptr<store::Store> store)
      : owner(std::move(store)), scheduling(*owner), outbox(*owner), subscriptions(*owner), admin(*owner),
        feeds(*owner), revisions(*owner) {}
  std::unique_ptr<store::Store> owner;
  store::SchedulingStore& scheduling;
  store::OutboxStore& outbox;
  store::SubscriptionStore& subscriptions;
  store::AdminStore& admin;
  store::FeedStore& feeds;
  store::RevisionStore& revisions;
};

// A fresh store of `Backend`, and the steps most stories start with.
template <class Backend>
struct ContractFixture : Backend, StoreInterfaces {
  ContractFixture() : StoreInterfaces(Backend::make()) {}

  Instant now = at("2026-11-23T09:00+08:00");
  int windows = 0;  // for fresh window ids

  std::int64_t subscriber(const std::string& email, SubscriberState state = SubscriberState::active) {
    const auto id = admin.add_subscriber(email, state, now);
    REQUIRE_MESSAGE(id.ok(), id.error());
    return *id;
  }
  std::int64_t endpoint(std::int64_t subscriber_id, EndpointKind kind = EndpointKind::webhook,
                        EndpointFilters filters = {}, std::vector<std::string> leads = {}) {
    store::NewEndpoint e;
    e.subscriber_id = subscriber_id;
    e.kind = kind;
    e.address = kind == EndpointKind::email ? "a@example.cn" : "https://hooks.example.cn/x";
    e.filters = std::move(filters);
    e.leads = std::move(leads);
    const auto id = admin.add_endpoint(e, now);
    REQUIRE_MESSAGE(id.ok(), id.error());
    return *id;
  }

  // A trigger of programme `programme`'s window `window_id`, with the facts filters look at.
  static Trigger trigger(const std::string& window_id, const std::string& lead, Instant due, Instant closes,
                         const std::string& programme = "p") {
    return {window_id, lead, due, closes,
            WindowFacts{programme, "工业和信息化部门", "资金引导", "工业和信息化部（装备工业一司）", "企业", "首台（套）重大技术装备保险补偿"}};
  }
  store::FireOutcome fire(const std::vector<Trigger>& triggers, store::FireKind kind = store::FireKind::on_time) {
    const auto outcome = scheduling.fire(triggers, kind, now, now);
    REQUIRE_MESSAGE(outcome.ok(), outcome.error());
    return *outcome;
  }
  // Fires one trigger of a fresh window of programme p, due now, closing at `closes`.
  store::FireOutcome fire_fresh(Instant closes) {
    return fire({trigger("p/w" + std::to_string(++windows) + "/2026", "7d", now, closes)});
  }
  store::FireOutcome fire_fresh() { return fire_fresh(at("2026-11-30T16:00Z")); }

  std::vector<store::OutboundMessage> claim(std::vector<EndpointKind> kinds = {EndpointKind::webhook}, int limit = 100,
                                            int per_endpoint = 4) {
    auto claimed = outbox.claim_ready(now, kinds, limit, per_endpoint);
    REQUIRE_MESSAGE(claimed.ok(), claimed.error());
    return claimed.value();
  }
  std::vector<std::int64_t> record(const std::vector<store::AttemptResult>& results) {
    auto disabled = outbox.record_attempts(results, now, {});
    REQUIRE_MESSAGE(disabled.ok(), disabled.error());
    return disabled.value();
  }
  // Claims every ready message of `kinds` and records `outcome` for each; their ids.
  std::vector<std::string> attempt_all(store::AttemptResult::Outcome outcome,
                                       std::vector<EndpointKind> kinds = {EndpointKind::webhook}) {
    std::vector<store::AttemptResult> results;
    std::vector<std::string> ids;
    for (const store::OutboundMessage& m : claim(kinds, 1000, 1000)) {
      store::AttemptResult r;
      r.message_id = m.id;
      r.endpoint_id = m.endpoint_id;
      r.outcome = outcome;
      r.next_attempt = now + std::chrono::hours{1};
      r.error = outcome == store::AttemptResult::Outcome::delivered ? "" : "HTTP 500";
      results.push_back(r);
      ids.push_back(m.id);
    }
    record(results);
    return ids;
  }

  // The ids of `endpoint_id`'s messages in `state`.
  std::vector<std::string> message_ids(std::int64_t endpoint_id, MessageState state) {
    const auto messages = admin.list_messages(state, 1000);
    REQUIRE_MESSAGE(messages.ok(), messages.error());
    std::vector<std::string> ids;
    for (const store::MessageRecord& m : *messages) {
      if (m.endpoint_id == endpoint_id) ids.push_back(m.id);
    }
    return ids;
  }
  std::size_t messages_of(std::int64_t endpoint_id, MessageState state = MessageState::pending) {
    return message_ids(endpoint_id, state).size();
  }
  std::int64_t message_total() {
    const auto counts = admin.message_counts();
    REQUIRE_MESSAGE(counts.ok(), counts.error());
    std::int64_t total = 0;
    for (const auto& [state, count] : *counts) total += count;
    return total;
  }
  MessageState state_of(const std::string& message_id) {
    const auto found = admin.find_message(message_id);
    REQUIRE_MESSAGE(found.ok(), found.error());
    REQUIRE(found->has_value());
    return (*found)->state;
  }
  store::EndpointRecord endpoint_record(std::int64_t id) {
    const auto found = admin.find_endpoint(id);
    REQUIRE_MESSAGE(found.ok(), found.error());
    REQUIRE(found->has_value());
    return **found;
  }
};

template <class Record>
std::vector<std::int64_t> ids_of(const std::vector<Record>& records) {
  std::vector<std::int64_t> ids;
  for (const Record& r : records) ids.push_back(r.id);
  return ids;
}
using Ids = std::vector<std::int64_t>;

// The revision of a fixture calendar in tests/calendar/fixtures/diff/ (before.toml, after.toml):
// what the revision and change-notice contracts record.
inline std::vector<RevisionWindow> diff_fixture_revision(const std::string& file) {
  LoadOutcome outcome = load_calendar_files({fixture("diff/" + file)});
  REQUIRE(outcome.calendar);
  return revision_windows(*outcome.calendar);
}

// A notice rule that tells every endpoint asked about every window what changed, as the rule
// would for one always in the ledger. `asked` collects (close told, window) as the store passed
// them.
inline NoticeDecider tell_all(std::vector<std::pair<std::optional<Instant>, std::string>>* asked = nullptr) {
  return [asked](const WindowChange& change, const std::optional<Instant>& close_told,
                 const std::vector<std::string>&) -> std::optional<ToldChange> {
    if (asked) asked->emplace_back(close_told, change.window_id);
    ToldChange told;
    told.window_id = change.window_id;
    for (ChangeKind k : change.kinds) {
      if (is_notice_worthy(k)) told.kinds.push_back(k);
    }
    told.previous = change.before;
    told.current = change.after;
    return told;
  };
}

}  // namespace deadline::test

// The backend the contract cases run on (each becomes its own test: "name<sqlite>"). The same
// sources are compiled twice: into unit_tests on SQLite, and into pg_contract_tests on
// PostgreSQL (label pg, which starts the server; tests/CMakeLists.txt).
#ifdef DEADLINED_CONTRACT_ON_POSTGRESQL
#define DEADLINED_STORE_BACKENDS deadline::test::PgBackend
TYPE_TO_STRING_AS("postgresql", deadline::test::PgBackend);
#else
#define DEADLINED_STORE_BACKENDS deadline::test::SqliteBackend
TYPE_TO_STRING_AS("sqlite", deadline::test::SqliteBackend);
#endif

// A contract case: `f` is a ContractFixture<Backend>.
#define STORE_CONTRACT(name) TEST_CASE_TEMPLATE(name, Backend, DEADLINED_STORE_BACKENDS)
