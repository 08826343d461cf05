// Who may use a PostgreSQL database (lib/pg/owner_lock.h): daemons together, an offline
// deadlinectl verb alone. Against a real server.

#include <doctest/doctest.h>

#include "pg/owner_lock.h"
#include "pg_test_support.h"

namespace deadline::test {

TEST_CASE("a second exclusive owner is refused, naming the holder's pid and application_name, the lock frees when the holder goes") {
  TestDatabase db;
  pg::ConnectSettings first_settings;
  first_settings.application_name = "deadlined-first";
  std::optional<pg::OwnerLock> first;
  {
    auto taken = pg::OwnerLock::acquire(db.uri(), first_settings);
    REQUIRE_MESSAGE(taken.ok(), taken.error());
    first.emplace(std::move(taken).value());
  }
  CHECK(first->held());
  // The documented key, as an operator sees it in pg_locks.
  const auto seen = db.admin().exec(
      "SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
      "WHERE locktype = 'advisory' AND classid = 1684365668 AND objid = 1818848868 AND objsubid = 1 "
      "AND database = (SELECT oid FROM pg_database WHERE datname = $1)",
      {db.name()});
  REQUIRE_MESSAGE(seen.ok(), seen.error());
  REQUIRE(seen->rows() == 1);
  CHECK(seen->text(0, 1) == "deadlined-first");

  const auto second = pg::OwnerLock::acquire(db.uri());
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().find("is in use: pid " + seen->text(0, 0) +
                            " (application_name 'deadlined-first') holds advisory lock 7234295460384042596") !=
        std::string::npos);

  first.reset();  // the holder's session ends
  const auto after = pg::OwnerLock::acquire(db.uri());
  CHECK_MESSAGE(after.ok(), after.error());
}

TEST_CASE("a lock whose connection the server killed is no longer held, and is taken again on a new connection") {
  TestDatabase db;
  auto taken = pg::OwnerLock::acquire(db.uri());
  REQUIRE_MESSAGE(taken.ok(), taken.error());
  pg::OwnerLock& lock = taken.value();
  const auto killed = db.admin().exec(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1684365668 "
      "AND objid = 1818848868 AND database = (SELECT oid FROM pg_database WHERE datname = $1)",
      {db.name()});
  REQUIRE_MESSAGE(killed.ok(), killed.error());
  REQUIRE(killed->rows() == 1);
  CHECK_FALSE(lock.held());
  const auto again = lock.reacquire();
  REQUIRE_MESSAGE(again.ok(), again.error());
  CHECK(lock.held());
  // Meanwhile another process could have taken it: then reacquire says who.
  auto other_database_user = pg::OwnerLock::acquire(db.uri());
  CHECK_FALSE(other_database_user.ok());
}

TEST_CASE("nodes share the lock with each other, never with an exclusive holder") {
  using Mode = pg::OwnerLock::Mode;
  TestDatabase db;
  pg::ConnectSettings node_settings;
  node_settings.application_name = "deadlined-node";
  std::optional<pg::OwnerLock> first_node, second_node;
  {
    auto a = pg::OwnerLock::acquire(db.uri(), node_settings, Mode::node);
    REQUIRE_MESSAGE(a.ok(), a.error());
    first_node.emplace(std::move(a).value());
    auto b = pg::OwnerLock::acquire(db.uri(), node_settings, Mode::node);
    REQUIRE_MESSAGE(b.ok(), b.error());
    second_node.emplace(std::move(b).value());
  }
  CHECK(first_node->held());
  CHECK(second_node->held());
  const auto offline = pg::OwnerLock::acquire(db.uri(), {}, Mode::exclusive);
  REQUIRE_FALSE(offline.ok());
  CHECK(offline.error().find("(application_name 'deadlined-node')") != std::string::npos);
  CHECK(offline.error().find("stop every daemon on this database first") != std::string::npos);
  const auto holder = pg::OwnerLock::holder_of(db.uri());
  REQUIRE(holder.ok());
  CHECK(holder.value().has_value());

  first_node.reset();
  second_node.reset();
  pg::ConnectSettings offline_settings;
  offline_settings.application_name = "deadlinectl";
  const auto alone = pg::OwnerLock::acquire(db.uri(), offline_settings, Mode::exclusive);
  REQUIRE_MESSAGE(alone.ok(), alone.error());
  const auto node = pg::OwnerLock::acquire(db.uri(), {}, Mode::node);
  REQUIRE_FALSE(node.ok());
  CHECK(node.error().find("(application_name 'deadlinectl')") != std::string::npos);
  CHECK(node.error().find("an offline deadlinectl verb") != std::string::npos);
}

TEST_CASE("daemons on two databases of one server do not meet: the key is per database") {
  TestDatabase first_db, second_db;
  const auto first = pg::OwnerLock::acquire(first_db.uri());
  REQUIRE_MESSAGE(first.ok(), first.error());
  const auto second = pg::OwnerLock::acquire(second_db.uri());
  CHECK_MESSAGE(second.ok(), second.error());
}

}  // namespace deadline::test
