#pragma once
// One calendar file as read: its name in the calendar directory and its bytes. The store keeps
// the files of every revision it records, so the last RELEASED revision can be put back in force
// exactly as it was (at start, while a newer one is staged) even when the files on disk moved on.

#include <string>
#include <vector>

namespace deadline {

struct CalendarFile {
  std::string name;   // "jiangsu-2024q4.toml": what error messages and the revision hash use
  std::string text;

  bool operator==(const CalendarFile&) const = default;
};

using CalendarFiles = std::vector<CalendarFile>;

}  // namespace deadline
