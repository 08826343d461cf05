#include "http/upcoming_params.h"

#include <algorithm>
#include <charconv>

#include "time/iso8601.h"

namespace deadline::http {

namespace {

ParamError invalid(const std::string& field, std::string message) {
  return {"invalid_parameter", field, std::move(message)};
}

// A '+' sent unescaped before the offset arrives as a space; put it back, but only there, so
// any other space still fails to parse.
std::string restore_offset_sign(std::string text) {
  const std::size_t space = text.find(' ');
  if (space != std::string::npos && space + 6 == text.size()) text[space] = '+';
  return text;
}

std::variant<int, ParamError> parse_days(const std::string& text) {
  const auto error = invalid("days", "days must be a whole number from 0 to " +
                                         std::to_string(kMaxUpcomingDays) + ", not '" + text + "'");
  const bool digits = !text.empty() && text.size() <= 9 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return error;
  int days = 0;
  std::from_chars(text.data(), text.data() + text.size(), days);
  if (days > kMaxUpcomingDays) return error;
  return days;
}

}  // namespace

std::variant<UpcomingParams, ParamError> parse_upcoming_params(std::string_view query, Instant now) {
  auto parsed = parse_query(query);
  if (auto* error = std::get_if<ParamError>(&parsed)) return std::move(*error);
  UpcomingParams params{now, 30, {}, {}, {}, {}};
  bool seen_at = false, seen_days = false;
  for (const QueryParam& p : std::get<std::vector<QueryParam>>(parsed)) {
    if (p.name == "at" || p.name == "days") {
      bool& seen = p.name == "at" ? seen_at : seen_days;
      if (seen) return invalid(p.name, p.name + " is given more than once");
      seen = true;
    }
    if (p.name == "at") {
      const Result<Instant> at = parse_iso8601(restore_offset_sign(p.value));
      if (!at) return invalid("at", "at: " + at.error());
      params.at = *at;
    } else if (p.name == "days") {
      auto days = parse_days(p.value);
      if (auto* error = std::get_if<ParamError>(&days)) return std::move(*error);
      params.days = std::get<int>(days);
    } else if (p.name == "programme") {
      params.programmes.push_back(p.value);
    } else if (p.name == "group") {
      params.groups.push_back(p.value);
    } else if (p.name == "category") {
      params.categories.push_back(p.value);
    } else if (p.name == "authority") {
      params.authorities.push_back(p.value);
    } else {
      return ParamError{"unknown_parameter", p.name,
                        "unknown parameter '" + p.name + "' (expected at, days, programme, group, category or authority)"};
    }
  }
  return params;
}

}  // namespace deadline::http
