#include "base/log.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <date/date.h>
#include <mutex>
#include <string>

namespace deadline::log {

namespace {

const char* level_name(Level level) {
  switch (level) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::notice: return "notice";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "?";
}

bool under_journald() {
  static const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
  return journald;
}

}  // namespace

void write(Level level, std::string_view component, std::string_view message) {
  std::string line;
  if (under_journald()) {
    line = "<" + std::to_string(static_cast<int>(level)) + ">";
  } else {
    line = date::format("%FT%TZ ", date::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    line += level_name(level);
    line += ' ';
  }
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  static std::mutex mutex;  // whole lines from several threads never interleave
  const std::lock_guard<std::mutex> lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace deadline::log
