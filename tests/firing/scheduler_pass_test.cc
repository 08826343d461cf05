// The scheduler's pass against a real SQLite store and a clock the test sets: first start,
// on-time firing, downtime, and the wall clock jumping both ways. Every trigger fires once.

#include "firing/scheduler_pass.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <doctest/doctest.h>

#include "calendar/loader.h"
#include "firing/scheduler.h"
#include "store/sqlite_store.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

using test::at;

struct World {
  test::TempDir dir;
  std::unique_ptr<store::SqliteStore> store = store::SqliteStore::open(dir / "db.sqlite").value();
  std::shared_ptr<const Plan> plan;

  World() {
    LoadOutcome outcome =
        load_calendar_files({std::filesystem::path(DEADLINED_TEST_DIR) / "schedule/fixtures/planner.toml"});
    REQUIRE(outcome.calendar);
    plan = make_plan(*outcome.calendar, {});
    const auto subscriber = store->add_subscriber("ops@example.cn", SubscriberState::active, at("2024-01-01T00:00Z")).value();
    store::NewEndpoint endpoint;
    endpoint.subscriber_id = subscriber;
    endpoint.address = "ops@example.cn";
    REQUIRE(store->add_endpoint(endpoint, at("2024-01-01T00:00Z")).ok());
  }

  // A pass and then its firings' chunks, as the scheduler runs them: what both did.
  struct PassAndChunks : PassReport {
    std::int64_t messages = 0;
  };
  PassAndChunks pass(const char* now, const PassOptions& options = {}) {
    PassAndChunks report{run_pass(*store, *plan, at(now), options), 0};
    REQUIRE_MESSAGE(report.errors.empty(), report.errors.front());
    // The pass records firings; their chunks add the messages (the scheduler runs them next).
    CHECK(store->unfinished_firings().value().size() == static_cast<std::size_t>(report.firings));
    const auto chunks = store::finish_firings(*store, at(now), 1000);
    REQUIRE_MESSAGE(chunks.ok(), chunks.error());
    report.messages = chunks->messages;
    return report;
  }
  std::int64_t count(const std::string& sql) { return store->database().execAndGet(sql).getInt64(); }
  std::vector<std::string> leads_delivered() {
    std::vector<std::string> leads;
    SQLite::Statement q(store->database(), "SELECT window_id || ' ' || lead FROM deliveries ORDER BY 1");
    while (q.executeStep()) leads.push_back(q.getColumn(0).getString());
    return leads;
  }
};

}  // namespace

TEST_CASE("the first pass starts the cursor at now and fires nothing from the past") {
  World w;
  const World::PassAndChunks first = w.pass("2024-11-27T00:00Z");
  CHECK(first.fired_on_time + first.fired_late + first.missed == 0);
  CHECK(w.store->cursor().value() == at("2024-11-27T00:00Z"));
  CHECK(format_utc(*first.next_due) == "2024-11-27T01:00:00Z");
}

TEST_CASE("a new database's cursor starts at the daemon's start - a point due during its start-up fires") {
  World w;
  PassOptions started;
  started.start_cursor = at("2024-11-27T00:59:58Z");  // the daemon began 2 s before the 01:00 point
  const World::PassAndChunks first = w.pass("2024-11-27T01:00:01Z", started);
  CHECK(first.fired_on_time == 2);
  CHECK(first.messages == 1);
  CHECK(w.store->cursor().value() == at("2024-11-27T01:00:01Z"));
  // Once the database has a cursor, a daemon's start no longer matters: nothing fires again.
  started.start_cursor = at("2024-11-27T00:00Z");
  const World::PassAndChunks next = w.pass("2024-11-27T01:00:05Z", started);
  CHECK(next.fired_on_time + next.fired_late + next.missed == 0);
}

TEST_CASE("a start after the first pass's now starts the cursor at now") {
  World w;
  PassOptions started;
  started.start_cursor = at("2024-11-27T02:00Z");  // a clock set back during start-up
  const World::PassAndChunks first = w.pass("2024-11-27T00:00Z", started);
  CHECK(first.fired_on_time + first.fired_late + first.missed == 0);
  CHECK(w.store->cursor().value() == at("2024-11-27T00:00Z"));
  CHECK(w.pass("2024-11-27T01:00Z").fired_on_time == 2);
}

TEST_CASE("triggers due together fire on time as one digest and never again") {
  World w;
  w.pass("2024-11-27T00:00Z");
  const World::PassAndChunks due = w.pass("2024-11-27T01:00Z");
  CHECK(due.fired_on_time == 2);  // day/1d and apply/3d both at 09:00 local
  CHECK(due.messages == 1);
  CHECK(due.lateness == std::vector<std::chrono::seconds>{std::chrono::seconds{0}});
  CHECK(w.leads_delivered() == std::vector<std::string>{"p/apply/2024 3d", "p/day/2024 1d"});
  CHECK(format_utc(*due.next_due) == "2024-11-28T01:00:00Z");
  const World::PassAndChunks again = w.pass("2024-11-27T01:00:30Z");
  CHECK(again.fired_on_time + again.fired_late == 0);
  CHECK(w.count("SELECT count(*) FROM messages") == 1);
}

