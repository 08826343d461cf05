#include "http/conditional.h"

#include <algorithm>
#include <sstream>

#include "base/text.h"

namespace deadline::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated members of a header list.
std::vector<std::string_view> members(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    const std::size_t comma = std::min(list.find(','), list.size());
    if (const std::string_view m = trim(list.substr(0, comma)); !m.empty()) out.push_back(m);
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return out;
}

}  // namespace

std::string http_date(Instant at) { return date::format("%a, %d %b %Y %H:%M:%S GMT", at); }

std::optional<Instant> parse_http_date(std::string_view text) {
  std::istringstream in{std::string(trim(text))};
  in.imbue(std::locale::classic());
  date::sys_seconds at;
  in >> date::parse("%a, %d %b %Y %H:%M:%S GMT", at);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return at;
}

bool none_match_hits(std::string_view if_none_match, const std::vector<std::string>& etags) {
  for (std::string_view tag : members(if_none_match)) {
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (std::find(etags.begin(), etags.end(), tag) != etags.end()) return true;
  }
  return false;
}

bool accepts_gzip(std::string_view accept_encoding) {
  for (const std::string_view member : members(accept_encoding)) {
    const std::size_t semicolon = std::min(member.find(';'), member.size());
    const std::string coding = ascii_lowercase(trim(member.substr(0, semicolon)));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    // "q=0" (or 0.0, 0.00 …) refuses it; any other weight accepts it.
    std::string params = ascii_lowercase(member.substr(semicolon));
    params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
    const std::size_t q = params.find(";q=");
    if (q == std::string::npos) return true;
    const std::string weight = params.substr(q + 3, params.find(';', q + 3) - (q + 3));
    if (weight.find_first_not_of("0.") != std::string::npos) return true;
  }
  return false;
}

}  // namespace deadline::http
