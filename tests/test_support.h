#pragma once
// What the tests share: where their data is (fixed at configure time) and how doctest prints
// the values they compare.

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>

#include "base/temp_dir.h"
#include "calendar/loader.h"
#include "time/iso8601.h"
#include <stdexcept>
#include <string>
#include <vector>

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& lines) {
    std::string text = "{";
    for (const std::string& line : lines) text += "\n  \"" + line + "\"";
    return (text + "\n}").c_str();
  }
};
}  // namespace doctest

namespace deadline::test {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(DEADLINED_TEST_FIXTURES) / name;
}

inline std::filesystem::path bundled_calendars() { return DEADLINED_BUNDLED_CALENDARS; }

// An instant from ISO-8601 text with an offset ("2024-10-17T09:00+08:00"); the test stops on bad text.
inline Instant at(const char* iso) {
  const Result<Instant> parsed = parse_iso8601(iso);
  REQUIRE_MESSAGE(parsed, iso);
  return *parsed;
}

// Whether `text` (a page, a mail, a message) contains `part`.
inline bool has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

using deadline::TempDir;  // lib/base/temp_dir.h

// The bundled handbook, loaded once per test run.
inline const Calendar& handbook() {
  static const Calendar calendar = [] {
    LoadOutcome outcome = load_calendar_dir(bundled_calendars());
    REQUIRE(outcome.calendar);
    return *outcome.calendar;
  }();
  return calendar;
}

}  // namespace deadline::test
