#pragma once
// Where the store lives. `--db` and `[daemon] database` name either a SQLite file (a path: the
// embedded default) or a PostgreSQL server (a libpq connection URI, postgresql://… or
// postgres://…). Any other value written like a URI (mysql://…, sqlite://…, file://…) is refused,
// not taken for a file name: before this check, `--db postgresql://host/db` silently made a
// directory named "postgresql:" with a SQLite file in it.
//
// A URI may carry a password (user:secret@host, ?password=…). It must never reach a log or an
// error message: `shown` is the form to print, with every password removed. Production setups
// keep the password out of the URI altogether (docs/operations.md: PGPASSFILE or a
// credentials file).

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace deadline::store {

struct DatabaseLocation {
  enum class Kind { sqlite_file, postgresql };
  Kind kind = Kind::sqlite_file;
  std::filesystem::path file;  // sqlite_file: the database file
  std::string uri;             // postgresql: as given, password and all (for libpq only)
  std::string shown;           // for logs and errors: the path, or the URI without its password
};

// `where` names the setting in error messages ("--db", "deadlined.toml:3: database").
Result<DatabaseLocation> parse_database_location(const std::string& text, std::string_view where);

// True when `text` is written as a URI ("scheme://…"), whatever the scheme.
bool looks_like_uri(std::string_view text);

// `uri` with the password of its user part and any password=… query parameter removed.
std::string uri_without_password(std::string_view uri);

}  // namespace deadline::store
