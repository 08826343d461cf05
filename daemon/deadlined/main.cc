// deadlined: reminds enterprises before support programmes' application windows close.

#include <curl/curl.h>

#include <CLI/CLI.hpp>

#include "deadlined/daemon.h"

int main(int argc, char** argv) {
  deadline::daemon::Flags flags;
  CLI::App app{"deadlined — programme deadline reminder daemon"};
  app.add_option("--config", flags.config_file, "TOML configuration file (docs/configuration.md)");
  app.add_option("--listen", flags.listen, "HTTP address, e.g. 127.0.0.1:8080 or [::1]:8080");
  app.add_option("--admin-listen", flags.admin_listen,
                 "Admin API address (loopback unless [admin] allow_remote), e.g. 127.0.0.1:8081");
  app.add_option("--db", flags.database, "SQLite database file");
  app.add_option("--calendars", flags.calendars, "Directory of calendar TOML files");
  app.add_flag("--check-config", flags.check_config, "Validate configuration and calendars, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);  // once, before any thread starts
  const int status = deadline::daemon::run(flags);
  curl_global_cleanup();
  return status;
}
