#include "mail/header_encoding.h"

#include <algorithm>
#include <cctype>

#include "base/base64.h"
#include "base/text.h"
#include "mail/utf8.h"
#include "subscription/email_address.h"

namespace deadline::mail {

namespace {

constexpr std::string_view kWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kWordSuffix = "?=";

std::string hex_byte(unsigned value) {
  static const char digits[] = "0123456789ABCDEF";
  return std::string{digits[value >> 4 & 0xf], digits[value & 0xf]};
}

std::string code_point_name(char32_t cp) {
  std::string hex;
  for (int shift = 12; shift >= 0; shift -= 4) hex += "0123456789ABCDEF"[cp >> shift & 0xf];
  if (cp > 0xffff) hex.insert(0, 1, "0123456789ABCDEF"[cp >> 16 & 0xf]);
  return "U+" + hex;
}

// What a forbidden code point is, for the error; "" when it is allowed.
std::string forbidden(char32_t cp) {
  switch (cp) {
    case U'\r': return "a carriage return (CR)";
    case U'\n': return "a line feed (LF)";
    case U'\0': return "a NUL byte";
    case U'\t': return "a tab";
    default: break;
  }
  if (cp < 0x20 || cp == 0x7f) return "a control character (0x" + hex_byte(static_cast<unsigned>(cp)) + ")";
  if (cp >= 0x80 && cp <= 0x9f) return "a control character (" + code_point_name(cp) + ")";
  if (cp == 0x2028 || cp == 0x2029) return "a line or paragraph separator (" + code_point_name(cp) + ")";
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
    return "a bidirectional control (" + code_point_name(cp) + ")";
  }
  return {};
}

bool is_atext(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = text.find(' ', start);
    words.push_back(text.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return words;
}

// True when `text` is printable ASCII that folds cleanly at its spaces after "Name: ".
bool folds_plainly(std::string_view header_name, std::string_view text) {
  if (text.empty()) return true;
  if (!printable_ascii(text) || text.find("=?") != std::string_view::npos) return false;
  if (text.front() == ' ' || text.back() == ' ' || text.find("  ") != std::string_view::npos) return false;
  const std::vector<std::string_view> words = split_spaces(text);
  if (header_name.size() + 2 + words.front().size() > kMaxHeaderLine) return false;
  return std::all_of(words.begin() + 1, words.end(),
                     [](std::string_view word) { return 1 + word.size() <= kMaxHeaderLine; });
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

// The room for the first encoded word after "Name: " on the first line.
std::size_t first_room(std::string_view header_name) {
  const std::size_t used = header_name.size() + 2;
  return used >= kMaxHeaderLine ? 0 : kMaxHeaderLine - used;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }


int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct EncodedWord {
  std::size_t length = 0;  // 0: no encoded word here
  std::string charset, encoding, text;
};

// The encoded word starting at `at` ("=?charset?e?text?="), by syntax only.
EncodedWord scan_encoded_word(std::string_view value, std::size_t at) {
  if (value.compare(at, 2, "=?") != 0) return {};
  const std::size_t q1 = value.find('?', at + 2);
  if (q1 == std::string_view::npos) return {};
  const std::size_t q2 = value.find('?', q1 + 1);
  if (q2 != q1 + 2) return {};
  const std::size_t end = value.find("?=", q2 + 1);
  if (end == std::string_view::npos) return {};
  const std::string_view charset = value.substr(at + 2, q1 - at - 2);
  const std::string_view text = value.substr(q2 + 1, end - q2 - 1);
  if (charset.empty() || std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; })) {
    return {};
  }
  return {end + 2 - at, std::string(charset), ascii_lowercase(value.substr(q1 + 1, 1)), std::string(text)};
}

Result<std::string> decode_word(const EncodedWord& word) {
  using R = Result<std::string>;
  std::string charset = ascii_lowercase(word.charset);
  charset = charset.substr(0, charset.find('*'));  // RFC 2231 language suffix
  if (charset != "utf-8" && charset != "us-ascii") {
    return R::failure("encoded word in charset \"" + word.charset + "\" is not supported");
  }
  if (word.encoding == "b") {
    Result<std::string> bytes = base64_decode(word.text);
    if (!bytes) return R::failure("encoded word: " + bytes.error());
    return bytes;
  }
  if (word.encoding == "q") {
    std::string out;
    for (std::size_t i = 0; i < word.text.size(); ++i) {
      const char c = word.text[i];
      if (c == '_') {
        out += ' ';
      } else if (c == '=') {
        if (i + 2 >= word.text.size()) return R::failure("encoded word: truncated =XX");
        const int high = hex_value(word.text[i + 1]), low = hex_value(word.text[i + 2]);
        if (high < 0 || low < 0) return R::failure("encoded word: invalid =XX");
        out += static_cast<char>(high * 16 + low);
        i += 2;
      } else {
        out += c;
      }
    }
    return R::success(std::move(out));
  }
  return R::failure("encoded word encoding \"" + word.encoding + "\" is neither B nor Q");
}

}  // namespace

