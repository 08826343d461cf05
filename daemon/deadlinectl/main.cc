// deadlinectl: the operator's command line. The offline calendar commands, and maintenance
// verbs on the database file (--db); the verbs that talk to a running daemon come with the admin
// API.

#include <iostream>

#include "calendar/loader.h"
#include "config/config.h"
#include "deadlinectl/cli.h"
#include "store/database_location.h"

int main(int argc, char** argv) {
  using namespace deadline;
  CLI::App app{"deadlinectl — inspect and operate deadlined's programme calendar and database"};
  app.require_subcommand(1);

  ctl::Globals globals{{default_calendar_dir(), {}}, {default_database_path(), default_calendar_dir()}, {}};
  std::string calendars;
  app.add_option("--calendars", calendars,
                 "Calendar directory or file (default: installed calendars, else the source tree's)");
  app.add_option("--horizon", globals.calendars.projection.horizon_years,
                 "Years yearly programmes are projected ahead as estimates")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  app.add_option("--db", globals.store.database, "SQLite database (subscribers, endpoints, outbox)")
      ->capture_default_str();
  app.add_option("--admin", globals.admin.url,
                 "The running daemon's admin API (e.g. http://127.0.0.1:8081): the database verbs go through it")
      ->envname("DEADLINED_ADMIN");
  app.add_option("--admin-token-file", globals.admin.token_file,
                 "The admin API's bearer token (default: $DEADLINED_ADMIN_TOKEN, else admin-token beside a --db file, or in the state directory for a URI)");

  ctl::Action action;
  ctl::add_calendar_commands(app, globals, action);
  ctl::add_store_commands(app, globals, action);
  ctl::add_maintenance_commands(app, globals, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!calendars.empty()) globals.calendars.path = globals.store.calendars = calendars;
  // A URI is not a file name (store/database_location.h): refused before any verb runs.
  if (const auto location = store::parse_database_location(globals.store.database.string(), "--db"); !location) {
    std::cerr << "deadlinectl: " << location.error() << "\n";
    return 2;
  } else if (location->kind == store::DatabaseLocation::Kind::postgresql) {
    // A PostgreSQL database is backed up with PostgreSQL's own tools (docs/operations.md).
    if (app.got_subcommand("backup") || app.got_subcommand("restore")) {
      std::cerr << "deadlinectl: --db " << location->shown
                << ": back up a PostgreSQL database with PostgreSQL's own tools: pg_dump --format=custom "
                   "--file=deadlined.dump 'URI'; restore with deadlined stopped: pg_restore --clean --if-exists "
                   "--dbname='URI' deadlined.dump (docs/operations.md, \"Back up and restore\")\n";
      return 1;
    }
  }
  globals.admin.database = globals.store.database;
  return action ? action() : 2;
}
