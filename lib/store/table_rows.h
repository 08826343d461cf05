#pragma once
// Rows of the schema's tables, backend-neutral, for moving a database between SQLite and
// PostgreSQL (store/database_copy.h). A value is its text form or NULL: integers print the same
// decimal digits on both backends and text is UTF-8 bytes on both, so a row read from either
// side is the same vector of strings.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/database_location.h"

namespace deadline::store {

using Value = std::optional<std::string>;

// A table or column name as SQL, on both backends: "name" (the schema's names hold no quote).
inline std::string quoted_name(const std::string& name) { return "\"" + name + "\""; }
using Row = std::vector<Value>;

// One database, its schema migrated to the latest version, read and written table by table.
class TableRows {
 public:
  virtual ~TableRows() = default;
  // The database as messages show it (a path, or a URI without its password).
  virtual std::string shown() const = 0;
  // The table's columns in the schema's order, and its primary key columns in key order.
  virtual Result<std::vector<std::string>> columns(const std::string& table) = 0;
  virtual Result<std::vector<std::string>> key_columns(const std::string& table) = 0;
  // Every row in primary key order: integers by value, text byte by byte (the same order on
  // both backends).
  virtual Status each_row(const std::string& table, const std::vector<std::string>& columns,
                          const std::vector<std::string>& key, const std::function<void(const Row&)>& row) = 0;
  virtual Result<std::int64_t> count(const std::string& table) = 0;

  virtual Status begin() = 0;
  virtual Status insert(const std::string& table, const std::vector<std::string>& columns, const Row& row) = 0;
  // After the last row: makes what the backend keeps beside the rows agree with them
  // (PostgreSQL's identity sequences), then commits.
  virtual Status commit(const std::vector<std::string>& tables) = 0;
  // Drops everything inserted since begin().
  virtual void rollback() = 0;
};

// A SQLite file (created if missing); refused while a deadlined runs on it (store/database_lock.h).
Result<std::unique_ptr<TableRows>> open_sqlite_rows(const std::filesystem::path& file);
// A PostgreSQL database; holds the one-daemon lock (pg/owner_lock.h) while it lives, so no
// daemon runs on it meanwhile and none starts.
Result<std::unique_ptr<TableRows>> open_pg_rows(const std::string& uri);

}  // namespace deadline::store
