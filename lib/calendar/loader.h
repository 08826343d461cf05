#pragma once
// Reads calendars/*.toml into a Calendar. Every problem is reported as "file:line: message"
// (the format of docs/calendar-format.md); a calendar with any problem is rejected whole, so a
// half-read calendar never replaces a good one.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "calendar/projection.h"
#include "domain/calendar_file.h"

namespace deadline {

struct LoadOutcome {
  std::optional<Calendar> calendar;   // set only when `errors` is empty
  std::vector<std::string> errors;    // "file:line: message", in file order
  std::vector<std::string> notes;     // "file:line: note: ...": the data is valid as printed, and
                                      // a rule changed how it shows (calendar/chain_rule.h)
  CalendarFiles files;                // what was read, by name: the store keeps it with the revision
};

// Loads every *.toml file directly in `dir`, in name order. File names in messages are
// `dir / name` as given, so a relative `dir` gives relative, readable places.
LoadOutcome load_calendar_dir(const std::filesystem::path& dir, const ProjectionOptions& options = {});

// Loads the given files (a test or `deadlinectl check FILE` uses this).
LoadOutcome load_calendar_files(const std::vector<std::filesystem::path>& files,
                                const ProjectionOptions& options = {});

// Loads files already read (a revision's files kept in the store). Messages name each file by
// its `name`; the calendar's revision hash is the one the same files on disk give.
LoadOutcome load_calendar_texts(const CalendarFiles& files, const ProjectionOptions& options = {});

// The directory used when none is given: the installed calendars when present, else the
// source tree's `calendars/`.
std::filesystem::path default_calendar_dir();

}  // namespace deadline
