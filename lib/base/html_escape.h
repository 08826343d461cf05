#pragma once
// Text into HTML: &, <, >, " and ' as character references, safe in element content and in
// quoted attribute values alike. Every page and every HTML email part goes through this.

#include <string>
#include <string_view>

namespace deadline {

inline std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace deadline
