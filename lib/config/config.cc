#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <regex>
#include <toml++/toml.h>

#include "base/toml_reader.h"
#include "config/email_config.h"
#include "calendar/loader.h"
#include "http/endpoint.h"
#include "store/database_location.h"

namespace deadline {

namespace fs = std::filesystem;

fs::path default_database_path() {
  if (const char* state = std::getenv("STATE_DIRECTORY"); state && *state) {
    // systemd may pass several directories separated by ':'; ours is the first.
    const std::string first = std::string(state).substr(0, std::string(state).find(':'));
    return fs::path(first) / "deadlined.sqlite";
  }
  return fs::path("var") / "deadlined.sqlite";
}

fs::path default_secrets_dir(const fs::path& database) {
  return store::looks_like_uri(database.string()) ? default_database_path().parent_path() : database.parent_path();
}

fs::path database_passfile(const fs::path& configured) {
  if (!configured.empty()) return configured;
  if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials && *credentials) {
    const fs::path pgpass = fs::path(credentials) / "pgpass";
    std::error_code ignored;
    if (fs::exists(pgpass, ignored)) return pgpass;
  }
  return {};
}

Config default_config() {
  Config config;
  config.database = default_database_path();
  config.calendars = default_calendar_dir();
  config.token_keys_file = default_secrets_dir(config.database) / "token-keys";
  config.admin.token_file = default_secrets_dir(config.database) / "admin-token";
  return config;
}

