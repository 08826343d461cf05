#pragma once
// The database schema as a list of forward-only migrations. The version lives in
// PRAGMA user_version; each migration runs in its own transaction at start-up. Never edit a
// migration that has shipped: add the next one.

#include <vector>

#include "base/status.h"

namespace SQLite { class Database; }

namespace deadline::store {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

const std::vector<Migration>& migrations();
int latest_schema_version();

int schema_version(SQLite::Database& db);

// Applies every migration above the database's version up to `target` (default: the latest).
// A database newer than this program is refused rather than touched.
Status migrate(SQLite::Database& db, int target = latest_schema_version());

}  // namespace deadline::store