Status check_header_text(std::string_view field, std::string_view value, std::size_t max_bytes) {
  const std::string where = std::string(field) + ": ";
  if (value.size() > max_bytes) {
    return Status::failure(where + "is " + std::to_string(value.size()) + " bytes, longer than the limit of " +
                           std::to_string(max_bytes));
  }
  for (std::size_t i = 0; i < value.size();) {
    const utf8::CodePoint cp = utf8::decode(value, i);
    if (cp.length == 0) return Status::failure(where + "is not valid UTF-8 at byte " + std::to_string(i));
    const std::string what = forbidden(cp.value);
    if (!what.empty()) return Status::failure(where + "contains " + what + " at byte " + std::to_string(i));
    i += cp.length;
  }
  return ok_status();
}

std::vector<std::string> encode_words(std::string_view text, std::size_t first_max, std::size_t rest_max) {
  const auto clamp = [](std::size_t n) { return std::clamp<std::size_t>(n, 20, kMaxEncodedWord); };
  // A word of n characters carries (n - 12) / 4 * 3 bytes: 4 base64 characters per 3 bytes.
  const auto capacity = [](std::size_t chars) { return (chars - kWordPrefix.size() - kWordSuffix.size()) / 4 * 3; };
  std::size_t room = capacity(clamp(first_max));
  const std::size_t rest_room = capacity(clamp(rest_max));
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = start;
    while (end < text.size()) {
      const utf8::CodePoint cp = utf8::decode(text, end);
      const std::size_t length = cp.length == 0 ? 1 : cp.length;  // invalid input: bytes as they are
      if (end + length - start > room) break;
      end += length;
    }
    if (end == start) end = start + 1;  // unreachable with room >= 6 and valid input
    words.push_back(std::string(kWordPrefix) + base64_encode(text.substr(start, end - start)) +
                    std::string(kWordSuffix));
    start = end;
    room = rest_room;
  }
  return words;
}

Result<std::string> encode_unstructured(std::string_view header_name, std::string_view value, std::size_t max_bytes) {
  using R = Result<std::string>;
  if (!valid_header_name(header_name)) return R::failure("invalid header name");
  if (Status checked = check_header_text(header_name, value, max_bytes); !checked) return R::failure(checked.error());
  if (folds_plainly(header_name, value)) return R::success(std::string(value));
  return R::success(join_words(encode_words(value, first_room(header_name))));
}

Result<std::string> encode_phrase(std::string_view header_name, std::string_view field, std::string_view text,
                                  std::size_t max_bytes) {
  using R = Result<std::string>;
  if (!valid_header_name(header_name)) return R::failure("invalid header name");
  if (Status checked = check_header_text(field, text, max_bytes); !checked) return R::failure(checked.error());
  if (text.empty()) return R::success(std::string());
  std::string phrase;
  if (folds_plainly(header_name, text)) {
    const bool atoms = std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || is_atext(c); });
    if (atoms) {
      phrase = text;
    } else {
      phrase = "\"";
      for (const char c : text) {
        if (c == '"' || c == '\\') phrase += '\\';
        phrase += c;
      }
      phrase += '"';
    }
    // The quotes lengthen the first and last words: fall back to encoded words if they no
    // longer fold within the line.
    if (!folds_plainly(header_name, phrase)) phrase.clear();
  }
  if (phrase.empty()) phrase = join_words(encode_words(text, first_room(header_name)));
  return R::success(std::move(phrase));
}

