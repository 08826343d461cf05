// The PostgreSQL schema (lib/pg/pg_schema.h) against a real server, and against SQLite's: the
// same tables, columns, nullability and primary keys (the contract suite and `deadlinectl
// migrate` rely on one meaning).

#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <set>
#include <thread>

#include "base/temp_dir.h"
#include "pg/pg_schema.h"
#include "pg_test_support.h"
#include "store/migrations.h"

namespace deadline::test {

namespace {

// table -> column -> (NOT NULL, position in the primary key or 0)
using Shape = std::map<std::string, std::map<std::string, std::pair<bool, int>>>;

Shape sqlite_shape() {
  TempDir dir;
  SQLite::Database db((dir / "shape.sqlite").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(store::migrate(db).ok());
  Shape shape;
  SQLite::Statement tables(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (tables.executeStep()) {
    const std::string table = tables.getColumn(0).getString();
    SQLite::Statement columns(db, "SELECT name, \"notnull\", pk FROM pragma_table_info(?)");
    columns.bind(1, table);
    while (columns.executeStep()) {
      const int pk = columns.getColumn(2).getInt();
      // SQLite lets a primary key column hold NULL unless it says NOT NULL; PostgreSQL never does.
      shape[table][columns.getColumn(0).getString()] = {columns.getColumn(1).getInt() != 0 || pk > 0, pk};
    }
  }
  return shape;
}

Shape pg_shape(pg::PgConnection& c) {
  Shape shape;
  const auto columns = c.exec(
      "SELECT c.table_name, c.column_name, c.is_nullable = 'NO', "
      "coalesce((SELECT k.ordinal_position FROM information_schema.table_constraints t "
      "  JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name) "
      "  WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name AND k.column_name = c.column_name), 0) "
      "FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name <> 'deadlined_schema'");
  REQUIRE_MESSAGE(columns.ok(), columns.error());
  for (int r = 0; r < columns->rows(); ++r) {
    shape[columns->text(r, 0)][columns->text(r, 1)] = {columns->boolean(r, 2), static_cast<int>(columns->integer(r, 3))};
  }
  return shape;
}

int applied_rows(pg::PgConnection& c) {
  return static_cast<int>(c.exec("SELECT count(*) FROM deadlined_schema")->integer(0, 0));
}

}  // namespace

TEST_CASE("the PostgreSQL schema has SQLite's tables, columns, nullability and primary keys") {
  TestDatabase db;
  pg::PgConnection c = TestDatabase::connect(db.uri());
  CHECK(*pg::pg_schema_version(c) == 0);
  const auto migrated = pg::migrate_pg(c);
  REQUIRE_MESSAGE(migrated.ok(), migrated.error());
  CHECK(*pg::pg_schema_version(c) == pg::latest_pg_schema_version());
  const Shape sqlite = sqlite_shape();
  const Shape pg = pg_shape(c);
  CHECK(sqlite.size() == 19);
  for (const auto& [table, columns] : sqlite) {
    INFO("table " << table);
    REQUIRE(pg.count(table) == 1);
    for (const auto& [column, facts] : columns) {
      INFO("column " << column);
      REQUIRE(pg.at(table).count(column) == 1);
      CHECK(pg.at(table).at(column).first == facts.first);    // NOT NULL
      CHECK(pg.at(table).at(column).second == facts.second);  // primary key position
    }
    CHECK(pg.at(table).size() == columns.size());
  }
  // And the tables of several nodes, PostgreSQL's own (pg_schema.cc, versions 2 and 4): not moved.
  CHECK(pg.size() == sqlite.size() + 3);
  CHECK(pg.count("nodes") == 1);
  CHECK(pg.count("endpoint_sends") == 1);
  CHECK(pg.count("endpoint_blocks") == 1);
}

TEST_CASE("migrating again changes nothing, and two processes migrating at once apply each migration once") {
  TestDatabase db;
  std::vector<std::string> errors(2);
  std::thread first([&] {
    pg::PgConnection c = TestDatabase::connect(db.uri());
    if (auto s = pg::migrate_pg(c); !s) errors[0] = s.error();
  });
  std::thread second([&] {
    pg::PgConnection c = TestDatabase::connect(db.uri());
    if (auto s = pg::migrate_pg(c); !s) errors[1] = s.error();
  });
  first.join();
  second.join();
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
  pg::PgConnection c = TestDatabase::connect(db.uri());
  CHECK(applied_rows(c) == static_cast<int>(pg::pg_migrations().size()));
  REQUIRE(pg::migrate_pg(c).ok());
  CHECK(applied_rows(c) == static_cast<int>(pg::pg_migrations().size()));
}

TEST_CASE("a database migrated by a newer deadlined is refused and left as it is") {
  TestDatabase db;
  pg::PgConnection c = TestDatabase::connect(db.uri());
  REQUIRE(pg::migrate_pg(c).ok());
  const int newer = pg::latest_pg_schema_version() + 1;
  REQUIRE(c.exec("INSERT INTO deadlined_schema (version, description) VALUES ($1, 'from the future')",
                 {std::to_string(newer)}).ok());
  const auto refused = pg::migrate_pg(c);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error() == "migrating the PostgreSQL schema: database schema version " + std::to_string(newer) +
                               " is newer than this deadlined knows (" +
                               std::to_string(pg::latest_pg_schema_version()) + "); refusing to touch it");
  CHECK(*pg::pg_schema_version(c) == newer);
  CHECK(c.exec("SELECT 1").ok());  // the failed migration rolled back: the connection is usable
}

TEST_CASE("a migration that fails leaves no table behind") {
  TestDatabase db;
  pg::PgConnection c = TestDatabase::connect(db.uri());
  // A table the schema creates, already there: version 1 fails part-way and rolls back whole.
  REQUIRE(c.exec_script("CREATE TABLE firings (x int)").ok());
  const auto failed = pg::migrate_pg(c);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().find("relation \"firings\" already exists") != std::string::npos);
  CHECK(*pg::pg_schema_version(c) == 0);
  CHECK(c.exec("SELECT to_regclass('subscribers') IS NULL")->boolean(0, 0));
}

}  // namespace deadline::test
