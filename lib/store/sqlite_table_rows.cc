// TableRows on a SQLite file (store/table_rows.h).

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>

#include "store/database_lock.h"
#include "store/migrations.h"
#include "store/table_rows.h"

namespace deadline::store {

namespace {

std::string joined(const std::vector<std::string>& names, const std::string& separator) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : separator) + quoted_name(n);
  return out;
}

class SqliteTableRows final : public TableRows {
 public:
  SqliteTableRows(DatabaseLock lock, const std::filesystem::path& file)
      : lock_(std::move(lock)), shown_(file.string()), db_(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
    db_.exec("PRAGMA foreign_keys = ON");
    // A move writes the whole database in one transaction: with SQLite's default 2 MiB page
    // cache, the pages of a large one spilled to the file again and again (PostgreSQL to SQLite,
    // 300,000 rows: 22.9 s, 13.6 s of it in the kernel).
    db_.exec("PRAGMA cache_size = -262144");  // 256 MiB, at most; only what is used is allocated
  }
  Status migrate_schema() { return migrate(db_); }

  std::string shown() const override { return shown_; }

  Result<std::vector<std::string>> columns(const std::string& table) override {
    return table_info(table, false);
  }
  Result<std::vector<std::string>> key_columns(const std::string& table) override { return table_info(table, true); }

  Status each_row(const std::string& table, const std::vector<std::string>& columns, const std::vector<std::string>& key,
                  const std::function<void(const Row&)>& row) override {
    try {
      // BINARY collation (SQLite's default) orders text byte by byte; integers by value.
      SQLite::Statement rows(db_, "SELECT " + joined(columns, ", ") + " FROM " + quoted_name(table) + " ORDER BY " +
                                      joined(key, ", "));
      Row values(columns.size());
      while (rows.executeStep()) {
        for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
          const SQLite::Column c = rows.getColumn(i);
          values[static_cast<std::size_t>(i)] = c.isNull() ? Value{} : Value{c.getString()};
        }
        row(values);
      }
      return ok_status();
    } catch (const std::exception& e) {
      return Status::failure(shown_ + ": reading " + table + ": " + e.what());
    }
  }

  Result<std::int64_t> count(const std::string& table) override {
    try {
      return Result<std::int64_t>::success(db_.execAndGet("SELECT count(*) FROM " + quoted_name(table)).getInt64());
    } catch (const std::exception& e) {
      return Result<std::int64_t>::failure(shown_ + ": counting " + table + ": " + e.what());
    }
  }

  Status begin() override { return run("BEGIN IMMEDIATE"); }

  Status insert(const std::string& table, const std::vector<std::string>& columns, const Row& row) override {
    try {
      auto& statement = inserts_[table];
      if (!statement) {
        std::string marks;
        for (std::size_t i = 0; i < columns.size(); ++i) marks += i ? ", ?" : "?";
        statement = std::make_unique<SQLite::Statement>(
            db_, "INSERT INTO " + quoted_name(table) + " (" + joined(columns, ", ") + ") VALUES (" + marks + ")");
      }
      statement->reset();
      // Text into INTEGER columns: SQLite's column affinity stores "42" as the integer 42.
      for (int i = 0; i < static_cast<int>(row.size()); ++i) {
        const Value& v = row[static_cast<std::size_t>(i)];
        if (v) {
          statement->bind(i + 1, *v);
        } else {
          statement->bind(i + 1);
        }
      }
      statement->exec();
      return ok_status();
    } catch (const std::exception& e) {
      return Status::failure(shown_ + ": writing " + table + ": " + e.what());
    }
  }

  Status commit(const std::vector<std::string>&) override {
    inserts_.clear();
    return run("COMMIT");
  }

  void rollback() override {
    inserts_.clear();
    (void)run("ROLLBACK");
  }

 private:
  Result<std::vector<std::string>> table_info(const std::string& table, bool key_only) {
    using R = Result<std::vector<std::string>>;
    try {
      SQLite::Statement info(db_, "SELECT name, pk FROM pragma_table_info(?) ORDER BY " +
                                      std::string(key_only ? "pk" : "cid"));
      info.bind(1, table);
      std::vector<std::string> names;
      while (info.executeStep()) {
        if (!key_only || info.getColumn(1).getInt() > 0) names.push_back(info.getColumn(0).getString());
      }
      if (names.empty()) return R::failure(shown_ + ": no table " + table + (key_only ? " with a primary key" : ""));
      return R::success(std::move(names));
    } catch (const std::exception& e) {
      return R::failure(shown_ + ": reading the schema of " + table + ": " + e.what());
    }
  }

  Status run(const std::string& sql) {
    try {
      db_.exec(sql);
      return ok_status();
    } catch (const std::exception& e) {
      return Status::failure(shown_ + ": " + e.what());
    }
  }

  DatabaseLock lock_;  // no daemon on this file while the rows move
  std::string shown_;
  SQLite::Database db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> inserts_;
};

}  // namespace

Result<std::unique_ptr<TableRows>> open_sqlite_rows(const std::filesystem::path& file) {
  using R = Result<std::unique_ptr<TableRows>>;
  auto lock = DatabaseLock::acquire(file);
  if (!lock) return R::failure(lock.error());
  try {
    auto rows = std::make_unique<SqliteTableRows>(std::move(lock).value(), file);
    if (const Status migrated = rows->migrate_schema(); !migrated) return R::failure(file.string() + ": " + migrated.error());
    return R::success(std::move(rows));
  } catch (const std::exception& e) {
    return R::failure("cannot open " + file.string() + ": " + e.what());
  }
}

}  // namespace deadline::store
