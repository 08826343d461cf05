// --db / [daemon] database: a SQLite path or a PostgreSQL URI, and nothing else
// (store/database_location.h).

#include <doctest/doctest.h>

#include "store/database_location.h"

namespace deadline::store {

using Kind = DatabaseLocation::Kind;

TEST_CASE("a path is a SQLite file, a postgresql:// or postgres:// URI is PostgreSQL") {
  for (const char* path : {"var/deadlined.sqlite", "/var/lib/deadlined/deadlined.sqlite", "a:b.sqlite", "./x"}) {
    const auto location = parse_database_location(path, "--db");
    REQUIRE_MESSAGE(location.ok(), location.error());
    CHECK(location->kind == Kind::sqlite_file);
    CHECK(location->file == path);
    CHECK(location->shown == path);
  }
  for (const char* uri : {"postgresql://deadlined@db.example.cn:5432/deadlined?sslmode=verify-full",
                          "postgres:///deadlined?host=/run/postgresql"}) {
    const auto location = parse_database_location(uri, "--db");
    REQUIRE_MESSAGE(location.ok(), location.error());
    CHECK(location->kind == Kind::postgresql);
    CHECK(location->uri == uri);
  }
}

TEST_CASE("any other URI is refused, naming the setting and what to give instead") {
  for (const char* uri : {"mysql://root@localhost/deadlined", "sqlite:///var/lib/deadlined.sqlite",
                          "file:///tmp/x.sqlite", "http://db.example.cn/"}) {
    const auto location = parse_database_location(uri, "deadlined.toml:3: database");
    REQUIRE_FALSE(location.ok());
    CHECK(location.error().find("deadlined.toml:3: database: '") == 0);
    CHECK(location.error().find("is not a database deadlined can use") != std::string::npos);
    CHECK(location.error().find("a postgresql:// URI") != std::string::npos);
  }
  CHECK_FALSE(parse_database_location("", "--db").ok());
  const auto capitals = parse_database_location("PostgreSQL://h/d", "--db");
  REQUIRE_FALSE(capitals.ok());
  CHECK(capitals.error() == "--db: 'PostgreSQL://h/d': write the scheme in lower case (postgresql://)");
}

TEST_CASE("a malformed PostgreSQL URI is refused with libpq's reason, and the password never shows") {
  const auto bad = parse_database_location("postgresql://u:hunter2@h/d?nosuchparam=1", "--db");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("--db: 'postgresql://u@h/d?nosuchparam=1' is not a valid PostgreSQL connection URI") == 0);
  CHECK(bad.error().find("nosuchparam") != std::string::npos);
  CHECK(bad.error().find("hunter2") == std::string::npos);
  const auto quoted = parse_database_location("postgresql://u@h/d?password=%zzhunter2", "--db");
  REQUIRE_FALSE(quoted.ok());
  CHECK(quoted.error().find("hunter2") == std::string::npos);
}

TEST_CASE("the shown form drops the password of the user part and of password=, keeps the rest") {
  CHECK(uri_without_password("postgresql://deadlined:s3cret@db:5432/deadlined?sslmode=require") ==
        "postgresql://deadlined@db:5432/deadlined?sslmode=require");
  CHECK(uri_without_password("postgresql://deadlined:p@ss@db/d") == "postgresql://deadlined@db/d");
  CHECK(uri_without_password("postgresql://db/d?user=x&password=s3cret&sslmode=require") ==
        "postgresql://db/d?user=x&sslmode=require");
  CHECK(uri_without_password("postgresql://db/d?PASSWORD=s3cret") == "postgresql://db/d");
  CHECK(uri_without_password("postgresql:///d?host=/run/postgresql") == "postgresql:///d?host=/run/postgresql");
  CHECK(uri_without_password("postgresql://u@db") == "postgresql://u@db");
}

}  // namespace deadline::store
