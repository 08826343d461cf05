#pragma once
// GET /metrics on the admin listener: the Prometheus text exposition format, version 0.0.4
// (Content-Type "text/plain; version=0.0.4"). A minimal set for now; the operations work adds
// more. Pure: the numbers in, the text out.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace deadline::admin {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct MetricsInput {
  std::string version;                                   // deadlined_build_info{version}
  std::map<std::string, std::int64_t> messages;          // state → count; every state is written
  std::optional<std::string> calendar_revision;          // none before a calendar is loaded
};

//   # HELP deadlined_build_info ...
//   # TYPE deadlined_build_info gauge
//   deadlined_build_info{version="0.1.0"} 1
//   deadlined_messages{state="pending"} 0      (every state, zeros included)
//   deadlined_calendar_revision_info{revision="726523a3f6db"} 1
std::string metrics_text(const MetricsInput& input);

// A label value escaped as the format requires: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace deadline::admin
