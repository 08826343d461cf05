#pragma once
// deadlinectl's offline calendar commands. Each returns the process exit status:
// 0 done, 1 the calendar (or the thing asked for) is wrong, 2 the command line is wrong.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "calendar/projection.h"

namespace deadline::ctl {

struct CalendarSource {
  std::filesystem::path path;      // a directory of *.toml, or one file
  ProjectionOptions projection;
};

// Loads the calendar, or prints every error (file:line) and says why; nullopt means "exit 1".
std::optional<Calendar> load_or_report(const CalendarSource& source, std::ostream& err);

int check_command(const CalendarSource& source, std::ostream& out, std::ostream& err);

struct UpcomingOptions {
  std::optional<std::string> at;   // ISO-8601 with offset; default now
  int days = 30;
  bool json = false;
};
int upcoming_command(const CalendarSource& source, const UpcomingOptions& options,
                     std::ostream& out, std::ostream& err);

int show_command(const CalendarSource& source, const std::string& id, bool json,
                 std::ostream& out, std::ostream& err);

int export_command(const CalendarSource& source, const std::string& format, std::ostream& out,
                   std::ostream& err);

}  // namespace deadline::ctl
