#pragma once
// The parameters of GET /api/v1/upcoming: at (ISO-8601 with an offset; default now) and days
// (0..3660; default 30), and the filters of the public calendar feed (programme, group, category,
// authority; each repeatable, values of one being alternatives; checked against the calendar by
// the router with ical::public_selection). Unknown parameters, or at or days given twice, are
// refused rather than ignored, so a misspelt "day=7" cannot silently answer for 30 days.

#include <string>
#include <vector>

#include <string_view>
#include <variant>

#include "http/query.h"
#include "time/instant.h"

namespace deadline::http {

inline constexpr int kMaxUpcomingDays = 3660;

struct UpcomingParams {
  Instant at;
  int days = 30;
  // As given, in order; empty: that field does not filter.
  std::vector<std::string> programmes, groups, categories, authorities;
};

// `query` is the raw query string. Under form rules '+' decodes to a space, so "at=...T09:00
// 08:00" (a '+' sent unescaped) is read as the offset +08:00; "%2B08:00" is the proper form.
std::variant<UpcomingParams, ParamError> parse_upcoming_params(std::string_view query, Instant now);

}  // namespace deadline::http
