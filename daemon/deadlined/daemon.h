#pragma once
// deadlined's wiring: the long-lived objects and the order they start and stop in. No logic of
// its own beyond that; everything it holds lives in lib/.

#include <optional>
#include <string>

#include "config/config.h"

namespace deadline::daemon {

struct Flags {
  std::optional<std::string> config_file;
  std::optional<std::string> listen;
  std::optional<std::string> admin_listen;  // replaces [admin] listen (same loopback rule)
  std::optional<std::string> database;
  std::optional<std::string> calendars;
  bool check_config = false;
};

// Runs until SIGTERM/SIGINT; returns the process exit status (0 after a clean stop, 1 when it
// cannot start, with the reason logged).
int run(const Flags& flags);

}  // namespace deadline::daemon
