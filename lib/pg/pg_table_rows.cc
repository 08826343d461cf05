// TableRows on a PostgreSQL database (store/table_rows.h).

#include <algorithm>

#include "pg/owner_lock.h"
#include "pg/pg_connection.h"
#include "pg/pg_schema.h"
#include "store/table_rows.h"

namespace deadline::store {

namespace {

class PgTableRows final : public TableRows {
 public:
  PgTableRows(pg::OwnerLock lock, pg::PgConnection connection)
      : lock_(std::move(lock)), c_(std::move(connection)) {}

  std::string shown() const override { return c_.shown(); }

  Result<std::vector<std::string>> columns(const std::string& table) override {
    return non_empty(table, names("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                 "AND table_name = $1 ORDER BY ordinal_position",
                 table));
  }
  Result<std::vector<std::string>> key_columns(const std::string& table) override {
    return non_empty(table, names("SELECT k.column_name FROM information_schema.table_constraints t "
                 "JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name) "
                 "WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = current_schema() AND t.table_name = $1 "
                 "ORDER BY k.ordinal_position",
                 table));
  }

  Status each_row(const std::string& table, const std::vector<std::string>& columns, const std::vector<std::string>& key,
                  const std::function<void(const Row&)>& row) override {
    if (const Status flushed = flush(); !flushed) return flushed;
    // Text keys in byte order (COLLATE "C"), as SQLite's BINARY; the database's own collation
    // may order them otherwise. A cursor keeps memory flat on a large table.
    const auto text_columns = names("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                    "current_schema() AND table_name = $1 AND data_type = 'text'",
                                    table);
    if (!text_columns) return Status::failure(text_columns.error());
    std::string select = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) select += (i ? ", " : "") + quoted_name(columns[i]);
    select += " FROM " + quoted_name(table) + " ORDER BY ";
    for (std::size_t i = 0; i < key.size(); ++i) {
      const bool text = std::find(text_columns->begin(), text_columns->end(), key[i]) != text_columns->end();
      select += (i ? ", " : "") + quoted_name(key[i]) + (text ? " COLLATE \"C\"" : "");
    }
    const bool own_transaction = !in_transaction_;
    if (own_transaction) {
      if (const auto begun = c_.exec("BEGIN"); !begun) return Status::failure(begun.error());
    }
    Status outcome = ok_status();
    if (const auto declared = c_.exec("DECLARE table_rows NO SCROLL CURSOR FOR " + select); !declared) {
      outcome = Status::failure(declared.error());
    }
    while (outcome) {
      const auto batch = c_.exec("FETCH 10000 FROM table_rows");
      if (!batch) {
        outcome = Status::failure(batch.error());
        break;
      }
      if (batch->rows() == 0) break;
      Row values(columns.size());
      for (int r = 0; r < batch->rows(); ++r) {
        for (int i = 0; i < static_cast<int>(columns.size()); ++i) values[static_cast<std::size_t>(i)] = batch->optional_text(r, i);
        row(values);
      }
    }
    if (own_transaction) (void)c_.exec(outcome ? "COMMIT" : "ROLLBACK");
    else (void)c_.exec("CLOSE table_rows");
    return outcome;
  }

  Result<std::int64_t> count(const std::string& table) override {
    if (const Status flushed = flush(); !flushed) return Result<std::int64_t>::failure(flushed.error());
    const auto n = c_.exec("SELECT count(*) FROM " + quoted_name(table));
    if (!n) return Result<std::int64_t>::failure(n.error());
    return Result<std::int64_t>::success(n->integer(0, 0));
  }

  Status begin() override {
    const auto begun = c_.exec("BEGIN");
    if (!begun) return Status::failure(begun.error());
    in_transaction_ = true;
    return ok_status();
  }

  // Rows are sent many to a statement: one round trip per row made a move of 300,000 rows take
  // 23.7 s, nearly all of it waiting for the server's answers.
  Status insert(const std::string& table, const std::vector<std::string>& columns, const Row& row) override {
    if (table != pending_table_) {
      if (const Status flushed = flush(); !flushed) return flushed;
      pending_table_ = table;
      pending_columns_ = columns;
    }
    pending_values_.insert(pending_values_.end(), row.begin(), row.end());
    if (pending_values_.size() >= kParametersPerInsert) return flush();
    return ok_status();
  }

