#include <iostream>

#include "deadlinectl/backup_command.h"
#include "deadlinectl/cli.h"
#include "deadlinectl/migrate_command.h"

namespace deadline::ctl {

// backup and restore work on the database file (--db) only; --admin plays no part. backup is
// safe beside a running daemon (it only reads); restore refuses while one holds the database.
void add_maintenance_commands(CLI::App& app, Globals& globals, Action& action) {
  auto backup_file = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* backup = app.add_subcommand(
      "backup",
      "Copy the database (--db) to FILE, also while deadlined runs; exit 1 unless the copy passes integrity_check");
  backup->add_option("file", *backup_file, "The backup (written as FILE.tmp, then renamed)")->required();
  backup->add_flag("--force", *force, "Replace an existing FILE");
  backup->callback([&globals, &action, backup_file, force] {
    action = [&globals, backup_file, force] {
      return backup_database(globals.store.database, *backup_file, *force, std::cout, std::cerr);
    };
  });

  auto restore_file = std::make_shared<std::string>();
  auto* restore = app.add_subcommand(
      "restore", "Replace the database (--db) with a backup; deadlined must be stopped; keeps DATABASE.before-restore");
  restore->add_option("file", *restore_file, "A backup made by deadlinectl backup")->required();
  restore->callback([&globals, &action, restore_file] {
    action = [&globals, restore_file] {
      return restore_database(globals.store.database, *restore_file, std::cout, std::cerr);
    };
  });

  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto* migrate = app.add_subcommand(
      "migrate", "Move a database between SQLite and PostgreSQL, either way, into an empty target (no daemon on either)");
  migrate->add_option("--from", *from, "The database to read: a SQLite file or a postgresql:// URI")->required();
  migrate->add_option("--to", *to, "The new database: a SQLite file (created) or an empty PostgreSQL database")
      ->required();
  migrate->callback([&action, from, to] {
    action = [from, to] { return migrate_database(*from, *to, std::cout, std::cerr); };
  });
}

}  // namespace deadline::ctl
