#pragma once
// deadlinectl migrate --from PATH_OR_URI --to PATH_OR_URI: moves a database between SQLite and
// PostgreSQL, either way (store/database_copy.h; docs/operations.md, "Moving a database").
// Refuses a target that holds any row and a source or target a daemon runs on (and holds both
// so that none starts meanwhile). Prints each table's rows and the canonical checksum, equal on
// both sides, and reminds the operator of what is not in the database: the token key ring and
// the admin token.
//
// Exit status: 0 moved; 1 refused or failed (nothing kept in the target); 2 a bad argument.

#include <iosfwd>
#include <string>

namespace deadline::ctl {

int migrate_database(const std::string& from, const std::string& to, std::ostream& out, std::ostream& err);

}  // namespace deadline::ctl
