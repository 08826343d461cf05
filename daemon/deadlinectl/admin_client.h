#pragma once
// deadlinectl against the running daemon: requests to its admin API (docs/http-api.md, "Admin
// API") with the bearer token, and the answers printed for an operator. The token comes from
// $DEADLINED_ADMIN_TOKEN, else --admin-token-file, else the daemon's default file (admin-token
// beside the database). It is never printed.

#include <filesystem>
#include <iosfwd>
#include <string>

#include "base/result.h"

namespace deadline::ctl {

struct AdminTarget {
  std::string url;                       // "http://127.0.0.1:8081"; empty: not asked for
  std::filesystem::path token_file;      // empty: $DEADLINED_ADMIN_TOKEN or beside the database
  std::filesystem::path database;        // for the default token file
};

struct AdminAnswer {
  long status = 0;
  std::string content_type;
  std::string body;
};

// One request; fails when the daemon cannot be reached or the token cannot be read.
Result<AdminAnswer> admin_request(const AdminTarget& target, const std::string& method, const std::string& path,
                                  const std::string& json_body = {});

// admin_request, then the answer for a person: a JSON body pretty-printed (text as it came) on
// `out` for 2xx, the error's message on `err` otherwise. Exit status: 0 for 2xx, 1 for an error
// answer or an unreachable daemon.
// An answer for a person (see admin_verb).
int print_answer(const AdminAnswer& answer, std::ostream& out, std::ostream& err);

int admin_verb(const AdminTarget& target, const std::string& method, const std::string& path, const std::string& json_body,
               std::ostream& out, std::ostream& err);

}  // namespace deadline::ctl
