// The libpq layer (lib/pg/pg_connection.h) against a real PostgreSQL 15 (tests/pg/pg_server.py).

#include <doctest/doctest.h>

#include "pg/pg_connection.h"
#include "pg_test_support.h"

namespace deadline::test {

TEST_CASE("a statement takes text parameters and NULL, and rows come back as text") {
  TestDatabase db;
  pg::PgConnection c = TestDatabase::connect(db.uri());
  REQUIRE(c.exec_script("CREATE TABLE t (id bigint PRIMARY KEY, name text, at timestamptz);").ok());
  const auto inserted = c.exec("INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $6)",
                               {"1", "企业'; DROP TABLE t; --", "2026-12-05T09:00+08:00", "2", std::nullopt, std::nullopt});
  REQUIRE_MESSAGE(inserted.ok(), inserted.error());
  CHECK(inserted->affected() == 2);
  const auto rows = c.exec("SELECT id, name, extract(epoch FROM at)::bigint FROM t ORDER BY id");
  REQUIRE_MESSAGE(rows.ok(), rows.error());
  REQUIRE(rows->rows() == 2);
  CHECK(rows->integer(0, 0) == 1);
  CHECK(rows->text(0, 1) == "企业'; DROP TABLE t; --");  // a value, never SQL
  CHECK(rows->integer(0, 2) == 1796432400);              // 2026-12-05 01:00 UTC
  CHECK(rows->is_null(1, 1));
  CHECK_FALSE(rows->optional_text(1, 2).has_value());
}

TEST_CASE("a failed statement names the server's message, its SQLSTATE and the statement") {
  TestDatabase db;
  pg::PgConnection c = TestDatabase::connect(db.uri());
  REQUIRE(c.exec_script("CREATE TABLE u (k text PRIMARY KEY)").ok());
  REQUIRE(c.exec("INSERT INTO u VALUES ($1)", {"a"}).ok());
  const auto again = c.exec("INSERT INTO u VALUES ($1)", {"a"});
  REQUIRE_FALSE(again.ok());
  CHECK(c.last_sqlstate() == "23505");
  CHECK(again.error().find("duplicate key value violates unique constraint") != std::string::npos);
  CHECK(again.error().find("[SQLSTATE 23505] in: INSERT INTO u VALUES ($1)") != std::string::npos);
  CHECK(again.error().find(db.name()) != std::string::npos);  // which database
  // The connection is still usable after a failed statement.
  CHECK(c.exec("SELECT 1").ok());
  CHECK(c.last_sqlstate().empty());
}

TEST_CASE("the connection's defaults (application_name, statement_timeout, UTF-8) and the URI's own keywords winning") {
  TestDatabase db;
  pg::ConnectSettings settings;
  settings.statement_timeout = std::chrono::milliseconds{200};
  pg::PgConnection c = TestDatabase::connect(db.uri(), settings);
  const auto shown = c.exec("SELECT current_setting('application_name'), current_setting('statement_timeout'), "
                            "current_setting('client_encoding')");
  REQUIRE_MESSAGE(shown.ok(), shown.error());
  CHECK(shown->text(0, 0) == "deadlined");
  CHECK(shown->text(0, 1) == "200ms");
  CHECK(shown->text(0, 2) == "UTF8");
  const auto slow = c.exec("SELECT pg_sleep(2)");
  REQUIRE_FALSE(slow.ok());
  CHECK(c.last_sqlstate() == "57014");  // query_canceled: the statement timeout, not a 2 s wait

  pg::PgConnection named = TestDatabase::connect(db.uri() + "&application_name=deadlined-node-2");
  CHECK(named.exec("SELECT current_setting('application_name')")->text(0, 0) == "deadlined-node-2");
}

TEST_CASE("connecting fails fast and says where, without the password") {
  TestDatabase db;
  // A socket directory with no server in it.
  const auto refused = pg::PgConnection::open("postgresql://deadlined:s3cret-pw@/postgres?host=/nonexistent-dir");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("cannot connect to PostgreSQL postgresql://deadlined@/postgres?host=/nonexistent-dir") == 0);
  CHECK(refused.error().find("s3cret-pw") == std::string::npos);
  std::string elsewhere = db.uri();
  elsewhere.replace(elsewhere.find(db.name()), db.name().size(), "nope");
  const auto no_database = pg::PgConnection::open(elsewhere);
  REQUIRE_FALSE(no_database.ok());
  CHECK(no_database.error().find("database \"nope\" does not exist") != std::string::npos);
}

TEST_CASE("a backend terminated by the server is noticed: the statement fails and alive() turns false") {
  TestDatabase db;
  pg::PgConnection c = TestDatabase::connect(db.uri());
  CHECK(c.alive());
  const auto terminated = db.admin().exec("SELECT pg_terminate_backend($1::int)", {std::to_string(c.backend_pid())});
  REQUIRE_MESSAGE(terminated.ok(), terminated.error());
  CHECK(terminated->boolean(0, 0));
  CHECK_FALSE(c.exec("SELECT 1").ok());
  CHECK_FALSE(c.alive());
}

}  // namespace deadline::test
