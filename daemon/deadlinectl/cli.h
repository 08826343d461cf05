#pragma once
// How deadlinectl's command line is put together: main.cc owns the global options, and each
// group of commands registers its subcommands, setting `action` to what runs when it is chosen.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "deadlinectl/admin_client.h"
#include "deadlinectl/calendar_commands.h"
#include "deadlinectl/store_commands.h"

namespace deadline::ctl {

struct Globals {
  CalendarSource calendars;
  StoreSource store;
  AdminTarget admin;   // --admin: the store verbs go to the running daemon instead of --db
};

using Action = std::function<int()>;

void add_calendar_commands(CLI::App& app, Globals& globals, Action& action);
void add_store_commands(CLI::App& app, Globals& globals, Action& action);
// backup and restore of the database file (backup_command.h).
void add_maintenance_commands(CLI::App& app, Globals& globals, Action& action);

}  // namespace deadline::ctl