TEST_CASE("after three days down - one late reminder per open window and closed ones recorded as missed") {
  World w;
  w.pass("2024-11-27T00:00Z");
  const World::PassAndChunks back = w.pass("2024-11-30T02:00Z");
  CHECK(back.missed == 2);        // p/day closed on the 29th at 00:00: its 1d and closing-day
  CHECK(back.fired_late == 4);    // p/apply 3d, 1d, closing-day and p/afternoon 30d
  CHECK(back.messages == 1);
  CHECK(w.leads_delivered() == std::vector<std::string>{"p/afternoon/2024 30d", "p/apply/2024 closing-day"});
  CHECK(w.count("SELECT count(*) FROM triggers WHERE outcome = 'missed'") == 2);
  CHECK(w.count("SELECT count(*) FROM triggers WHERE outcome = 'late'") == 4);
}

TEST_CASE("the clock set back two hours fires nothing twice") {
  World w;
  w.pass("2024-11-27T00:00Z");
  w.pass("2024-11-27T01:00Z");
  const World::PassAndChunks back = w.pass("2024-11-26T23:00Z");
  CHECK(back.fired_on_time + back.fired_late + back.missed == 0);
  CHECK(w.store->cursor().value() == at("2024-11-27T01:00Z"));  // never moves back
  const World::PassAndChunks forward = w.pass("2024-11-27T01:00Z");
  CHECK(forward.fired_on_time + forward.fired_late == 0);
  CHECK(w.count("SELECT count(*) FROM messages") == 1);
  CHECK(w.count("SELECT count(*) FROM triggers") == 2);
}

TEST_CASE("the clock jumping two hours ahead fires what it skipped exactly once") {
  World w;
  w.pass("2024-11-26T23:59Z");
  const World::PassAndChunks jump = w.pass("2024-11-27T02:00Z");
  CHECK(jump.fired_late == 2);
  CHECK(jump.fired_on_time == 0);
  CHECK(jump.messages == 1);
  const World::PassAndChunks after = w.pass("2024-11-27T02:00:30Z");
  CHECK(after.fired_on_time + after.fired_late == 0);
  CHECK(w.count("SELECT count(*) FROM deliveries") == 2);
}

TEST_CASE("an unsent reminder expires at its window's close") {
  World w;
  w.pass("2024-11-27T00:00Z");
  w.pass("2024-11-27T01:00Z");  // digest: p/day 1d (closes 11-28T16:00Z) and p/apply 3d (11-30T16:00Z)
  w.pass("2024-11-28T01:00Z");  // p/day closing-day: replaces the digest's p/day part, not its p/apply part
  CHECK(w.pass("2024-11-28T15:59:59Z").expired == 0);
  CHECK(w.pass("2024-11-28T16:00Z").expired == 1);   // the closing-day message of p/day
  // The digest lives until its last window closes. No pass runs between the 28th and that close
  // (as if the daemon were down): p/apply's 1d and closing-day are found after the close and
  // recorded as missed, and the digest expires unsent.
  const World::PassAndChunks close = w.pass("2024-11-30T16:00Z");
  CHECK(close.expired == 1);
  CHECK(close.missed == 2);
  CHECK(w.count("SELECT count(*) FROM messages WHERE state = 'pending'") == 1);  // p/afternoon 30d, late
}

TEST_CASE("the lateness histogram counts to the millisecond") {
  LatenessHistogram h;
  h.observe(std::chrono::microseconds{400});
  h.observe(std::chrono::milliseconds{50});
  h.observe(std::chrono::microseconds{50'001});
  h.observe(std::chrono::milliseconds{999});
  h.observe(std::chrono::seconds{400});
  const auto at_or_under = [&](double bound) {
    const auto i = std::find(h.kBounds.begin(), h.kBounds.end(), bound) - h.kBounds.begin();
    REQUIRE(i < static_cast<std::ptrdiff_t>(h.kBounds.size()));
    return h.counts[static_cast<std::size_t>(i)];
  };
  CHECK(at_or_under(0.001) == 1);
  CHECK(at_or_under(0.05) == 2);   // 50 ms is in the 50 ms bucket; 50.001 ms is not
  CHECK(at_or_under(0.1) == 3);
  CHECK(at_or_under(1) == 4);
  CHECK(at_or_under(300) == 4);
  CHECK(h.count == 5);
  CHECK(h.sum_seconds == doctest::Approx(401.0994));
}
