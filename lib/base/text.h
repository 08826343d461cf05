#pragma once
// Small text helpers several modules share. Protocol fields (header names, MIME parameters,
// hosts) compare case-insensitively in ASCII, never by the C library's locale.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace deadline {

// "Content-Type" → "content-type"; bytes outside A–Z pass unchanged (UTF-8 included).
inline std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Whether `values` holds `value`.
inline bool contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// "[::1]" → "::1": a URL's host without the brackets around an IPv6 literal; others unchanged.
inline std::string_view without_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

}  // namespace deadline