namespace {

// Reads an integer number of seconds (or days) within bounds into `target`, if present.
template <class Duration>
void read_duration(TableReader& r, std::string_view key, int min, int max, Duration& target) {
  if (const auto value = r.integer(key, min, max, false)) target = Duration{*value};
}

fs::path read_path(TableReader& r, std::string_view key, const fs::path& base, const fs::path& fallback) {
  const std::string text = r.text(key, false);
  if (text.empty()) return fallback;
  const fs::path path(text);
  return path.is_relative() ? base / path : path;
}

void read_daemon(TableReader& r, const fs::path& base, Config& c) {
  const fs::path default_keys = default_secrets_dir(c.database) / "token-keys";
  const fs::path default_admin_token = default_secrets_dir(c.database) / "admin-token";
  // A URI (postgresql://…) is kept as written, never joined to the file's directory; any other
  // scheme is refused here, with the line (store/database_location.h).
  if (const std::string database = r.text("database", false); store::looks_like_uri(database)) {
    if (const auto location = store::parse_database_location(database, "database"); location) {
      c.database = database;
    } else {
      r.error(r.line("database"), location.error());
    }
  } else if (!database.empty()) {
    c.database = fs::path(database).is_relative() ? base / database : fs::path(database);
  }
  if (c.token_keys_file == default_keys) c.token_keys_file = default_secrets_dir(c.database) / "token-keys";
  if (c.admin.token_file == default_admin_token) c.admin.token_file = default_secrets_dir(c.database) / "admin-token";
  c.database_credentials_file = read_path(r, "database_credentials_file", base, c.database_credentials_file);
  read_duration(r, "claim_lease_seconds", 3, 600, c.claim_lease);
  c.calendars = read_path(r, "calendars", base, c.calendars);
  read_duration(r, "shutdown_grace_seconds", 1, 600, c.shutdown_grace);
  // At most 5 minutes: a balancer checking every few seconds needs far less, and systemd's
  // TimeoutStopSec= must cover drain + grace (docs/operations.md, "Behind a load balancer").
  read_duration(r, "drain_seconds", 0, 300, c.drain);
}

void read_http(TableReader& r, Config& c) {
  if (const std::string listen = r.text("listen", false); !listen.empty()) {
    if (const auto endpoint = http::parse_endpoint(listen); endpoint) {
      c.listen = listen;
    } else {
      r.error(r.line("listen"), endpoint.error());
    }
  }
  read_duration(r, "read_timeout_seconds", 1, 600, c.http_read_timeout);
  if (const auto n = r.integer("max_connections_per_ip", 1, 10000, false)) c.max_connections_per_ip = *n;
  if (const auto n = r.integer("max_connections", 1, 100000, false)) c.max_connections = *n;
  if (!r.strings("trusted_proxies", false).empty()) {
    for (const toml::node& element : *r.find("trusted_proxies", false)->as_array()) {
      const std::string text = *element.value<std::string>();
      const Result<http::Cidr> range = http::parse_cidr(text);
      if (!range) {
        r.error(line_of(element), "trusted_proxies: " + range.error());
      } else if (std::find(c.trusted_proxies.begin(), c.trusted_proxies.end(), *range) != c.trusted_proxies.end()) {
        r.error(line_of(element), "trusted_proxies: '" + text + "' is listed twice");
      } else {
        c.trusted_proxies.push_back(*range);
      }
    }
  }
  if (const std::string url = r.text("public_url", false); !url.empty()) {
    if (const std::string problem = public_url_problem(url); !problem.empty()) {
      r.error(r.line("public_url"), problem);
    } else {
      c.public_url = url.back() == '/' ? url.substr(0, url.size() - 1) : url;
    }
  }
}

void read_tokens(TableReader& r, const fs::path& base, Config& c) {
  c.token_keys_file = read_path(r, "keys_file", base, c.token_keys_file);
}

// Text shown on every page: one line of at most 200 bytes without control characters.
void read_site_text(TableReader& r, std::string_view key, std::string& target) {
  const std::string text = r.text(key, false);
  if (text.empty()) return;
  const bool control = std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  if (control || text.size() > 200) {
    r.error(r.line(key), std::string(key) + " must be one line of at most 200 bytes");
  } else {
    target = text;
  }
}

void read_site(TableReader& r, Config& c) {
  read_site_text(r, "operator_name", c.site.operator_name);
  read_site_text(r, "operator_contact", c.site.operator_contact);
  read_site_text(r, "icp_record", c.site.icp_record);
  read_site_text(r, "police_record", c.site.police_record);
  if (!c.site.police_record.empty() &&
      std::none_of(c.site.police_record.begin(), c.site.police_record.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    r.error(r.line("police_record"), "police_record must hold the record's number (its digits make the link)");
    c.site.police_record.clear();
  }
}

void read_admin(TableReader& r, const fs::path& base, Config& c) {
  const std::string listen = r.text("listen", false);
  if (const auto allow = r.boolean("allow_remote", false)) c.admin.allow_remote = *allow;
  if (!listen.empty()) {
    if (const std::string problem = admin_listen_problem(listen, c.admin.allow_remote); !problem.empty()) {
      r.error(r.line("listen"), problem);
    } else {
      c.admin.listen = listen;
    }
  }
  c.admin.token_file = read_path(r, "token_file", base, c.admin.token_file);
}

void read_schedule(TableReader& r, Config& c) {
  if (const auto horizon = r.integer("horizon_years", 0, 20, false)) c.horizon_years = *horizon;
  if (const std::string send_time = r.text("send_time", false); !send_time.empty()) {
    static const std::regex hh_mm(R"(^([01]\d|2[0-3]):([0-5]\d)$)");
    std::smatch m;
    if (std::regex_match(send_time, m, hh_mm)) {
      c.send_time = std::chrono::hours{std::stoi(m[1])} + std::chrono::minutes{std::stoi(m[2])};
    } else {
      r.error(r.line("send_time"), "send_time must be HH:MM (00:00 to 23:59), not '" + send_time + "'");
    }
  }
  const toml::array* leads = r.find("leads", false) ? r.find("leads", false)->as_array() : nullptr;
  if (leads && leads->empty()) {
    r.error(r.line("leads"), "'leads' must not be empty (leave it out for the default menu)");
    return;
  }
  const auto written = r.strings("leads", false);
  if (!written.empty()) {
    c.leads.clear();
    for (const std::string& w : written) {
      const Result<Lead> lead = parse_lead(w);
      if (!lead) {
        r.error(r.line("leads"), lead.error());
      } else if (std::find(c.leads.begin(), c.leads.end(), *lead) != c.leads.end()) {
        r.error(r.line("leads"), "lead '" + w + "' is listed twice");
      } else {
        c.leads.push_back(*lead);
      }
    }
  }
  read_duration(r, "replan_seconds", 1, 60, c.replan_interval);
  read_duration(r, "late_after_seconds", 1, 86400, c.late_after);
  read_duration(r, "change_notice_delay_seconds", 0, 7 * 86400, c.change_notice_delay);
  if (const auto n = r.integer("fanout_chunk_endpoints", 100, 100000, false)) c.fanout_chunk = static_cast<int>(*n);
}

void read_delivery(TableReader& r, Config& c) {
  for (const std::string& host : r.strings("allow_hosts", false)) {
    if (host.empty()) {
      r.error(r.line("allow_hosts"), "allow_hosts must not hold an empty host");
    } else {
      c.allow_hosts.push_back(host);
    }
  }
  read_duration(r, "connect_timeout_seconds", 1, 300, c.connect_timeout);
  read_duration(r, "total_timeout_seconds", 1, 600, c.total_timeout);
  if (const auto n = r.integer("max_in_flight", 1, 10000, false)) c.max_in_flight = *n;
  if (const auto n = r.integer("per_endpoint", 1, 1000, false)) c.per_endpoint = *n;
  if (const auto n = r.integer("connections_per_host", 1, 10000, false)) c.delivery_connections_per_host = *n;
  if (const auto n = r.integer("connections", 1, 10000, false)) c.delivery_connections = *n;
  if (const toml::node* node = r.find("retry_delays_seconds", false)) {
    const toml::array* delays = node->as_array();
    if (!delays || delays->empty() || !delays->is_homogeneous(toml::node_type::integer)) {
      r.error(line_of(*node), "'retry_delays_seconds' must be a non-empty array of integers");
    } else {
      for (const toml::node& d : *delays) {
        const auto value = *d.value<std::int64_t>();
        if (value < 1 || value > 7 * 86400) {
          r.error(line_of(d), "retry delays must be between 1 and 604800 seconds");
        } else {
          c.retry_delays.emplace_back(value);
        }
      }
    }
  }
  read_duration(r, "disable_after_hours", 1, 24 * 365, c.disable_after);
  read_duration(r, "failing_notice_after_seconds", 0, 7 * 86400, c.failing_notice_after);
}

void read_retention(TableReader& r, Config& c) {
  if (const auto days = r.integer("finished_message_days", 1, 3650, false)) c.retention.finished_message_days = *days;
  if (const auto days = r.integer("unsubscribed_days", 1, 3650, false)) c.retention.unsubscribed_days = *days;
}

}  // namespace

http::HttpLimits http_limits(const Config& config) {
  http::HttpLimits limits;
  limits.read_timeout = config.http_read_timeout;
  limits.max_connections_per_ip = static_cast<std::size_t>(config.max_connections_per_ip);
  limits.max_connections = static_cast<std::size_t>(config.max_connections);
  limits.trusted_proxies = config.trusted_proxies;
  return limits;
}

std::string admin_listen_problem(const std::string& listen, bool allow_remote) {
  const auto endpoint = http::parse_endpoint(listen);
  if (!endpoint) return endpoint.error();
  if (allow_remote || endpoint->address().is_loopback()) return {};
  return "listen address '" + listen +
         "' is not a loopback address: the admin API must not be reachable from other machines "
         "(use 127.0.0.1 or [::1], or set allow_remote = true)";
}

ConfigOutcome load_config_file(const fs::path& file) {
  ConfigOutcome outcome{default_config(), {}};
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  // A directory opens like a file on Linux and reads as empty: it would silently mean "defaults".
  if (!in || fs::is_directory(file, ec)) {
    outcome.errors.push_back(name + ":0: cannot read the configuration file");
    return outcome;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(bytes.str(), name);
  } catch (const toml::parse_error& e) {
    outcome.errors.push_back(name + ":" + std::to_string(e.source().begin.line) + ": TOML syntax: " +
                             std::string(e.description()));
    return outcome;
  }
  const fs::path base = file.has_parent_path() ? file.parent_path() : fs::path(".");
  TableReader top(root, "config", name, outcome.errors);
  const auto section = [&](std::string_view key, auto&& read) {
    if (const toml::table* t = top.subtable(key)) {
      TableReader r(*t, "[" + std::string(key) + "]", name, outcome.errors);
      read(r);
      r.reject_unknown_keys();
    }
  };
  section("daemon", [&](TableReader& r) { read_daemon(r, base, outcome.config); });
  section("http", [&](TableReader& r) { read_http(r, outcome.config); });
  section("schedule", [&](TableReader& r) { read_schedule(r, outcome.config); });
  section("retention", [&](TableReader& r) { read_retention(r, outcome.config); });
  section("delivery", [&](TableReader& r) { read_delivery(r, outcome.config); });
  section("email", [&](TableReader& r) { read_email(r, base, outcome.config.email); });
  section("tokens", [&](TableReader& r) { read_tokens(r, base, outcome.config); });
  section("admin", [&](TableReader& r) { read_admin(r, base, outcome.config); });
  section("site", [&](TableReader& r) { read_site(r, outcome.config); });
  section("test", [&](TableReader& r) {
    outcome.config.test_clock_offset_file = read_path(r, "clock_offset_file", base, {});
    outcome.config.test_stall_file = read_path(r, "stall_file", base, {});
  });
  top.reject_unknown_keys();
  return outcome;
}

}  // namespace deadline