Result<std::string> format_mailbox(std::string_view header_name, std::string_view display_name,
                                   std::string_view address) {
  using R = Result<std::string>;
  if (!valid_header_name(header_name)) return R::failure("invalid header name");
  if (const std::string problem = email_address_problem(address); !problem.empty()) {
    return R::failure(std::string(header_name) + " address: " + problem);
  }
  // "=?...?=" is valid atext, but a careless reader decodes it even inside an address.
  if (address.find("=?") != std::string_view::npos) {
    return R::failure(std::string(header_name) + " address: holds \"=?\", which readers could take for an encoded word");
  }
  Result<std::string> phrase =
      encode_phrase(header_name, std::string(header_name) + " display name", display_name, kMaxDisplayNameBytes);
  if (!phrase) return phrase;
  if (phrase->empty()) return R::success(std::string(address));
  return R::success(*phrase + " <" + std::string(address) + ">");
}

bool valid_header_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxHeaderLine) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x21 && c <= 0x7e && c != ':'; });
}

Result<std::string> fold_header(std::string_view name, std::string_view value) {
  using R = Result<std::string>;
  if (!valid_header_name(name)) return R::failure("header name is empty, too long or not printable ASCII without ':'");
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == ' ') {
      if (i == 0 || i + 1 == value.size() || value[i + 1] == ' ') {
        return R::failure(std::string(name) + ": header value has a leading, trailing or repeated space");
      }
    } else if (c < 0x21 || c > 0x7e) {
      const std::string what = c == '\r' ? "a carriage return (CR)" : c == '\n' ? "a line feed (LF)"
                               : c == '\0' ? "a NUL byte" : "byte 0x" + hex_byte(static_cast<unsigned char>(c));
      return R::failure(std::string(name) + ": header value contains " + what + " at byte " + std::to_string(i) +
                        " (values must be encoded to printable ASCII first)");
    }
  }
  std::string out;
  std::string line = std::string(name) + ":";
  bool first = true;
  for (std::string_view word : (value.empty() ? std::vector<std::string_view>{} : split_spaces(value))) {
    if (!first && line.size() + 1 + word.size() > kMaxHeaderLine) {
      if (line.size() > kMaxHardHeaderLine) return R::failure(std::string(name) + ": a header line is over 998 characters");
      out += line + "\r\n";
      line.clear();
    }
    line += ' ';
    line += word;
    first = false;
  }
  if (line.size() > kMaxHardHeaderLine) return R::failure(std::string(name) + ": a header line is over 998 characters");
  out += line + "\r\n";
  return R::success(std::move(out));
}

Result<std::string> decode_header_value(std::string_view value) {
  using R = Result<std::string>;
  // Unfold: a line break followed by a space or tab is not part of the value.
  std::string unfolded;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' && i + 2 < value.size() && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
      ++i;
      continue;
    }
    if (value[i] == '\n' && i + 1 < value.size() && is_wsp(value[i + 1])) continue;
    unfolded += value[i];
  }
  std::string out;
  std::string pending_space;
  bool after_word = false;
  for (std::size_t i = 0; i < unfolded.size();) {
    if (is_wsp(unfolded[i])) {
      pending_space += unfolded[i++];
      continue;
    }
    const EncodedWord word = scan_encoded_word(unfolded, i);
    if (word.length > 0) {
      Result<std::string> decoded = decode_word(word);
      if (!decoded) return R::failure(decoded.error());
      if (!after_word) out += pending_space;  // space between two encoded words is dropped
      pending_space.clear();
      out += *decoded;
      after_word = true;
      i += word.length;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += unfolded[i++];
    after_word = false;
  }
  out += pending_space;
  return R::success(std::move(out));
}

Status check_message_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return Status::failure("message id must be 1 to 64 characters");
  for (const char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return Status::failure("message id may hold only A-Z a-z 0-9 '-' '_'");
    }
  }
  return ok_status();
}

}  // namespace deadline::mail
