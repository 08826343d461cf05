#pragma once
// One line per event on stderr, with a level. Under systemd (JOURNAL_STREAM set) lines carry a
// syslog priority prefix ("<6>") that journald turns into the entry's priority, and no timestamp
// (journald adds its own). Never pass a secret, a token or a full webhook URL (DESIGN.md).

#include <string_view>

namespace deadline::log {

enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

void write(Level level, std::string_view component, std::string_view message);

inline void error(std::string_view component, std::string_view message) { write(Level::error, component, message); }
inline void warning(std::string_view component, std::string_view message) { write(Level::warning, component, message); }
inline void info(std::string_view component, std::string_view message) { write(Level::info, component, message); }

}  // namespace deadline::log
