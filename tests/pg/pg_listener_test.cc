// PgListener (lib/pg/pg_listener.h) and schema migration 3's trigger (pg_message_notify.h)
// against a real PostgreSQL: what another session inserts into messages wakes the listener, a
// burst wakes it a few times, not once per row or per transaction, and a listener whose session
// is killed listens again.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "pg/pg_listener.h"
#include "pg/pg_schema.h"
#include "pg_test_support.h"

namespace deadline::test {

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// The listener's calls, counted; a test waits for the next one.
class Wakes {
 public:
  void operator()() {
    {
      const std::lock_guard<std::mutex> guard(mutex_);
      ++count_;
      last_ = SteadyClock::now();
    }
    changed_.notify_all();
  }
  int count() {
    const std::lock_guard<std::mutex> guard(mutex_);
    return count_;
  }
  // True once the count has reached `n` within `timeout`.
  bool wait_for(int n, milliseconds timeout) {
    std::unique_lock<std::mutex> guard(mutex_);
    return changed_.wait_for(guard, timeout, [&] { return count_ >= n; });
  }
  SteadyClock::time_point last() {
    const std::lock_guard<std::mutex> guard(mutex_);
    return last_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
  SteadyClock::time_point last_{};
};

// A migrated database with one endpoint whose messages the tests insert.
pg::PgConnection outbox_with_an_endpoint(TestDatabase& db) {
  pg::PgConnection c = TestDatabase::connect(db.uri());
  const Status migrated = pg::migrate_pg(c);
  REQUIRE_MESSAGE(migrated.ok(), migrated.error());
  REQUIRE(c.exec("INSERT INTO subscribers (id, email_hash, state, created_at) VALUES (1, 'h', 'active', 0)").ok());
  REQUIRE(c.exec("INSERT INTO endpoints (id, subscriber_id, kind, address, created_at) "
                 "VALUES (1, 1, 'webhook', 'https://example.com/hook', 0)").ok());
  return c;
}

// `rows` messages in one statement, ids starting with `prefix`.
void insert_messages(pg::PgConnection& c, const std::string& prefix, int rows) {
  const auto inserted = c.exec(
      "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, expires_at, updated_at) "
      "SELECT $1 || n, 1, 0, 0, 'pending', 0, 4102444800, 0 FROM generate_series(1, $2::int) AS n",
      {prefix, std::to_string(rows)});
  REQUIRE_MESSAGE(inserted.ok(), inserted.error());
}

pg::ListenerOptions test_listener_options() {
  pg::ListenerOptions options;
  options.first_retry = milliseconds{50};
  return options;
}

double ms_since(SteadyClock::time_point start, SteadyClock::time_point end = SteadyClock::now()) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

}  // namespace

TEST_CASE("a message another session inserts wakes the listener within a second, a rolled-back or empty insert does not") {
  TestDatabase db;
  pg::PgConnection c = outbox_with_an_endpoint(db);
  Wakes wakes;
  auto listener = std::make_unique<pg::PgListener>(db.uri(), pg::ConnectSettings{}, [&] { wakes(); },
                                                   test_listener_options());
  // The call that says it is listening (what committed before was not notified).
  REQUIRE(wakes.wait_for(1, milliseconds{5000}));
  CHECK(listener->listening());

  const auto inserted_at = SteadyClock::now();
  insert_messages(c, "a", 1);
  REQUIRE(wakes.wait_for(2, milliseconds{1000}));
  const double latency = ms_since(inserted_at, wakes.last());
  MESSAGE("INSERT committed -> listener called: " << latency << " ms");
  CHECK(latency < 1000);

  REQUIRE(c.exec("BEGIN").ok());
  insert_messages(c, "rolled-back-", 3);
  REQUIRE(c.exec("ROLLBACK").ok());
  // An INSERT of no rows (a fan-out chunk that matched no endpoint) fires the statement-level
  // trigger too, which stays quiet.
  insert_messages(c, "none-", 0);
  std::this_thread::sleep_for(milliseconds{300});
  CHECK(wakes.count() == 2);

  const auto stop_at = SteadyClock::now();
  listener.reset();
  MESSAGE("listener stopped in " << ms_since(stop_at) << " ms");
  CHECK(ms_since(stop_at) < 500);  // the eventfd wakes its wait: no poll timeout to sit out
}

TEST_CASE("a burst of inserts wakes the listener a few times, not once per row or per transaction") {
  TestDatabase db;
  pg::PgConnection c = outbox_with_an_endpoint(db);
  Wakes wakes;
  const pg::ListenerOptions options = test_listener_options();  // coalesce: 50 ms
  pg::PgListener listener(db.uri(), pg::ConnectSettings{}, [&] { wakes(); }, options);
  REQUIRE(wakes.wait_for(1, milliseconds{5000}));

  // A fan-out chunk's shape: thousands of rows in one statement, one transaction.
  insert_messages(c, "chunk-", 5000);
  REQUIRE(wakes.wait_for(2, milliseconds{1000}));
  std::this_thread::sleep_for(milliseconds{300});
  CHECK(wakes.count() == 2);

  // 200 transactions back to back, each its own notification on the server.
  const int before = wakes.count();
  const auto burst_at = SteadyClock::now();
  for (int i = 0; i < 200; ++i) insert_messages(c, "burst-" + std::to_string(i) + "-", 1);
  const double burst_ms = ms_since(burst_at);
  std::this_thread::sleep_for(options.coalesce * 4);  // the trailing call
  const int calls = wakes.count() - before;
  MESSAGE("200 one-row transactions in " << burst_ms << " ms: " << calls << " listener calls");
  CHECK(calls >= 1);
  CHECK(calls <= 2 + static_cast<int>(burst_ms / static_cast<double>(options.coalesce.count())));
  CHECK(calls < 200);
}

TEST_CASE("a listener whose session is terminated listens again and later notifications arrive") {
  TestDatabase db;
  pg::PgConnection c = outbox_with_an_endpoint(db);
  Wakes wakes;
  pg::PgListener listener(db.uri(), pg::ConnectSettings{}, [&] { wakes(); }, test_listener_options());
  REQUIRE(wakes.wait_for(1, milliseconds{5000}));
  const int first_pid = listener.backend_pid();
  REQUIRE(first_pid != 0);

  const auto killed_at = SteadyClock::now();
  const auto killed = db.admin().exec("SELECT pg_terminate_backend($1)", {std::to_string(first_pid)});
  REQUIRE_MESSAGE(killed.ok(), killed.error());
  REQUIRE(killed->boolean(0, 0));
  // The reconnect's own call: notifications may have been missed while away.
  REQUIRE(wakes.wait_for(2, milliseconds{5000}));
  MESSAGE("terminated -> listening again: " << ms_since(killed_at, wakes.last()) << " ms");
  CHECK(listener.listening());
  CHECK(listener.backend_pid() != 0);
  CHECK(listener.backend_pid() != first_pid);

  const auto inserted_at = SteadyClock::now();
  insert_messages(c, "after-", 1);
  REQUIRE(wakes.wait_for(3, milliseconds{1000}));
  MESSAGE("INSERT after the reconnect -> listener called: " << ms_since(inserted_at, wakes.last()) << " ms");
}

TEST_CASE("the listener keeps trying while the database cannot be reached, then listens") {
  TestDatabase db;
  // A database that does not exist yet: each attempt fails until it is created.
  const std::string name = db.name() + "_later";
  const std::string later_uri = "postgresql:///" + name + db.uri().substr(db.uri().find('?'));
  Wakes wakes;
  auto listener = std::make_unique<pg::PgListener>(later_uri, pg::ConnectSettings{}, [&] { wakes(); },
                                                   test_listener_options());
  std::this_thread::sleep_for(milliseconds{300});
  CHECK_FALSE(listener->listening());
  CHECK(wakes.count() == 0);
  REQUIRE(db.admin().exec("CREATE DATABASE " + name).ok());
  CHECK(wakes.wait_for(1, milliseconds{5000}));
  CHECK(listener->listening());
  listener.reset();  // before its database goes
  (void)db.admin().exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

}  // namespace deadline::test
