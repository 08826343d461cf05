// Mail header text (lib/mail/header_encoding.h): the input chooses a header name, word sizes and
// an address, and the rest is the text, run through every function of the header pipeline.
//
// Invariants: nothing throws; check_header_text accepts only valid UTF-8 without controls;
// encode_unstructured, encode_phrase and format_mailbox give values fold_header accepts, and
// (for names short enough to leave room for a 20-character word) whose folded lines are at most
// 76 characters; decoding the folded value gives the text back; encode_words keeps to its
// sizes, splits only between characters and decodes to the text; fold_header's output is
// "Name: value" with CRLF inserted before spaces only, lines at most 998 characters.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>

#include "base/base64.h"
#include "fuzz_support.h"
#include "mail/header_encoding.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

constexpr std::string_view kPrefix = "=?UTF-8?B?";
constexpr std::string_view kSuffix = "?=";

// The lines of `field` ("...\r\n...\r\n") without their CRLF.
std::vector<std::string_view> lines_of(std::string_view field) {
  FUZZ_CHECK(fuzz::crlf_only(field));
  FUZZ_CHECK(field.ends_with("\r\n"));
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < field.size();) {
    const std::size_t end = field.find("\r\n", start);
    lines.push_back(field.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// fold_header(name, value) succeeded with `field`: check its shape; the value as written after
// "Name: " (the fold's line breaks still in it).
std::string check_folded(std::string_view name, std::string_view value, std::string_view field) {
  const std::vector<std::string_view> lines = lines_of(field);
  std::string unfolded;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    FUZZ_CHECK(lines[i].size() <= kMaxHardHeaderLine);
    if (i > 0) FUZZ_CHECK(lines[i].starts_with(' ') && lines[i].size() > 1 && lines[i][1] != ' ');
    unfolded += lines[i];
  }
  const std::string expected = std::string(name) + ":" + (value.empty() ? "" : " ") + std::string(value);
  FUZZ_CHECK(unfolded == expected);
  std::string_view written = field.substr(name.size() + 1);  // after ':'
  if (written.starts_with(' ')) written.remove_prefix(1);
  written.remove_suffix(2);
  return std::string(written);
}

// `value` is ready for fold_header: it must fold, within 76 characters a line when the name
// leaves room for the shortest encoded word, and decode to `text`.
void check_ready(std::string_view name, std::string_view value, std::string_view text, bool decodes_to_text) {
  const Result<std::string> field = fold_header(name, value);
  FUZZ_CHECK(static_cast<bool>(field));
  const std::string written = check_folded(name, value, *field);
  if (name.size() + 2 + 20 <= kMaxHeaderLine) {
    for (const std::string_view line : lines_of(*field)) FUZZ_CHECK(line.size() <= kMaxHeaderLine);
  }
  if (decodes_to_text) {
    const Result<std::string> decoded = decode_header_value(written);
    FUZZ_CHECK(decoded && *decoded == text);
  }
}

void check_words(std::string_view text, std::size_t first_max, std::size_t rest_max) {
  const std::vector<std::string> words = encode_words(text, first_max, rest_max);
  std::string joined;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const std::size_t limit = std::clamp<std::size_t>(i == 0 ? first_max : rest_max, 20, kMaxEncodedWord);
    FUZZ_CHECK(word.size() <= limit);
    FUZZ_CHECK(word.starts_with(kPrefix) && word.ends_with(kSuffix));
    const Result<std::string> bytes =
        base64_decode(std::string_view(word).substr(kPrefix.size(), word.size() - kPrefix.size() - kSuffix.size()));
    FUZZ_CHECK(bytes && !bytes->empty());
    FUZZ_CHECK(fuzz::valid_utf8(*bytes));  // whole characters in each word
    joined += *bytes;
  }
  FUZZ_CHECK(joined == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kNames[] = {"Subject", "From", "To", "List-Id", "Reply-To",
                                       "X-A-Rather-Long-Header-Field-Name-That-Leaves-Little-Room-For-Words"};
  FuzzedDataProvider in(data, size);
  const std::string name = in.ConsumeBool() ? std::string(kNames[in.ConsumeIntegralInRange<std::size_t>(0, 5)])
                                            : in.ConsumeRandomLengthString(90);
  const auto first_max = in.ConsumeIntegralInRange<std::size_t>(0, 100);
  const auto rest_max = in.ConsumeIntegralInRange<std::size_t>(0, 100);
  const std::string address = in.ConsumeRandomLengthString(120);
  const std::string text = in.ConsumeRemainingBytesAsString();

  fuzz::no_throw([&] {
    const Status checked = check_header_text("Subject", text, kMaxSubjectBytes);
    if (checked) {
      FUZZ_CHECK(fuzz::valid_utf8(text));
      FUZZ_CHECK(std::none_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      }));
      check_words(text, first_max, rest_max);
    }

    const Result<std::string> unstructured = encode_unstructured(name, text);
    FUZZ_CHECK(static_cast<bool>(unstructured) == (valid_header_name(name) && static_cast<bool>(checked)));
    if (unstructured) check_ready(name, *unstructured, text, true);

    const Result<std::string> phrase = encode_phrase(name, "display name", text);
    if (phrase) {
      const bool quoted = phrase->starts_with('"');
      check_ready(name, *phrase, text, !quoted);
      if (quoted) {
        std::string unquoted;
        for (std::size_t i = 1; i + 1 < phrase->size(); ++i) {
          if ((*phrase)[i] == '\\') ++i;
          unquoted += (*phrase)[i];
        }
        FUZZ_CHECK(phrase->ends_with('"') && unquoted == text);
      }
    }

    const Result<std::string> mailbox = format_mailbox(name, text, address);
    if (mailbox) {
      const Result<std::string> field = fold_header(name, *mailbox);
      FUZZ_CHECK(static_cast<bool>(field));
      check_folded(name, *mailbox, *field);
    }

    if (const Result<std::string> field = fold_header(name, text)) check_folded(name, text, *field);
    (void)decode_header_value(text);
    (void)check_message_id(text);
  });
  return 0;
}
