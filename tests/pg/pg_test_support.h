#pragma once
// The `pg` tests' server and databases. CTest starts one PostgreSQL for the run
// (tests/pg/pg_server.py, a FIXTURES_SETUP / FIXTURES_CLEANUP pair) and tells each test where in
// DEADLINED_PG_DIR; each test case makes a database of its own (TestDatabase) and drops it at
// the end, so cases never see each other's rows and may run in parallel.

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "pg/pg_connection.h"

namespace deadline::test {

// The fixture server's URI (its `postgres` database, as superuser `deadlined`).
inline std::string pg_server_uri() {
  const char* dir = std::getenv("DEADLINED_PG_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "DEADLINED_PG_DIR is not set: run the pg tests through ctest (label pg)");
  std::ifstream file(std::string(dir) + "/uri");
  REQUIRE_MESSAGE(file.good(), "no " << dir << "/uri: the pg.server fixture did not start");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A fresh, empty database on the fixture server, dropped (with any sessions left on it) when
// this goes.
class TestDatabase {
 public:
  TestDatabase() : admin_(connect(pg_server_uri())) {
    std::random_device random;
    std::ostringstream name;
    name << "t_" << std::hex << random() << random();
    name_ = name.str();
    const auto created = admin_.exec("CREATE DATABASE " + name_);
    REQUIRE_MESSAGE(created.ok(), created.error());
    const std::string server = pg_server_uri();
    uri_ = "postgresql:///" + name_ + server.substr(server.find('?'));
  }
  ~TestDatabase() { (void)admin_.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }
  // A superuser connection to the server, for what a test does from outside (terminating a
  // backend, say).
  pg::PgConnection& admin() { return admin_; }

  static pg::PgConnection connect(const std::string& uri, const pg::ConnectSettings& settings = {}) {
    auto opened = pg::PgConnection::open(uri, settings);
    REQUIRE_MESSAGE(opened.ok(), opened.error());
    return std::move(opened).value();
  }

 private:
  pg::PgConnection admin_;
  std::string name_, uri_;
};

}  // namespace deadline::test
