#pragma once
// Opens the Store a database location names (database_location.h): a SQLite file, or a
// PostgreSQL database (pg/pg_store.h). Both are migrated to the latest schema on open. What the
// daemon and deadlinectl call, so neither names a backend.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "pg/pg_connection.h"
#include "store/database_location.h"
#include "store/store.h"

namespace deadline::store {

struct StoreSettings {
  std::string application_name = "deadlined";  // PostgreSQL: shown in pg_stat_activity
  std::filesystem::path pg_passfile;             // PostgreSQL: a pgpass file; empty: libpq's default
  std::string claimant;                          // PostgreSQL: the node id its claims carry; empty: a new one
  std::chrono::seconds claim_lease{30};          // PostgreSQL: (pg/node_registry.h)
};

// The defaults, under another application name (deadlinectl's).
inline StoreSettings settings_named(std::string application_name) {
  StoreSettings settings;
  settings.application_name = std::move(application_name);
  return settings;
}

// How a PostgreSQL connection of these settings is made (the store's, the owner lock's).
pg::ConnectSettings connect_settings(const StoreSettings& settings);

Result<std::unique_ptr<Store>> open_store(const DatabaseLocation& where, const StoreSettings& settings = {});
// The same for `--db`'s text (a path or a URI).
Result<std::unique_ptr<Store>> open_store(const std::string& database, const StoreSettings& settings = {});

// When a daemon holds the database (the .lock file, or on PostgreSQL the owner lock: any
// running node), what to tell an operator whose offline verb must not run beside it:
// "deadlined is running on … (…)"; else empty. Fails when a PostgreSQL server cannot be reached to ask.
Result<std::string> daemon_running_on(const std::string& database);

}  // namespace deadline::store