  Status commit(const std::vector<std::string>& tables) override {
    if (const Status flushed = flush(); !flushed) return flushed;
    // Rows came with their ids: each identity's next value must be above the largest, or the
    // daemon's first insert would collide.
    for (const std::string& table : tables) {
      const auto identity = c_.exec("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                    "current_schema() AND table_name = $1 AND is_identity = 'YES'",
                                    {table});
      if (!identity) return Status::failure(identity.error());
      for (int r = 0; r < identity->rows(); ++r) {
        const std::string column = identity->text(r, 0);
        const auto moved = c_.exec("SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(" + quoted_name(column) +
                                       "), 0) + 1, false) FROM " + quoted_name(table),
                                   {table, column});
        if (!moved) return Status::failure(moved.error());
      }
    }
    const auto committed = c_.exec("COMMIT");
    in_transaction_ = false;
    if (!committed) return Status::failure(committed.error());
    return ok_status();
  }

  void rollback() override {
    pending_table_.clear();
    pending_values_.clear();
    (void)c_.exec("ROLLBACK");
    in_transaction_ = false;
  }

 private:
  // Below PostgreSQL's limit of 65,535 parameters to a statement.
  static constexpr std::size_t kParametersPerInsert = 30000;

  // Sends the rows waiting for pending_table_ as one INSERT.
  Status flush() {
    if (pending_values_.empty()) return ok_status();
    const std::size_t width = pending_columns_.size();
    std::string sql = "INSERT INTO " + quoted_name(pending_table_) + " (";
    for (std::size_t i = 0; i < width; ++i) sql += (i ? ", " : "") + quoted_name(pending_columns_[i]);
    sql += ") VALUES ";
    for (std::size_t r = 0; r < pending_values_.size() / width; ++r) {
      sql += r ? ", (" : "(";
      for (std::size_t i = 0; i < width; ++i) sql += (i ? ", $" : "$") + std::to_string(r * width + i + 1);
      sql += ")";
    }
    const auto inserted = c_.exec(sql, pending_values_);
    pending_values_.clear();
    if (!inserted) return Status::failure(inserted.error());
    return ok_status();
  }

  Result<std::vector<std::string>> non_empty(const std::string& table, Result<std::vector<std::string>> found) {
    if (found && found->empty()) return Result<std::vector<std::string>>::failure(c_.shown() + ": no table " + table + " with columns and a primary key");
    return found;
  }
  Result<std::vector<std::string>> names(const std::string& sql, const std::string& table) {
    using R = Result<std::vector<std::string>>;
    const auto found = c_.exec(sql, {table});
    if (!found) return R::failure(found.error());
    std::vector<std::string> out;
    for (int r = 0; r < found->rows(); ++r) out.push_back(found->text(r, 0));
    return R::success(std::move(out));
  }

  pg::OwnerLock lock_;  // no daemon on this database while the rows move
  pg::PgConnection c_;
  bool in_transaction_ = false;
  std::string pending_table_;
  std::vector<std::string> pending_columns_;
  std::vector<pg::Param> pending_values_;  // rows of pending_columns_, one after the other
};

}  // namespace

Result<std::unique_ptr<TableRows>> open_pg_rows(const std::string& uri) {
  using R = Result<std::unique_ptr<TableRows>>;
  pg::ConnectSettings settings;
  settings.application_name = "deadlinectl";
  settings.statement_timeout = std::chrono::milliseconds{0};  // a large table may take a while
  auto lock = pg::OwnerLock::acquire(uri, settings);
  if (!lock) return R::failure(lock.error());
  auto connection = pg::PgConnection::open(uri, settings);
  if (!connection) return R::failure(connection.error());
  if (const Status migrated = pg::migrate_pg(connection.value()); !migrated) {
    return R::failure(connection->shown() + ": " + migrated.error());
  }
  return R::success(std::make_unique<PgTableRows>(std::move(lock).value(), std::move(connection).value()));
}

}  // namespace deadline::store
