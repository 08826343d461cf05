#pragma once
// UTF-8 decoding for the mail modules (internal): one code point at a time, strict (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF).

#include <cstddef>
#include <string_view>

namespace deadline::mail::utf8 {

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;  // bytes used; 0 when the bytes at the position are not valid UTF-8
};

// The code point starting at byte `at` of `text` (at < text.size()).
inline CodePoint decode(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, value = lead & 0x1fu, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, value = lead & 0x0fu, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, value = lead & 0x07u, minimum = 0x10000;
  } else {
    return {};
  }
  if (text.size() - at < length) return {};
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(at + k);
    if ((next & 0xc0u) != 0x80u) return {};
    value = value << 6 | (next & 0x3fu);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return {};
  return {value, length};
}

// True when all of `text` is valid UTF-8.
inline bool valid(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const CodePoint cp = decode(text, i);
    if (cp.length == 0) return false;
    i += cp.length;
  }
  return true;
}

// The number of code points in `text` (valid UTF-8).
inline std::size_t count(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xc0u) != 0x80u;
  return n;
}

// The first `max_chars` code points of `text` (valid UTF-8), never cutting one in half.
inline std::string_view prefix(std::string_view text, std::size_t max_chars) {
  std::size_t i = 0, n = 0;
  while (i < text.size() && n < max_chars) {
    const CodePoint cp = decode(text, i);
    i += cp.length == 0 ? 1 : cp.length;
    ++n;
  }
  return text.substr(0, i);
}

}  // namespace deadline::mail::utf8
