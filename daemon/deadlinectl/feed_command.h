#pragma once
// deadlinectl export --format ics: the calendar feed the daemon serves at /calendar.ics (with
// the same filters as its query), byte for byte. Event versions (SEQUENCE, LAST-MODIFIED) come
// from the database, recorded there as the daemon records them.

#include <filesystem>
#include <iosfwd>
#include <string>

#include "config/config.h"
#include "deadlinectl/calendar_commands.h"
#include "store/records.h"

namespace deadline::ctl {

struct IcsExportOptions {
  std::filesystem::path database;
  std::string public_url = "http://127.0.0.1:8080";  // the daemon's [http] public_url: the UIDs' host
  // The daemon's [email] from_address and from_name: the events' ORGANIZER (defaults as the daemon's).
  std::string from_address = Config{}.email.from_address;
  std::string from_name = Config{}.email.from_name;
  EndpointFilters filters;                     // programmes, groups, categories, authorities
};

int export_ics_command(const CalendarSource& source, const IcsExportOptions& options, std::ostream& out,
                       std::ostream& err);

}  // namespace deadline::ctl
