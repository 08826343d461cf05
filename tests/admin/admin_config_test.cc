// The [admin] section (lib/config/config.cc): the listen address, loopback unless allow_remote,
// and the token file's default next to the database.

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "test_support.h"

using namespace deadline;
namespace fs = std::filesystem;

namespace {

ConfigOutcome load(const test::TempDir& dir, const std::string& text) {
  const fs::path file = dir / "admin.toml";
  std::ofstream(file) << text;
  return load_config_file(file);
}

}  // namespace

TEST_CASE("the admin API listens on 127.0.0.1:8081 by default, its token next to the database") {
  const Config c = default_config();
  CHECK(c.admin.listen == "127.0.0.1:8081");
  CHECK_FALSE(c.admin.allow_remote);
  CHECK(c.admin.token_file == c.database.parent_path() / "admin-token");
}

TEST_CASE("[admin] sets the listen address, allow_remote and the token file") {
  const test::TempDir dir;
  const ConfigOutcome o = load(dir, "[daemon]\ndatabase = \"state/db.sqlite\"\n\n"
                                    "[admin]\nlisten = \"[::1]:9091\"\ntoken_file = \"secrets/admin\"\n");
  REQUIRE_MESSAGE(o.errors.empty(), o.errors.front());
  CHECK(o.config.admin.listen == "[::1]:9091");
  CHECK(o.config.admin.token_file == dir.path() / "secrets/admin");
  CHECK_FALSE(o.config.admin.allow_remote);

  const ConfigOutcome remote = load(dir, "[admin]\nlisten = \"0.0.0.0:8081\"\nallow_remote = true\n");
  REQUIRE_MESSAGE(remote.errors.empty(), remote.errors.front());
  CHECK(remote.config.admin.listen == "0.0.0.0:8081");
  CHECK(remote.config.admin.allow_remote);
}

TEST_CASE("the default token file follows the database the file names") {
  const test::TempDir dir;
  const ConfigOutcome o = load(dir, "[admin]\nlisten = \"127.0.0.2:1\"\n\n[daemon]\ndatabase = \"/srv/d/db.sqlite\"\n");
  REQUIRE_MESSAGE(o.errors.empty(), o.errors.front());
  CHECK(o.config.admin.token_file == fs::path("/srv/d/admin-token"));
  CHECK(o.config.admin.listen == "127.0.0.2:1");  // all of 127.0.0.0/8 is loopback
}

TEST_CASE("an admin address that is not loopback is refused at its line unless allow_remote") {
  const test::TempDir dir;
  const std::string f = (dir / "admin.toml").string();
  CHECK(load(dir, "[admin]\nallow_remote = false\nlisten = \"0.0.0.0:8081\"\n").errors ==
        std::vector<std::string>{f + ":3: [admin]: listen address '0.0.0.0:8081' is not a loopback address: the "
                                     "admin API must not be reachable from other machines (use 127.0.0.1 or [::1], "
                                     "or set allow_remote = true)"});
  CHECK(load(dir, "[admin]\nlisten = \"[2001:db8::1]:8081\"\n").errors.size() == 1);
  CHECK(load(dir, "[admin]\nlisten = \"192.168.1.5:8081\"\n").errors.size() == 1);
  CHECK(load(dir, "[admin]\nlisten = \"localhost:8081\"\n").errors ==
        std::vector<std::string>{f + ":2: [admin]: listen address 'localhost:8081' has an invalid IPv4 address "
                                     "(host names are not accepted)"});
  CHECK(load(dir, "[admin]\nallow_remote = \"yes\"\n").errors ==
        std::vector<std::string>{f + ":2: [admin]: 'allow_remote' must be true or false"});
  CHECK(load(dir, "[admin]\nport = 8081\n").errors ==
        std::vector<std::string>{f + ":2: [admin]: unknown key 'port'"});
  CHECK(load(dir, "[admin]\ntoken_file = \"\"\n").errors ==
        std::vector<std::string>{f + ":2: [admin]: 'token_file' must not be empty"});
}

TEST_CASE("admin_listen_problem applies the same rule to the --admin-listen flag") {
  CHECK(admin_listen_problem("127.0.0.1:0", false).empty());
  CHECK(admin_listen_problem("[::1]:8081", false).empty());
  CHECK_FALSE(admin_listen_problem("0.0.0.0:8081", false).empty());
  CHECK(admin_listen_problem("0.0.0.0:8081", true).empty());
  CHECK(admin_listen_problem("127.0.0.1", true) ==
        "listen address '127.0.0.1' has no port (write ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
}
