#include "ical/content_line.h"

#include <algorithm>

#include "base/url_encode.h"

namespace deadline::ical {

namespace {

constexpr std::size_t kMaxOctets = 75;  // §3.1: "SHOULD NOT be longer than 75 octets"

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0u) == 0x80u; }

}  // namespace

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;  // CRLF is one line end
        out += "\\n";
        break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string quote_param(std::string_view value) {
  std::string out = "\"";
  out.reserve(value.size() + 2);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    switch (c) {
      case '^': out += "^^"; break;
      case '"': out += "^'"; break;
      case '\r':
        if (i + 1 < value.size() && value[i + 1] == '\n') ++i;  // CRLF is one line end
        out += "^n";
        break;
      case '\n': out += "^n"; break;
      default:
        // QSAFE-CHAR: WSP, printable ASCII but DQUOTE, and NON-US-ASCII; no other control.
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) break;
        out += c;
    }
  }
  out += '"';
  return out;
}

std::string mailto_uri(std::string_view address) {
  return "mailto:" + url_encode(address, "@!$'()*+");
}

std::string fold_line(std::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 24 + 2);
  std::size_t at = 0;
  bool first = true;
  do {
    // A continuation's leading space is one of its 75 octets.
    const std::size_t room = first ? kMaxOctets : kMaxOctets - 1;
    std::size_t cut = std::min(line.size(), at + room);
    // Back off to the start of the character the cut would split. A run of continuation bytes
    // with no lead byte in reach is not UTF-8; cut it at the limit rather than loop forever.
    std::size_t back = cut;
    while (back > at && back < line.size() && is_continuation_byte(line[back])) --back;
    if (back > at) cut = back;
    if (!first) out += ' ';
    out.append(line.substr(at, cut - at));
    out += "\r\n";
    at = cut;
    first = false;
  } while (at < line.size());
  return out;
}

void add_property(std::string& out, std::string_view name_and_params, std::string_view value) {
  std::string line;
  line.reserve(name_and_params.size() + 1 + value.size());
  line.append(name_and_params).append(":").append(value);
  out += fold_line(line);
}

}  // namespace deadline::ical
