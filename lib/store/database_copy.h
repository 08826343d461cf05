#pragma once
// Moving a database between backends, either way (`deadlinectl migrate --from … --to …`): every
// table of the schema, row for row, ids kept, into an empty target, in one transaction there.
// Both sides are summed up by the same canonical checksum; the copy commits only when the
// target's sum equals the source's.
//
// The canonical row form (docs/operations.md, "Moving a database"): for each table in
// migrated_tables() order, the line "table NAME", then each row in primary key order (integers
// by value, text byte by byte) as its values in the schema's column order, separated by a tab,
// ended by a line feed; NULL is \N, and in text a backslash, tab, line feed and carriage return
// are written \\, \t, \n, \r. The checksum is the SHA-256 of all of it, in lower-case hex.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/database_location.h"
#include "store/table_rows.h"

namespace deadline::store {

// Every table of the schema, references before the rows that point at them. A table the schema
// gains must be added here (tests/pg/database_copy_test.cc fails otherwise).
const std::vector<std::string>& migrated_tables();

struct TableSum {
  std::string table;
  std::int64_t rows = 0;
};
struct DatabaseSum {
  std::vector<TableSum> tables;
  std::string checksum;
};

Result<std::unique_ptr<TableRows>> open_table_rows(const DatabaseLocation& where);

// `text` as PostgreSQL's COPY text format writes a value: backslash, tab, newline and carriage
// return escaped with a backslash. The canonical row form uses it too.
void append_copy_text(std::string& out, std::string_view text);

Result<DatabaseSum> canonical_sum(TableRows& database);

// Refuses a target with any row in any table. Returns the source's sum (equal to the target's).
Result<DatabaseSum> copy_database(TableRows& from, TableRows& to);

}  // namespace deadline::store
