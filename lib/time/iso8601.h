#pragma once
// ISO-8601 text for instants: what users type (`--at 2026-11-27T00:00+08:00`) and what exports
// carry (`2024-10-18T16:00:00Z` beside the local `2024-10-19T00:00:00+08:00`).

#include <string>
#include <string_view>

#include "base/result.h"
#include "time/instant.h"

namespace deadline {

// Accepts YYYY-MM-DDTHH:MM[:SS] followed by `Z` or `±HH:MM`. An offset is required: a bare
// local time would silently take the machine's zone. Errors describe what is wrong.
Result<Instant> parse_iso8601(std::string_view text);

// 2024-10-18T16:00:00Z
std::string format_utc(Instant instant);

// 2024-10-19T00:00:00+08:00 — the reading in `zone` with its offset.
std::string format_local_iso(Instant instant, const date::time_zone& zone);

// "2024-10-18 24:00" for a close at local midnight (the day it ends, as the handbook writes it),
// else "2024-12-30 17:30". For showing a closing instant to people.
std::string format_close_for_people(Instant close, const date::time_zone& zone);

// "2024-11-01 00:00" for an opening instant.
std::string format_open_for_people(Instant open, const date::time_zone& zone);

}  // namespace deadline
