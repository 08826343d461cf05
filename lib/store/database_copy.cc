#include "store/database_copy.h"

#include "base/sha256.h"

namespace deadline::store {

void append_copy_text(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

namespace {

void append_canonical(std::string& out, const Value& value) {
  if (!value) {
    out += "\\N";
    return;
  }
  append_copy_text(out, *value);
}

}  // namespace

const std::vector<std::string>& migrated_tables() {
  static const std::vector<std::string> tables = {
      "subscribers",      "endpoints",          "endpoint_filters", "endpoint_leads",   "endpoint_notices",
      "scheduler_state",  "triggers",           "firings",          "firing_triggers",  "messages",
      "deliveries",       "feed_events",        "calendar_revisions", "revision_windows", "revision_changes",
      "calendar_sources", "told",               "change_events",    "message_changes",
  };
  return tables;
}

Result<std::unique_ptr<TableRows>> open_table_rows(const DatabaseLocation& where) {
  return where.kind == DatabaseLocation::Kind::postgresql ? open_pg_rows(where.uri) : open_sqlite_rows(where.file);
}

Result<DatabaseSum> canonical_sum(TableRows& database) {
  using R = Result<DatabaseSum>;
  DatabaseSum sum;
  Sha256 digest;
  std::string line;
  for (const std::string& table : migrated_tables()) {
    const auto columns = database.columns(table);
    if (!columns) return R::failure(columns.error());
    const auto key = database.key_columns(table);
    if (!key) return R::failure(key.error());
    digest.update("table " + table + "\n");
    TableSum counted{table, 0};
    const Status read = database.each_row(table, *columns, *key, [&](const Row& row) {
      line.clear();
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i) line += '\t';
        append_canonical(line, row[i]);
      }
      line += '\n';
      digest.update(line);
      ++counted.rows;
    });
    if (!read) return R::failure(read.error());
    sum.tables.push_back(counted);
  }
  sum.checksum = digest.hex_digest();
  return R::success(std::move(sum));
}

Result<DatabaseSum> copy_database(TableRows& from, TableRows& to) {
  using R = Result<DatabaseSum>;
  for (const std::string& table : migrated_tables()) {
    const auto rows = to.count(table);
    if (!rows) return R::failure(rows.error());
    if (*rows > 0) {
      return R::failure(to.shown() + " is not empty (" + table + " has " + std::to_string(*rows) +
                        " row(s)): the target of a move must be a new database");
    }
    const auto source_columns = from.columns(table);
    if (!source_columns) return R::failure(source_columns.error());
    const auto target_columns = to.columns(table);
    if (!target_columns) return R::failure(target_columns.error());
    if (*source_columns != *target_columns) {
      return R::failure("the schemas differ at table " + table + " between " + from.shown() + " and " + to.shown() +
                        ": is one of them from another version of deadlined?");
    }
  }
  const auto source_sum = canonical_sum(from);
  if (!source_sum) return source_sum;
  if (const Status begun = to.begin(); !begun) return R::failure(begun.error());
  const auto fail = [&to](const std::string& why) {
    to.rollback();
    return R::failure(why);
  };
  for (const std::string& table : migrated_tables()) {
    const auto columns = from.columns(table);
    const auto key = from.key_columns(table);
    if (!columns || !key) return fail(!columns ? columns.error() : key.error());
    Status written = ok_status();
    const Status read = from.each_row(table, *columns, *key, [&](const Row& row) {
      if (written) written = to.insert(table, *columns, row);
    });
    if (!read) return fail(read.error());
    if (!written) return fail(written.error());
  }
  // The target read back inside its own transaction: nothing is kept unless it sums the same.
  const auto target_sum = canonical_sum(to);
  if (!target_sum) return fail(target_sum.error());
  if (target_sum->checksum != source_sum->checksum) {
    return fail("the copy in " + to.shown() + " does not sum as " + from.shown() + " (checksum " +
                target_sum->checksum + " against " + source_sum->checksum + "); nothing was kept");
  }
  if (const Status committed = to.commit(migrated_tables()); !committed) return fail(committed.error());
  return source_sum;
}

}  // namespace deadline::store
