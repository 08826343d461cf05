#pragma once
// The PostgreSQL schema as forward-only migrations, like SQLite's (store/migrations.h), with
// the version in a table of its own (deadlined_schema: one row per applied migration) instead of
// PRAGMA user_version. Migrations run in one transaction under an advisory lock, so daemons and
// deadlinectl starting together apply each once; a database newer than this program is refused
// rather than touched. Never edit a migration that has shipped: add the next one.

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "pg/pg_connection.h"
#include "store/migrations.h"

namespace deadline::pg {

// "dlschema" in ASCII: the transaction-level advisory lock migrations take.
constexpr std::int64_t kMigrationLockKey = 0x646c736368656d61;

// A migration as on SQLite (version, description, SQL), in PostgreSQL's dialect.
using PgMigration = store::Migration;

const std::vector<PgMigration>& pg_migrations();
int latest_pg_schema_version();

// 0 for a database deadlined has never migrated.
Result<int> pg_schema_version(PgConnection& connection);

// Applies every migration above the database's version up to `target` (default: the latest).
Status migrate_pg(PgConnection& connection, int target = latest_pg_schema_version());

}  // namespace deadline::pg
