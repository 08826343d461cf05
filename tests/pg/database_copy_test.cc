// Moving a database between SQLite and PostgreSQL (store/database_copy.h), against a real
// server: every table mapped, the round trip SQLite -> PostgreSQL -> SQLite sums the same at
// every step, ids and identities carried over, and the refusals.

#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <set>

#include "base/temp_dir.h"
#include "pg/owner_lock.h"
#include "pg/pg_schema.h"
#include "pg_test_support.h"
#include "store/contract/contract.h"
#include "store/database_copy.h"
#include "store/database_lock.h"
#include "store/migrations.h"

namespace deadline::test {

namespace {

std::unique_ptr<store::TableRows> open_rows(const std::string& where) {
  const auto location = store::parse_database_location(where, "test");
  REQUIRE_MESSAGE(location.ok(), location.error());
  auto rows = store::open_table_rows(*location);
  REQUIRE_MESSAGE(rows.ok(), rows.error());
  return std::move(rows).value();
}

store::DatabaseSum sum_of(const std::string& where) {
  auto rows = open_rows(where);
  const auto sum = store::canonical_sum(*rows);
  REQUIRE_MESSAGE(sum.ok(), sum.error());
  return *sum;
}

std::int64_t rows_in(const store::DatabaseSum& sum, const std::string& table) {
  for (const store::TableSum& t : sum.tables) {
    if (t.table == table) return t.rows;
  }
  FAIL("no table " << table);
  return -1;
}

// A SQLite database with rows in most tables, made through the store's own interfaces (the
// contract fixture), plus text the canonical form must escape.
std::filesystem::path populated_sqlite(TempDir& dir) {
  const std::filesystem::path file = dir / "source.sqlite";
  {
    ContractFixture<SqliteBackend> f;
    const auto a = f.subscriber("a@example.cn");
    const auto b = f.subscriber("b@example.cn", SubscriberState::pending);
    f.endpoint(a, EndpointKind::webhook, EndpointFilters{{"p"}, {}, {}, {}, {}, {}}, {"7d", "1d"});
    f.endpoint(a, EndpointKind::email);
    f.endpoint(b, EndpointKind::wecom);
    f.fire_fresh();
    f.fire_fresh();
    f.attempt_all(store::AttemptResult::Outcome::retry);
    f.owner.reset();
    std::filesystem::copy_file(f.dir / "db.sqlite", file);
  }
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.exec("INSERT INTO feed_events (uid, content_hash, sequence, last_modified, record, ends_at, gone_at) VALUES "
          "('u1@deadlined', 'h', 3, 1764900000, '第一行\t制表\n第二行 \\ 反斜杠\r', 1765000000, NULL), "
          "('U2@deadlined', 'h2', 0, 1764900001, NULL, NULL, 1764999999)");
  db.exec("INSERT INTO calendar_sources (calendar_revision, files) VALUES "
          "('abc', '[{\"name\":\"jiangsu.toml\",\"text\":\"title = \\\"首台（套）\\\"\"}]')");
  return file;
}

}  // namespace

TEST_CASE("every table of the schema has a migrate mapping, and nothing else does") {
  TempDir dir;
  SQLite::Database db((dir / "schema.sqlite").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(store::migrate(db).ok());
  std::set<std::string> schema;
  SQLite::Statement tables(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (tables.executeStep()) schema.insert(tables.getColumn(0).getString());
  const std::set<std::string> mapped(store::migrated_tables().begin(), store::migrated_tables().end());
  CHECK(mapped == schema);
  CHECK(mapped.size() == store::migrated_tables().size());  // none listed twice
}

TEST_CASE("SQLite to PostgreSQL and back: every row, the same checksum at every step, identities moved on") {
  TempDir dir;
  TestDatabase pg;
  const std::filesystem::path source = populated_sqlite(dir);
  const store::DatabaseSum before = sum_of(source.string());
  CHECK(rows_in(before, "subscribers") == 2);
  CHECK(rows_in(before, "endpoint_filters") == 1);
  CHECK(rows_in(before, "endpoint_leads") == 2);
  CHECK(rows_in(before, "firings") == 2);
  CHECK(rows_in(before, "messages") >= 2);
  CHECK(rows_in(before, "feed_events") == 2);

  {
    auto from = open_rows(source.string());
    auto to = open_rows(pg.uri());
    const auto moved = store::copy_database(*from, *to);
    REQUIRE_MESSAGE(moved.ok(), moved.error());
    CHECK(moved->checksum == before.checksum);
  }
  CHECK(sum_of(pg.uri()).checksum == before.checksum);

  const std::filesystem::path back = dir / "back.sqlite";
  {
    auto from = open_rows(pg.uri());
    auto to = open_rows(back.string());
    const auto moved = store::copy_database(*from, *to);
    REQUIRE_MESSAGE(moved.ok(), moved.error());
  }
  const store::DatabaseSum after = sum_of(back.string());
  CHECK(after.checksum == before.checksum);
  for (std::size_t i = 0; i < before.tables.size(); ++i) CHECK(after.tables[i].rows == before.tables[i].rows);

  // The text came through byte for byte, and the next id PostgreSQL gives follows the moved ones.
  pg::PgConnection c = TestDatabase::connect(pg.uri());
  CHECK(c.exec("SELECT record FROM feed_events WHERE uid = 'u1@deadlined'")->text(0, 0) ==
        "第一行\t制表\n第二行 \\ 反斜杠\r");
  const auto next = c.exec("INSERT INTO subscribers (email, email_hash, state, created_at) "
                           "VALUES ('c@example.cn', 'hc', 'active', 0) RETURNING id");
  REQUIRE_MESSAGE(next.ok(), next.error());
  CHECK(next->integer(0, 0) == 3);
}

TEST_CASE("a target with rows is refused and keeps them, and so is a database a daemon runs on") {
  TempDir dir;
  TestDatabase pg;
  const std::filesystem::path source = populated_sqlite(dir);
  {
    pg::PgConnection c = TestDatabase::connect(pg.uri());
    REQUIRE(pg::migrate_pg(c).ok());
    REQUIRE(c.exec("INSERT INTO scheduler_state (name, value) VALUES ('cursor', 42)").ok());
  }
  {
    auto from = open_rows(source.string());
    auto to = open_rows(pg.uri());
    const auto refused = store::copy_database(*from, *to);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().find("is not empty (scheduler_state has 1 row(s)): the target of a move must be a new "
                               "database") != std::string::npos);
  }
  const store::DatabaseSum target = sum_of(pg.uri());
  CHECK(rows_in(target, "scheduler_state") == 1);
  CHECK(rows_in(target, "subscribers") == 0);

  // A daemon holds the SQLite file (its lock file) or the PostgreSQL database (its advisory lock).
  {
    const auto daemon = store::DatabaseLock::acquire(source);
    REQUIRE(daemon.ok());
    const auto location = store::parse_database_location(source.string(), "test");
    const auto refused = store::open_table_rows(*location);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().find("is in use by another deadlined") != std::string::npos);
  }
  {
    const auto daemon = pg::OwnerLock::acquire(pg.uri(), {}, pg::OwnerLock::Mode::node);
    REQUIRE(daemon.ok());
    const auto location = store::parse_database_location(pg.uri(), "test");
    const auto refused = store::open_table_rows(*location);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().find("is in use: pid ") != std::string::npos);
    CHECK(refused.error().find("a running deadlined") != std::string::npos);
  }
}

}  // namespace deadline::test
