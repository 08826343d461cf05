#pragma once
// deadlined's configuration: one TOML file (docs/configuration.md lists every key and its
// default), overridden by command-line flags. With no file, the embedded defaults run a working
// daemon: the database under $STATE_DIRECTORY (systemd) or ./var, the installed calendars or the
// source tree's, HTTP on 127.0.0.1:8080.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "http/client_address.h"
#include "http/limits.h"
#include "schedule/lead.h"
#include "domain/policies.h"

namespace deadline {

struct Config {
  std::filesystem::path database;
  // A PostgreSQL database's password file, in libpq's pgpass format (docs/configuration.md).
  // Empty: $CREDENTIALS_DIRECTORY/pgpass when systemd passed one (LoadCredential=pgpass:…), else
  // libpq's default ($PGPASSFILE, ~/.pgpass).
  std::filesystem::path database_credentials_file;
  // PostgreSQL: how long a node's claim on a message outlives the node's last heartbeat (it
  // beats every second); then another node sends the message, with the same id.
  std::chrono::seconds claim_lease{30};
  std::filesystem::path calendars;
  std::string listen = "127.0.0.1:8080";
  std::chrono::seconds http_read_timeout{15};
  // [http] connection caps (per peer address, trusted proxies exempt; in all) and the reverse
  // proxies whose X-Forwarded-For is believed (lib/http/client_address.h).
  int max_connections_per_ip = 32;
  int max_connections = 4096;
  std::vector<http::Cidr> trusted_proxies;
  std::chrono::seconds shutdown_grace{10};
  // [daemon] drain_seconds: after SIGTERM, /healthz answers 503 ("draining") this long while
  // everything else is still served, so a load balancer takes the node out of rotation before
  // its listeners close. 0 (one node, no balancer): stop at once.
  std::chrono::seconds drain{0};

  int horizon_years = 3;
  std::chrono::minutes send_time{9 * 60};
  std::vector<Lead> leads = default_lead_menu();
  std::chrono::seconds replan_interval{60};
  std::chrono::seconds late_after{300};
  // A reload people must be told of is staged this long before it is released (and told): time
  // to catch a slip of the keyboard with `deadlinectl changes drop`. 0 releases at once.
  std::chrono::seconds change_notice_delay{600};
  // Endpoints per chunk of a fan-out (firing/scheduler.h): what anything else on the store thread
  // waits for at most behind a fan-out.
  int fanout_chunk = kDefaultFanoutChunk;

  RetentionPolicy retention;

  // [delivery]
  std::vector<std::string> allow_hosts;                 // reachable over http and on any address
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds total_timeout{30};
  int max_in_flight = 64;
  int per_endpoint = 4;
  // libcurl's connection limits for webhooks and robots (CurlMultiOptions): towards one receiver
  // (host and port), and all together. A request beyond them waits inside libcurl for a free
  // connection, so the lower of max_in_flight and these sets the concurrency.
  int delivery_connections_per_host = 8;
  int delivery_connections = 64;
  std::vector<std::chrono::seconds> retry_delays;       // empty: the built-in schedule
  std::chrono::hours disable_after{72};
  std::chrono::seconds failing_notice_after{3600};      // EndpointHealthPolicy::failing_notice_after

  // [email]
  struct Email {
    std::string relay = "smtp://localhost:25";          // smtp:// (STARTTLS) or smtps://; plain only to loopback
    std::filesystem::path credentials_file;             // line 1 user name, line 2 password; none: no AUTH
    std::string from_address = "deadlined@localhost.localdomain";
    std::string from_name = "申报提醒";
    std::string ehlo_name = "localhost";
    std::string bounce_domain;                          // VERP envelope domain; empty: the From domain
    std::string list_id = "reminders.deadlined.localhost";
    // To the relay at once: a relay that scans mail answers each DATA after a second or so, and
    // reminders then go out at `connections` a second (bench/README.md, email_bench); 20 is
    // Postfix's own default concurrency towards one destination.
    int connections = 20;
  } email;
  // [http] public_url: where the links in emails point (unsubscribe, manage, confirm, feeds).
  std::string public_url = "http://127.0.0.1:8080";
  // [tokens] keys_file: the HMAC key ring for links; created with one fresh key when missing.
  std::filesystem::path token_keys_file;

  // [admin]: the admin API's own listener (docs/http-api.md, "Admin API").
  struct Admin {
    std::string listen = "127.0.0.1:8081";              // loopback only, unless allow_remote
    bool allow_remote = false;                          // lets `listen` be a non-loopback address
    std::filesystem::path token_file;                   // the bearer token; created when missing
  } admin;

  // [site]: who runs the site, shown in the subscribe form's 个人信息说明 and every page's footer
  // (web/page.h SiteFooter); the 备案 numbers of a site served in mainland China, each shown only
  // when set.
  struct Site {
    std::string operator_name = "惠企政策申报截止提醒（示例部署）";
    std::string operator_contact;                       // "" = not shown
    std::string icp_record;                             // "苏ICP备00000000号-1"; links to beian.miit.gov.cn
    std::string police_record;                          // "苏公网安备32010202000000号"; links to beian.mps.gov.cn
  } site;

  // [test] — for integration tests only: a file holding a clock offset in seconds.
  std::filesystem::path test_clock_offset_file;
  // [test] stall_file: when it exists at a watchdog tick, the event loop sleeps the seconds it
  // holds (then the file is removed): how a test holds the loop busy to see the pings stop.
  std::filesystem::path test_stall_file;
};

// $STATE_DIRECTORY/deadlined.sqlite under systemd, else ./var/deadlined.sqlite.
std::filesystem::path default_database_path();

// Where the token key ring and the admin token are kept by default: beside a database file, or
// for a database on a server (a URI) where a file database would be ($STATE_DIRECTORY or ./var).
std::filesystem::path default_secrets_dir(const std::filesystem::path& database);

// The password file a PostgreSQL connection uses: `configured`, else systemd's credential, else
// none (libpq's own default).
std::filesystem::path database_passfile(const std::filesystem::path& configured);

// The embedded defaults.
Config default_config();

struct ConfigOutcome {
  Config config;
  std::vector<std::string> errors;   // "file:line: context: message"; unusable if any
};

// The HTTP server's limits as the [http] section sets them; the rest are HttpLimits' defaults.
http::HttpLimits http_limits(const Config& config);

// Empty when `listen` may be the admin API's address: a valid ADDR:PORT (http/endpoint.h) on a
// loopback address (127.0.0.0/8, ::1), or any address when `allow_remote`. Else why not, e.g.
// "listen address '0.0.0.0:8081' is not a loopback address: ...". Used for [admin] listen and for
// the --admin-listen flag.
std::string admin_listen_problem(const std::string& listen, bool allow_remote);

// Reads `file` over the defaults. Relative paths in the file are relative to the file's directory.
ConfigOutcome load_config_file(const std::filesystem::path& file);

}  // namespace deadline
