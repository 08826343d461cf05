// The configuration loader (lib/config): every key lands in Config, the embedded defaults, the
// STATE_DIRECTORY rule, and every error with its exact message (fixtures in tests/config/fixtures/).
// The messages are the operator's interface, as docs/configuration.md shows them.

#include "config/config.h"
#include "config/email_config.h"
#include "delivery/curl_multi_client.h"

#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "calendar/loader.h"
#include "test_support.h"

using namespace deadline;
namespace fs = std::filesystem;

namespace {

fs::path config_fixture(const std::string& name) {
  return fs::path(DEADLINED_TEST_DIR) / "config/fixtures" / name;
}

std::string at(const std::string& name, int line) {
  return config_fixture(name).string() + ":" + std::to_string(line);
}

// Sets (or, with nullptr, unsets) an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = std::string(old);
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Changes the working directory for one test and restores it after.
class ScopedCwd {
 public:
  explicit ScopedCwd(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~ScopedCwd() {
    std::error_code ignored;
    fs::current_path(old_, ignored);
  }
  ScopedCwd(const ScopedCwd&) = delete;
  ScopedCwd& operator=(const ScopedCwd&) = delete;

 private:
  fs::path old_;
};

std::vector<std::string> lead_ids(const std::vector<Lead>& leads) {
  std::vector<std::string> ids;
  for (const Lead& lead : leads) ids.push_back(lead.id);
  return ids;
}

void check_defaults(const Config& c) {
  CHECK(c.database == fs::path("var/deadlined.sqlite"));
  CHECK(c.calendars == default_calendar_dir());
  CHECK(c.listen == "127.0.0.1:8080");
  CHECK(c.http_read_timeout.count() == 15);
  CHECK(c.max_connections_per_ip == 32);
  CHECK(c.max_connections == 4096);
  CHECK(c.trusted_proxies.empty());
  CHECK(c.shutdown_grace.count() == 10);
  CHECK(c.drain.count() == 0);  // one node: a stop is not slowed down
  CHECK(c.horizon_years == 3);
  CHECK(c.send_time.count() == 9 * 60);
  CHECK(lead_ids(c.leads) == std::vector<std::string>{"open", "30d", "14d", "7d", "3d", "1d", "closing-day", "2h"});
  CHECK(c.leads == default_lead_menu());
  CHECK(c.replan_interval.count() == 60);
  CHECK(c.late_after.count() == 300);
  CHECK(c.fanout_chunk == 2000);
  CHECK(c.retention.finished_message_days == 90);
  CHECK(c.retention.unsubscribed_days == 30);
  CHECK(c.test_clock_offset_file.empty());
  CHECK(c.allow_hosts.empty());
  CHECK(c.max_in_flight == 64);
  CHECK(c.per_endpoint == 4);
  CHECK(c.delivery_connections_per_host == 8);
  CHECK(c.delivery_connections == 64);
  CHECK(c.failing_notice_after.count() == 3600);
  CHECK(c.email.relay == "smtp://localhost:25");
  CHECK(c.email.credentials_file.empty());
  CHECK(c.email.from_address == "deadlined@localhost.localdomain");
  CHECK(c.email.from_name == "申报提醒");
  CHECK(c.email.connections == 20);
  CHECK(c.public_url == "http://127.0.0.1:8080");
  CHECK(c.token_keys_file.filename() == "token-keys");
}

ConfigOutcome load_clean(const fs::path& file) {
  ConfigOutcome outcome = load_config_file(file);
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  return outcome;
}

std::vector<std::string> errors_of(const std::string& name) { return load_config_file(config_fixture(name)).errors; }

}  // namespace

TEST_CASE("a full configuration file sets every key") {
  const ScopedEnv no_state("STATE_DIRECTORY", nullptr);
  const fs::path dir = config_fixture("full.toml").parent_path();
  const Config c = load_clean(config_fixture("full.toml")).config;

  // [daemon]: a relative path is resolved against the file's directory; an absolute one is kept.
  CHECK(c.database == dir / "state/reminders.sqlite");
  CHECK(c.calendars == fs::path("/srv/deadlined/calendars"));
  CHECK(c.shutdown_grace.count() == 25);
  CHECK(c.drain.count() == 7);
  // [http]
  CHECK(c.listen == "[::1]:9090");
  CHECK(c.http_read_timeout.count() == 30);
  // [schedule]
  CHECK(c.horizon_years == 5);
  CHECK(c.send_time.count() == 8 * 60 + 30);
  REQUIRE(c.leads.size() == 4);
  CHECK(lead_ids(c.leads) == std::vector<std::string>{"open", "10d", "closing-day", "6h"});  // as written
  CHECK(c.leads[0].kind == LeadKind::opens);
  CHECK(c.leads[1].kind == LeadKind::days_before);
  CHECK(c.leads[1].amount == 10);
  CHECK(c.leads[2].kind == LeadKind::closing_day);
  CHECK(c.leads[3].kind == LeadKind::hours_before);
  CHECK(c.leads[3].amount == 6);
  CHECK(c.replan_interval.count() == 30);
  CHECK(c.late_after.count() == 600);
  // [retention]
  CHECK(c.retention.finished_message_days == 180);
  CHECK(c.retention.unsubscribed_days == 7);
  // [test]: relative too, and ".." is kept as written (not normalised).
  CHECK(c.test_clock_offset_file == dir / "../clock/offset");
}

TEST_CASE("a file named without a directory resolves its paths against the working directory") {
  const ScopedCwd cwd(config_fixture("full.toml").parent_path());
  const Config c = load_clean("full.toml").config;
  CHECK(c.database == fs::path("./state/reminders.sqlite"));
  CHECK(c.test_clock_offset_file == fs::path("./../clock/offset"));
  CHECK(c.calendars == fs::path("/srv/deadlined/calendars"));
}

TEST_CASE("an empty configuration file gives the embedded defaults") {
  const ScopedEnv no_state("STATE_DIRECTORY", nullptr);
  check_defaults(load_clean(config_fixture("empty.toml")).config);
}

TEST_CASE("a file with every section but no keys gives the embedded defaults") {
  const ScopedEnv no_state("STATE_DIRECTORY", nullptr);
  check_defaults(load_clean(config_fixture("empty_sections.toml")).config);
}

TEST_CASE("default_config holds the embedded defaults") {
  const ScopedEnv no_state("STATE_DIRECTORY", nullptr);
  check_defaults(default_config());
}

TEST_CASE("the default database is var/deadlined.sqlite without STATE_DIRECTORY") {
  const ScopedEnv no_state("STATE_DIRECTORY", nullptr);
  CHECK(default_database_path() == fs::path("var/deadlined.sqlite"));
}

TEST_CASE("the default database is under STATE_DIRECTORY when it is set") {
  const ScopedEnv state("STATE_DIRECTORY", "/var/lib/deadlined");
  CHECK(default_database_path() == fs::path("/var/lib/deadlined/deadlined.sqlite"));
  CHECK(default_config().database == fs::path("/var/lib/deadlined/deadlined.sqlite"));
}

TEST_CASE("the default database is under the first of several STATE_DIRECTORY entries") {
  const ScopedEnv state("STATE_DIRECTORY", "/var/lib/deadlined:/var/lib/other");
  CHECK(default_database_path() == fs::path("/var/lib/deadlined/deadlined.sqlite"));
  const ScopedEnv short_names("STATE_DIRECTORY", "a:b");
  CHECK(default_database_path() == fs::path("a/deadlined.sqlite"));
}

TEST_CASE("an empty STATE_DIRECTORY counts as unset") {
  const ScopedEnv state("STATE_DIRECTORY", "");
  CHECK(default_database_path() == fs::path("var/deadlined.sqlite"));
}

TEST_CASE("STATE_DIRECTORY is the database default of a file that names no database") {
  const ScopedEnv state("STATE_DIRECTORY", "/var/lib/deadlined");
  CHECK(load_clean(config_fixture("empty.toml")).config.database == fs::path("/var/lib/deadlined/deadlined.sqlite"));
  // A database named in the file wins.
  CHECK(load_clean(config_fixture("full.toml")).config.database ==
        config_fixture("full.toml").parent_path() / "state/reminders.sqlite");
}

TEST_CASE("the STATE_DIRECTORY guard restores the variable") {
  const ScopedEnv outer("STATE_DIRECTORY", "/outer");
  {
    const ScopedEnv inner("STATE_DIRECTORY", nullptr);
    CHECK(::getenv("STATE_DIRECTORY") == nullptr);
  }
  REQUIRE(::getenv("STATE_DIRECTORY") != nullptr);
  CHECK(std::string(::getenv("STATE_DIRECTORY")) == "/outer");
}

TEST_CASE("send_time accepts HH:MM from 00:00 to 23:59 only") {
  const test::TempDir dir;
  const auto load = [&](const std::string& send_time) {
    const fs::path file = dir / "send_time.toml";
    std::ofstream(file) << "[schedule]\nsend_time = \"" << send_time << "\"\n";
    return load_config_file(file);
  };
  struct Good { const char* text; int minutes; };
  for (const Good g : {Good{"00:00", 0}, Good{"07:05", 7 * 60 + 5}, Good{"12:00", 12 * 60}, Good{"19:59", 19 * 60 + 59},
                       Good{"23:59", 23 * 60 + 59}}) {
    const std::string text = g.text;
    CAPTURE(text);
    const ConfigOutcome outcome = load(g.text);
    CHECK(outcome.errors.empty());
    CHECK(outcome.config.send_time.count() == g.minutes);
  }
  for (const char* bad : {"24:00", "9:00", "09:0", "09:60", "09:00:00", "0900", "09h00", " 09:00", "09:00 ", "９:００"}) {
    const std::string text = bad;
    CAPTURE(text);
    const ConfigOutcome outcome = load(bad);
    REQUIRE(outcome.errors.size() == 1);
    CHECK(outcome.errors.front() == (dir / "send_time.toml").string() + ":2: [schedule]: send_time must be HH:MM (00:00 to 23:59), not '" +
                                        bad + "'");
  }
}

TEST_CASE("each configuration error names file:line and what is wrong") {
  struct Row { const char* fixture; int line; const char* message; };
  const Row rows[] = {
      {"unknown_section.toml", 4, "config: unknown key 'smtp'"},
      {"unknown_key.toml", 3, "[http]: unknown key 'port'"},
      {"wrong_type.toml", 2, "[daemon]: 'shutdown_grace_seconds' must be an integer"},
      {"wrong_type_string.toml", 2, "[http]: 'listen' must be a string"},
      {"section_not_table.toml", 1, "config: 'schedule' must be a table"},
      {"out_of_range.toml", 3, "[schedule]: 'replan_seconds' must be between 1 and 60"},
      {"malformed_send_time.toml", 2, "[schedule]: send_time must be HH:MM (00:00 to 23:59), not '9:00'"},
      {"send_time_not_string.toml", 2, "[schedule]: 'send_time' must be a string"},
      {"unknown_lead.toml", 2,
       "[schedule]: unknown lead '2w' (expected open, closing-day, Nd with N 1..366 or Nh with N 1..72)"},
      {"leads_not_strings.toml", 2, "[schedule]: 'leads' must be an array of strings"},
      {"leads_not_array.toml", 2, "[schedule]: 'leads' must be an array of strings"},
      {"empty_leads.toml", 2, "[schedule]: 'leads' must not be empty (leave it out for the default menu)"},
      {"empty_path.toml", 2, "[daemon]: 'database' must not be empty"},
      {"database_scheme.toml", 2, "[daemon]: database: 'mysql://root@db/deadlined' is not a database deadlined can use (scheme 'mysql'): give a file path for SQLite (e.g. /var/lib/deadlined/deadlined.sqlite) or a postgresql:// URI for PostgreSQL"},
      {"duplicate_leads.toml", 2, "[schedule]: lead '7d' is listed twice"},
      {"bad_listen.toml", 2,
       "[http]: listen address 'localhost:8080' has an invalid IPv4 address (host names are not accepted)"},
      {"syntax_error.toml", 3, "TOML syntax: Error while parsing key-value pair: cannot redefine existing string 'listen'"},
      {"syntax_unterminated_string.toml", 2,
       "TOML syntax: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly "
       "prohibited"},
  };
  for (const Row& row : rows) {
    const std::string name = row.fixture;
    CAPTURE(name);
    CHECK(errors_of(row.fixture) == std::vector<std::string>{at(row.fixture, row.line) + ": " + row.message});
  }
}

TEST_CASE("every error in a file is reported in order") {
  const std::string f = "several_errors.toml";
  CHECK(errors_of(f) == std::vector<std::string>{
                            at(f, 3) + ": [daemon]: 'shutdown_grace_seconds' must be between 1 and 600",
                            at(f, 6) + ": [http]: 'read_timeout_seconds' must be between 1 and 600",
                            at(f, 9) + ": [schedule]: send_time must be HH:MM (00:00 to 23:59), not '24:00'",
                            at(f, 10) + ": [schedule]: unknown lead '0d' (expected open, closing-day, Nd with N 1..366 or Nh with N 1..72)",
                            at(f, 10) + ": [schedule]: unknown lead '73h' (expected open, closing-day, Nd with N 1..366 or Nh with N 1..72)",
                            at(f, 11) + ": [schedule]: unknown key 'colour'",
                            at(f, 14) + ": [retention]: 'unsubscribed_days' must be between 1 and 3650",
                        });
}

TEST_CASE("a missing configuration file is reported at line 0") {
  const fs::path missing = config_fixture("no_such_file.toml");
  CHECK(load_config_file(missing).errors == std::vector<std::string>{missing.string() + ":0: cannot read the configuration file"});
}

TEST_CASE("a directory given as the configuration file is reported as unreadable") {
  const fs::path dir = config_fixture("full.toml").parent_path();
  CHECK(load_config_file(dir).errors == std::vector<std::string>{dir.string() + ":0: cannot read the configuration file"});
}

TEST_CASE("every integer key accepts exactly its documented range") {
  const test::TempDir dir;
  struct Range { const char* section; const char* key; int min; int max; };
  const Range ranges[] = {
      {"daemon", "shutdown_grace_seconds", 1, 600},
      {"daemon", "drain_seconds", 0, 300},
      {"http", "read_timeout_seconds", 1, 600},
      {"http", "max_connections_per_ip", 1, 10000},
      {"http", "max_connections", 1, 100000},
      {"schedule", "horizon_years", 0, 20},
      {"schedule", "replan_seconds", 1, 60},
      {"schedule", "late_after_seconds", 1, 86400},
      {"schedule", "fanout_chunk_endpoints", 100, 100000},
      {"retention", "finished_message_days", 1, 3650},
      {"retention", "unsubscribed_days", 1, 3650},
      {"delivery", "failing_notice_after_seconds", 0, 604800},
      {"delivery", "max_in_flight", 1, 10000},
      {"delivery", "per_endpoint", 1, 1000},
      {"delivery", "connections_per_host", 1, 10000},
      {"delivery", "connections", 1, 10000},
  };
  const fs::path file = dir / "range.toml";
  const auto errors = [&](const Range& r, long value) {
    std::ofstream(file) << "[" << r.section << "]\n" << r.key << " = " << value << "\n";
    return load_config_file(file).errors;
  };
  for (const Range& r : ranges) {
    const std::string key = r.key;
    CAPTURE(key);
    const std::vector<std::string> out_of_range{file.string() + ":2: [" + r.section + "]: '" + r.key + "' must be between " +
                                                std::to_string(r.min) + " and " + std::to_string(r.max)};
    CHECK(errors(r, r.min - 1L) == out_of_range);
    CHECK(errors(r, r.min).empty());
    CHECK(errors(r, r.max).empty());
    CHECK(errors(r, r.max + 1L) == out_of_range);
    CHECK(errors(r, 4294967296L + r.min) == out_of_range);  // not truncated to int first
  }
}

TEST_CASE("drain_seconds is a whole number of seconds from 0 to 300, its errors named by file:line") {
  const test::TempDir dir;
  const fs::path file = dir / "drain.toml";
  const auto load = [&](const std::string& value) {
    std::ofstream(file) << "[daemon]\nshutdown_grace_seconds = 5\ndrain_seconds = " << value << "\n";
    return load_config_file(file);
  };
  ConfigOutcome outcome = load("2");
  REQUIRE(outcome.errors.empty());
  CHECK(outcome.config.drain == std::chrono::seconds{2});
  CHECK(outcome.config.shutdown_grace == std::chrono::seconds{5});  // the grace comes after the drain
  CHECK(load("0").config.drain == std::chrono::seconds{0});
  const std::string f = file.string();
  for (const char* bad : {"\"2\"", "2.5", "true"}) {
    const std::string value = bad;
    CAPTURE(value);
    CHECK(load(bad).errors == std::vector<std::string>{f + ":3: [daemon]: 'drain_seconds' must be an integer"});
  }
  for (const char* bad : {"-1", "301"}) {
    const std::string value = bad;
    CAPTURE(value);
    CHECK(load(bad).errors == std::vector<std::string>{f + ":3: [daemon]: 'drain_seconds' must be between 0 and 300"});
  }
}

TEST_CASE("the unit's TimeoutStopSec= covers the shipped example's drain and grace with a margin") {
  // systemd kills the daemon (SIGKILL) TimeoutStopSec= after SIGTERM: the drain and the grace
  // period must both fit in it, or a stop behind a balancer ends in a kill.
  const fs::path source = fs::path(DEADLINED_TEST_DIR) / "..";
  const ConfigOutcome example = load_config_file(source / "systemd/deadlined.toml.example");
  REQUIRE_MESSAGE(example.errors.empty(), example.errors.front());
  std::ifstream unit(source / "systemd/deadlined.service");
  REQUIRE(unit);
  std::optional<int> timeout;
  for (std::string line; std::getline(unit, line);) {
    if (line.starts_with("TimeoutStopSec=")) timeout = std::stoi(line.substr(line.find('=') + 1));
  }
  REQUIRE(timeout);
  const auto needed = example.config.drain + example.config.shutdown_grace;
  CHECK(needed.count() + 10 <= *timeout);
}

TEST_CASE("the example in docs/configuration.md loads and sets the defaults it shows") {
  std::ifstream in(fs::path(DEADLINED_TEST_DIR) / "../docs/configuration.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string fence = "```toml\n";
  const std::size_t begin = doc.find(fence);
  REQUIRE(begin != std::string::npos);
  const std::size_t end = doc.find("```\n", begin + fence.size());
  REQUIRE(end != std::string::npos);
  const test::TempDir dir;
  const fs::path file = dir / "example.toml";
  std::ofstream(file) << doc.substr(begin + fence.size(), end - begin - fence.size());

  const ScopedEnv no_state("STATE_DIRECTORY", nullptr);
  Config c = load_clean(file).config;
  CHECK(c.database == fs::path("/var/lib/deadlined/deadlined.sqlite"));
  CHECK(c.calendars == fs::path("/usr/local/share/deadlined/calendars"));
  // Everything else is the default, as the page says.
  c.database = default_config().database;
  c.calendars = default_config().calendars;
  check_defaults(c);
}

TEST_CASE("email settings are checked where they are written") {
  const test::TempDir dir;
  const fs::path file = dir / "email.toml";
  std::ofstream(file) << "[email]\nrelay = \"http://mail.example.org\"\nfrom_address = \"a b@example.org\"\n"
                         "from_name = \"x\\r\\nBcc: y\"\nconnections = 0\n\n[http]\npublic_url = \"ftp://x.org\"\n";
  const std::vector<std::string> errors = load_config_file(file).errors;
  const std::string f = file.string();
  CHECK(errors == std::vector<std::string>{
                      f + ":8: [http]: public_url must be http:// or https://",
                      f + ":2: [email]: the relay must be smtp:// (with STARTTLS) or smtps://",
                      f + ":3: [email]: 'from_address': the part before @ has a character that is not allowed",
                      f + ":4: [email]: 'from_name' must be at most 120 bytes without control characters",
                      f + ":5: [email]: 'connections' must be between 1 and 100"});
}

TEST_CASE("a relay URL with a password in it is refused") {
  CHECK(smtp_relay_problem("smtps://user:secret@mail.example.org") ==
        "user names and passwords go in credentials_file, not in the relay URL");
  CHECK(smtp_relay_problem("smtps://mail.example.org:465").empty());
  CHECK(relay_is_loopback("smtp://127.0.0.1:2525"));
  CHECK(relay_is_loopback("smtp://localhost"));
  CHECK_FALSE(relay_is_loopback("smtp://mail.example.org"));
}

TEST_CASE("the http connection caps and trusted proxies are read") {
  const test::TempDir dir;
  const fs::path file = dir / "http.toml";
  std::ofstream(file) << "[http]\nmax_connections_per_ip = 8\nmax_connections = 200\n"
                         "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\", \"2001:db8::/32\"]\n";
  const Config c = load_clean(file).config;
  CHECK(c.max_connections_per_ip == 8);
  CHECK(c.max_connections == 200);
  std::vector<std::string> written;
  for (const http::Cidr& range : c.trusted_proxies) written.push_back(http::to_string(range));
  CHECK(written == std::vector<std::string>{"127.0.0.1/32", "10.0.0.0/8", "::1/128", "2001:db8::/32"});
  // What the daemon gives the server.
  const http::HttpLimits limits = http_limits(c);
  CHECK(limits.max_connections_per_ip == 8);
  CHECK(limits.max_connections == 200);
  CHECK(limits.trusted_proxies == c.trusted_proxies);
  CHECK(limits.read_timeout == std::chrono::seconds{15});
  CHECK(limits.header_limit == 8 * 1024);
  CHECK(limits.body_limit == 64 * 1024);
}

TEST_CASE("the delivery concurrency and libcurl's connection limits are read") {
  const test::TempDir dir;
  const fs::path file = dir / "delivery.toml";
  // The slow-receiver deployment of docs/configuration.md ("Many slow receivers").
  std::ofstream(file) << "[delivery]\nmax_in_flight = 1000\nper_endpoint = 4\nconnections_per_host = 100\n"
                         "connections = 1000\n";
  const Config c = load_clean(file).config;
  CHECK(c.max_in_flight == 1000);
  CHECK(c.per_endpoint == 4);
  CHECK(c.delivery_connections_per_host == 100);
  CHECK(c.delivery_connections == 1000);
}

TEST_CASE("the delivery connection defaults are the HTTP client's") {
  const Config c = default_config();
  const delivery::CurlMultiOptions client;
  CHECK(c.delivery_connections_per_host == client.max_host_connections);
  CHECK(c.delivery_connections == client.max_total_connections);
}

TEST_CASE("http_limits of the defaults are the server defaults") {
  const http::HttpLimits limits = http_limits(default_config());
  const http::HttpLimits server;
  CHECK(limits.read_timeout == server.read_timeout);
  CHECK(limits.max_connections_per_ip == server.max_connections_per_ip);
  CHECK(limits.max_connections == server.max_connections);
  CHECK(limits.trusted_proxies.empty());
}

TEST_CASE("each bad trusted proxy is reported on its own line") {
  const test::TempDir dir;
  const fs::path file = dir / "proxies.toml";
  std::ofstream(file) << "[http]\ntrusted_proxies = [\n  \"127.0.0.1\",\n  \"10.0.0.0/33\",\n  \"proxy.example\",\n"
                         "  \"10.0.0.1/8\",\n  \"127.0.0.1/32\",\n  \"fd00::/8\",\n]\n";
  const std::string f = file.string();
  const ConfigOutcome outcome = load_config_file(file);
  CHECK(outcome.errors == std::vector<std::string>{
                              f + ":4: [http]: trusted_proxies: '10.0.0.0/33': the prefix length must be 0 to 32 for IPv4",
                              f + ":5: [http]: trusted_proxies: 'proxy.example': not an IPv4 or IPv6 address or range",
                              f + ":6: [http]: trusted_proxies: '10.0.0.1/8': the address has bits set beyond the /8 prefix",
                              f + ":7: [http]: trusted_proxies: '127.0.0.1/32' is listed twice",
                          });
}

TEST_CASE("trusted_proxies must be an array of strings") {
  const test::TempDir dir;
  const fs::path file = dir / "proxies.toml";
  const std::string f = file.string();
  std::ofstream(file) << "[http]\ntrusted_proxies = \"127.0.0.1\"\n";
  CHECK(load_config_file(file).errors == std::vector<std::string>{f + ":2: [http]: 'trusted_proxies' must be an array of strings"});
  std::ofstream(file) << "[http]\ntrusted_proxies = [\"127.0.0.1\", 8]\n";
  CHECK(load_config_file(file).errors == std::vector<std::string>{f + ":2: [http]: 'trusted_proxies' must be an array of strings"});
  std::ofstream(file) << "[http]\ntrusted_proxies = []\n";
  CHECK(load_config_file(file).errors.empty());
  std::ofstream(file) << "[http]\nmax_connections = \"10\"\n";
  CHECK(load_config_file(file).errors == std::vector<std::string>{f + ":2: [http]: 'max_connections' must be an integer"});
}

TEST_CASE("[site]: the operator and the 备案 numbers, shown only when set") {
  const Config defaults = default_config();
  CHECK(defaults.site.operator_name == "惠企政策申报截止提醒（示例部署）");
  CHECK(defaults.site.operator_contact.empty());
  CHECK(defaults.site.icp_record.empty());
  CHECK(defaults.site.police_record.empty());
  const fs::path dir = fs::temp_directory_path() / ("deadlined-site-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "site.toml";
  std::ofstream(file) << "[site]\noperator_name = \"江苏省中小企业服务中心\"\noperator_contact = \"025-12345678\"\n"
                         "icp_record = \"苏ICP备12345678号-1\"\npolice_record = \"苏公网安备32010202012345号\"\n";
  const ConfigOutcome read = load_config_file(file);
  CHECK(read.errors.empty());
  CHECK(read.config.site.operator_name == "江苏省中小企业服务中心");
  CHECK(read.config.site.operator_contact == "025-12345678");
  CHECK(read.config.site.icp_record == "苏ICP备12345678号-1");
  CHECK(read.config.site.police_record == "苏公网安备32010202012345号");
  std::ofstream(file) << "[site]\npolice_record = \"苏公网安备\"\n";
  const ConfigOutcome bad = load_config_file(file);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0] == file.string() + ":2: [site]: police_record must hold the record's number (its digits make the link)");
  fs::remove_all(dir);
}

TEST_CASE("a PostgreSQL database keeps the secrets' files in the state directory and finds its pgpass credential") {
  const test::TempDir dir;
  const ScopedEnv state("STATE_DIRECTORY", (dir / "state").c_str());
  const fs::path file = dir / "pg.toml";
  std::ofstream(file) << "[daemon]\ndatabase = \"postgresql://deadlined@db.example.cn/deadlined\"\n"
                         "database_credentials_file = \"secrets/pgpass\"\n";
  const ConfigOutcome outcome = load_config_file(file);
  REQUIRE(outcome.errors.empty());
  CHECK(outcome.config.database == "postgresql://deadlined@db.example.cn/deadlined");
  // Never beside a URI (its "parent path" is no directory): where a file database would be.
  CHECK(outcome.config.token_keys_file == dir / "state" / "token-keys");
  CHECK(outcome.config.admin.token_file == dir / "state" / "admin-token");
  CHECK(outcome.config.database_credentials_file == dir / "secrets" / "pgpass");  // relative to the file
  CHECK(database_passfile(outcome.config.database_credentials_file) == dir / "secrets" / "pgpass");

  // Not configured: systemd's credential when it passed one, else none (libpq's default).
  fs::create_directories(dir / "credentials");
  const ScopedEnv credentials("CREDENTIALS_DIRECTORY", (dir / "credentials").c_str());
  CHECK(database_passfile({}).empty());
  std::ofstream(dir / "credentials" / "pgpass") << "db.example.cn:5432:deadlined:deadlined:secret\n";
  CHECK(database_passfile({}) == dir / "credentials" / "pgpass");
}
