#include "subscription/email_address.h"

#include <cctype>

namespace deadline {

namespace {

bool is_atext(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

bool is_label_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

}  // namespace

std::string email_address_problem(std::string_view address) {
  if (address.empty()) return "address is empty";
  if (address.size() > 254) return "address is longer than 254 characters";
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos) return "address has no @";
  if (address.find('@', at + 1) != std::string_view::npos) return "address has more than one @";
  const std::string_view local = address.substr(0, at), domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64) return "the part before @ must be 1 to 64 characters";
  // Valid atext, but mail readers may decode "=?...?=" in a header as an encoded word.
  if (local.find("=?") != std::string_view::npos) return "the part before @ must not contain \"=?\"";
  char previous = '.';
  for (const char c : local) {
    if (c == '.' && previous == '.') return "the part before @ has a misplaced dot";
    if (c != '.' && !is_atext(c)) return "the part before @ has a character that is not allowed";
    previous = c;
  }
  if (previous == '.') return "the part before @ has a misplaced dot";
  if (domain.empty() || domain.find('.') == std::string_view::npos) return "the domain needs at least one dot";
  std::size_t start = 0;
  while (start <= domain.size()) {
    const std::size_t end = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return "the domain has an empty or malformed label";
    }
    for (const char c : label) {
      if (!is_label_char(c)) return "the domain has a character that is not allowed";
    }
    start = end + 1;
  }
  return {};
}

}  // namespace deadline
