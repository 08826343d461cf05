#pragma once
// The calendar as JSON (`deadlinectl export --format json`, later the HTTP API). Instants carry
// UTC ISO-8601 beside the local reading; field names are documented in docs/export-json.md.

#include <nlohmann/json.hpp>
#include <vector>

#include "calendar/calendar.h"

namespace deadline {

nlohmann::json bound_json(const Bound& bound, const date::time_zone& zone);
nlohmann::json window_json(const Window& window);
nlohmann::json programme_json(const Programme& programme, const Calendar& calendar);
nlohmann::json policy_json(const Policy& policy);

// `deadlinectl upcoming --json` and GET /api/v1/upcoming: {at, days, windows[+programme_title]}.
nlohmann::json upcoming_json(const Calendar& calendar, Instant at, int days,
                             const std::vector<const Window*>& windows);

// Everything: editions, programmes with their effective windows, policies.
nlohmann::json calendar_json(const Calendar& calendar);

}  // namespace deadline
