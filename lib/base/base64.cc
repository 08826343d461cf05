#include "base/base64.h"

#include <array>
#include <cstdint>

namespace deadline {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of each alphabet character; -1 for everything else.
constexpr std::array<std::int8_t, 256> make_values() {
  std::array<std::int8_t, 256> values{};
  for (auto& v : values) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}

constexpr std::array<std::int8_t, 256> kValues = make_values();

std::string describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  static const char hex[] = "0123456789abcdef";
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xf];
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  // Written through a pointer into a string sized once: appending character by character costs
  // several times more, and MIME bodies are base64-encoded for every email.
  std::string out((bytes.size() + 2) / 3 * 4, '=');
  char* to = out.data();
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    *to++ = kAlphabet[group >> 18 & 0x3f];
    *to++ = kAlphabet[group >> 12 & 0x3f];
    *to++ = kAlphabet[group >> 6 & 0x3f];
    *to++ = kAlphabet[group & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;  // the '=' already in place pad what is left
  if (rest > 0) {
    const std::uint32_t group = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    *to++ = kAlphabet[group >> 18 & 0x3f];
    *to++ = kAlphabet[group >> 12 & 0x3f];
    if (rest == 2) *to++ = kAlphabet[group >> 6 & 0x3f];
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  using R = Result<std::string>;
  if (text.size() % 4 != 0) {
    return R::failure("base64 length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t data_chars = text.size() - padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const char c = text[i];
    const std::int8_t value = kValues[static_cast<unsigned char>(c)];
    if (value < 0) {
      if (c == '=') return R::failure("base64 padding '=' at position " + std::to_string(i) + " before the end");
      return R::failure("invalid base64 character " + describe(c) + " at position " + std::to_string(i));
    }
    bits = (bits << 6 | static_cast<std::uint32_t>(value)) & 0xffffff;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>(static_cast<unsigned char>(bits >> bit_count & 0xff));
    }
  }
  // 2 padding characters leave 4 unused bits, 1 leaves 2; both must be zero.
  if (bit_count > 0 && (bits & ((1u << bit_count) - 1)) != 0) {
    return R::failure("non-canonical base64: unused bits before the padding are not zero");
  }
  return R::success(std::move(out));
}

}  // namespace deadline
