#pragma once
// What a calendar reload came to: the daemon's reload (on SIGHUP, or POST /admin/v1/reload)
// returns it; SIGHUP logs it and the admin API answers with it.

#include <cstddef>
#include <string>
#include <vector>

namespace deadline::admin {

struct ReloadOutcome {
  bool ok = false;
  std::string revision;             // the calendar in force afterwards (the old one on failure)
  std::size_t programmes = 0;       // in that calendar
  std::vector<std::string> errors;  // "file:line: message" from the loader, when !ok
};

}  // namespace deadline::admin
