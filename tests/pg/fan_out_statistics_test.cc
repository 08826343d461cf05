// A large fan-out on PostgreSQL refreshes the outbox's statistics as it goes (pg_firings.cc,
// outgrew_statistics), against a real server: its chunks are planned from an outbox it has
// since outgrown otherwise, and a 1,000,000-endpoint fan-out took five times the server's CPU
// whenever autovacuum's autoanalyze did not come by in time (bench/README.md).

#include <doctest/doctest.h>

#include "../store/contract/contract.h"
#include "pg_test_support.h"

namespace deadline::test {

namespace {

constexpr int kEndpoints = 20000;  // past the first mark, 16,384 messages

// What the planner believes `messages` holds: pg_class.reltuples, which ANALYZE sets (-1 or 0
// before any ANALYZE that saw rows).
double believed_messages(pg::PgConnection& c) {
  return std::stod(c.exec("SELECT reltuples FROM pg_class WHERE relname = 'messages'")->text(0, 0));
}

}  // namespace

TEST_CASE("a fan-out refreshes the outbox's statistics each time it doubles, not only at its end") {
  ContractFixture<PgBackend> f;
  pg::PgConnection c = TestDatabase::connect(f.database.uri());
  REQUIRE(c.exec("INSERT INTO subscribers (id, email, email_hash, state, created_at, confirmed_at) "
                 "SELECT i, 'user' || i || '@example.cn', 'hash-' || i, 'active', 0, 0 "
                 "FROM generate_series(1, " + std::to_string(kEndpoints) + ") AS i")
              .ok());
  REQUIRE(c.exec("INSERT INTO endpoints (id, subscriber_id, kind, address, filter_fields, all_leads, created_at) "
                 "SELECT i, i, 'webhook', 'https://hooks.example.cn/x', 0, 1, 0 "
                 "FROM generate_series(1, " + std::to_string(kEndpoints) + ") AS i")
              .ok());
  // Autovacuum's autoanalyze could come by in the middle and refresh them itself.
  REQUIRE(c.exec("ALTER TABLE messages SET (autovacuum_enabled = false)").ok());
  const Trigger t = f.trigger("p/w/2026", "7d", f.now, at("2026-11-30T16:00Z"));
  const auto started = f.scheduling.start_firing({t}, store::FireKind::on_time, f.now, f.now);
  REQUIRE_MESSAGE(started.ok(), started.error());

  // Chunks of 2,000: the ninth makes 18,000 messages, past 16,384; the tenth is the last.
  std::vector<double> believed;
  for (int i = 0; i < 10; ++i) {
    const auto chunk = f.scheduling.continue_firing(f.now, 2000, {});
    REQUIRE_MESSAGE(chunk.ok(), chunk.error());
    CHECK(chunk->messages == 2000);
    CHECK(chunk->finished == (i == 9));
    believed.push_back(believed_messages(c));
  }
  // Not refreshed while the fan-out stays under the mark ...
  for (std::size_t i = 0; i < 8; ++i) CHECK_MESSAGE(believed[i] < 1000, "after chunk " << i + 1 << ": " << believed[i]);
  // ... refreshed once it passes it (ANALYZE samples: about 18,000), and at the end (20,000).
  CHECK(believed[8] > 15000);
  CHECK(believed[8] < 21000);
  CHECK(believed[9] > 18000);
}

}  // namespace deadline::test
