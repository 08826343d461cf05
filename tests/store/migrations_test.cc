#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "store/sqlite_store.h"
#include "test_support.h"

using namespace deadline;
using namespace deadline::store;

TEST_CASE("a database at the first schema version upgrades to the latest and keeps its data") {
  test::TempDir dir;
  const auto path = dir / "v1.sqlite";
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    REQUIRE(migrate(db, 1).ok());
    CHECK(schema_version(db) == 1);
    db.exec("INSERT INTO subscribers (email, email_hash, state, created_at) VALUES ('a@example.cn', 'h', 'active', 0)");
  }
  auto store = SqliteStore::open(path);
  REQUIRE_MESSAGE(store.ok(), store.error());
  CHECK(schema_version(store.value()->database()) == latest_schema_version());
  CHECK(latest_schema_version() >= 2);
  const auto subscribers = store.value()->search_subscribers("", std::nullopt, 0, 10);
  REQUIRE(subscribers.ok());
  REQUIRE(subscribers->size() == 1);
  CHECK(subscribers->front().email == "a@example.cn");
  CHECK(store.value()->message_counts()->empty());  // the outbox tables exist and are empty
}

TEST_CASE("migrating twice changes nothing") {
  test::TempDir dir;
  SQLite::Database db((dir / "db.sqlite").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(migrate(db).ok());
  REQUIRE(migrate(db).ok());
  CHECK(schema_version(db) == latest_schema_version());
}

TEST_CASE("a database newer than this program is refused untouched") {
  test::TempDir dir;
  const auto path = dir / "future.sqlite";
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 99");
  }
  const auto store = SqliteStore::open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error() == "database schema version 99 is newer than this deadlined knows (" +
                             std::to_string(latest_schema_version()) + "); refusing to touch it");
}

TEST_CASE("the store opens with WAL - synchronous FULL and foreign keys") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir / "sub" / "dir" / "db.sqlite");  // creates directories
  REQUIRE_MESSAGE(store.ok(), store.error());
  SQLite::Database& db = store.value()->database();
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(db.execAndGet("PRAGMA synchronous").getInt() == 2);
  CHECK(db.execAndGet("PRAGMA foreign_keys").getInt() == 1);
}
