// The MIME builder (lib/mail/mime.h): the input chooses header fields (a name from a list or
// any; the value as is, or first through encode_unstructured as the mailers do), the transfer
// encoding, an optional attachment, the text and the HTML.
//
// Invariants: nothing throws; a built message is 7-bit (printable ASCII, tab, CRLF), has no bare
// CR or LF, ends with CRLF, keeps header lines within 998 and body lines within 76; read back as
// MIME (unfolding, boundaries, base64 / quoted-printable) it holds the text, the HTML and the
// attachment with their line ends made CRLF, byte for byte. The building blocks on their own:
// quoted_printable lines are at most 76, never end in a space or tab, never start with "." or
// "From ", and decode to the input; base64_lines are 76 a line and decode to the input;
// normalize_line_ends leaves CRLF only and is idempotent.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/base64.h"
#include "fuzz_support.h"
#include "mail/header_encoding.h"
#include "mail/mime.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

std::vector<std::string_view> split_crlf(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;  // a text ending with CRLF ends with an empty element
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // quoted_printable writes upper case only
}

std::optional<std::string> decode_qp(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
    } else if (i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::string> decode_base64_lines(std::string_view text) {
  std::string compact;
  for (const char c : text) {
    if (c != '\r' && c != '\n') compact += c;
  }
  Result<std::string> bytes = base64_decode(compact);
  if (!bytes) return std::nullopt;
  return *bytes;
}

void check_qp(std::string_view normalized) {
  const std::string encoded = quoted_printable(normalized);
  FUZZ_CHECK(fuzz::crlf_only(encoded));
  for (const std::string_view line : split_crlf(encoded)) {
    FUZZ_CHECK(line.size() <= 76);
    FUZZ_CHECK(!line.ends_with(' ') && !line.ends_with('\t'));
    FUZZ_CHECK(!line.starts_with('.'));
    FUZZ_CHECK(!line.starts_with("From "));
  }
  const std::optional<std::string> decoded = decode_qp(encoded);
  FUZZ_CHECK(decoded && *decoded == normalized);
}

void check_base64_lines(std::string_view bytes) {
  const std::string encoded = base64_lines(bytes);
  const std::vector<std::string_view> lines = split_crlf(encoded);
  FUZZ_CHECK(lines.back().empty());
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) FUZZ_CHECK(lines[i].size() == 76 || i + 2 == lines.size());
  const std::optional<std::string> decoded = decode_base64_lines(encoded);
  FUZZ_CHECK(decoded && *decoded == bytes);
}

// --- Reading a built message back --------------------------------------------------------------

struct Entity {
  std::vector<std::pair<std::string, std::string>> headers;  // name as written, value unfolded
  std::string body;
};

// Headers (unfolded) up to the empty line, then the body.
Entity split_entity(std::string_view text) {
  Entity entity;
  std::size_t at = 0;
  while (true) {
    const std::size_t end = text.find("\r\n", at);
    FUZZ_CHECK(end != std::string_view::npos);  // a header block always ends with an empty line
    const std::string_view line = text.substr(at, end - at);
    at = end + 2;
    if (line.empty()) break;
    if (line.starts_with(' ')) {
      FUZZ_CHECK(!entity.headers.empty());
      entity.headers.back().second += line;  // the fold's space stays
      continue;
    }
    const std::size_t colon = line.find(':');
    FUZZ_CHECK(colon != std::string_view::npos && colon > 0);
    std::string_view value = line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    entity.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  entity.body = std::string(text.substr(at));
  return entity;
}

std::string header(const Entity& entity, std::string_view name) {
  std::string found;
  int count = 0;
  for (const auto& [n, v] : entity.headers) {
    if (n == name) found = v, ++count;
  }
  FUZZ_CHECK(count <= 1);
  return found;
}

// The leaves of the MIME tree in order, each decoded.
void leaves(std::string_view text, std::vector<std::string>& out, int depth) {
  FUZZ_CHECK(depth <= 2);
  const Entity entity = split_entity(text);
  const std::string type = header(entity, "Content-Type");
  if (type.starts_with("multipart/")) {
    const std::size_t at = type.find("boundary=\"");
    FUZZ_CHECK(at != std::string::npos);
    const std::string boundary = type.substr(at + 10, type.find('"', at + 10) - at - 10);
    FUZZ_CHECK(boundary.size() == 34 && boundary.starts_with("=_"));
    const std::string delimiter = "--" + boundary + "\r\n";
    const std::string close = "\r\n--" + boundary + "--";
    // A nested multipart ends at its close delimiter: the CRLF after it belongs to the outer one.
    std::string_view body = entity.body;
    if (depth == 0 || body.ends_with("\r\n")) {
      FUZZ_CHECK(body.ends_with("\r\n"));
      body.remove_suffix(2);
    }
    FUZZ_CHECK(body.starts_with(delimiter));
    FUZZ_CHECK(body.ends_with(close));
    FUZZ_CHECK(body.size() >= delimiter.size() + close.size());
    const std::string_view inner = body.substr(delimiter.size(), body.size() - delimiter.size() - close.size());
    const std::string separator = "\r\n" + delimiter;
    for (std::size_t start = 0;;) {
      const std::size_t end = inner.find(separator, start);
      leaves(inner.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start), out, depth + 1);
      if (end == std::string_view::npos) break;
      start = end + separator.size();
    }
    return;
  }
  const std::string encoding = header(entity, "Content-Transfer-Encoding");
  std::optional<std::string> decoded;
  if (encoding == "base64") {
    decoded = decode_base64_lines(entity.body);
  } else {
    FUZZ_CHECK(encoding == "quoted-printable");
    decoded = decode_qp(entity.body);
  }
  FUZZ_CHECK(decoded.has_value());
  out.push_back(std::move(*decoded));
}

void check_message(const MimeMessage& message, const std::string& built) {
  FUZZ_CHECK(fuzz::crlf_only(built));
  FUZZ_CHECK(built.ends_with("\r\n"));
  FUZZ_CHECK(std::all_of(built.begin(), built.end(), [](char c) {
    return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\r' || c == '\n';
  }));
  const std::vector<std::string_view> lines = split_crlf(built);
  // The top-level header fields, up to MIME-Version (no field of ours can be a line "MIME-Version: 1.0").
  std::size_t first_body_line = 0;
  while (first_body_line < lines.size() && lines[first_body_line] != "MIME-Version: 1.0") {
    FUZZ_CHECK(lines[first_body_line].size() <= kMaxHardHeaderLine);
    ++first_body_line;
  }
  FUZZ_CHECK(first_body_line < lines.size());
  // Past the top-level fields every line is the builder's own (short tokens) or encoded body,
  // except the attachment's Content-Type, which folds only at the spaces it was given.
  bool long_words = false;
  if (message.attachment) {
    const std::string value = message.attachment->content_type + "; name=\"" + message.attachment->filename + "\"";
    std::size_t word = 0, words = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
      if (i == value.size() || value[i] == ' ') {
        // "Content-Type: " + the first word, or " " + a later one, must fit in 76.
        long_words = long_words || (words == 0 ? 14 + word > 76 : 1 + word > 76);
        word = 0, ++words;
      } else {
        ++word;
      }
    }
  }
  for (std::size_t i = first_body_line; i < lines.size(); ++i) {
    FUZZ_CHECK(lines[i].size() <= (long_words ? kMaxHardHeaderLine : 76));
  }

  const auto mime_start = static_cast<std::size_t>(lines[first_body_line].data() - built.data());
  const Entity top = split_entity(std::string_view(built).substr(mime_start));
  FUZZ_CHECK(header(top, "MIME-Version") == "1.0");
  std::vector<std::string> parts;
  leaves(std::string_view(built).substr(mime_start + std::string_view("MIME-Version: 1.0\r\n").size()), parts, 0);
  FUZZ_CHECK(parts.size() == (message.attachment ? 3u : 2u));
  FUZZ_CHECK(parts[0] == normalize_line_ends(message.text));
  FUZZ_CHECK(parts[1] == normalize_line_ends(message.html));
  if (message.attachment) FUZZ_CHECK(parts[2] == normalize_line_ends(message.attachment->content));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kNames[] = {"From", "To", "Subject", "List-Unsubscribe", "Message-ID",
                                       "Content-Type", "MIME-Version", "X-Deadlined"};
  static const char* const kTypes[] = {"text/calendar; method=PUBLISH; charset=UTF-8", "application/octet-stream",
                                       "text/plain", "nonsense"};
  FuzzedDataProvider in(data, size);
  fuzz::no_throw([&] {
    MimeMessage message;
    const auto header_count = in.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < header_count; ++i) {
      std::string name = in.ConsumeBool() ? std::string(kNames[in.ConsumeIntegralInRange<std::size_t>(0, 7)])
                                          : in.ConsumeRandomLengthString(40);
      std::string value = in.ConsumeRandomLengthString(300);
      if (in.ConsumeBool()) {
        if (Result<std::string> encoded = encode_unstructured(name, value)) value = *encoded;
      }
      message.headers.push_back({std::move(name), std::move(value)});
    }
    message.encoding = in.ConsumeBool() ? TransferEncoding::quoted_printable : TransferEncoding::base64;
    if (in.ConsumeBool()) {
      MimeAttachment attachment;
      attachment.content_type = in.ConsumeBool() ? std::string(kTypes[in.ConsumeIntegralInRange<std::size_t>(0, 3)])
                                                 : in.ConsumeRandomLengthString(100);
      // A multipart or message type would make the attachment's content MIME structure: the
      // callers attach text/calendar only, so leave those out rather than read them back.
      std::string lowered = attachment.content_type;
      std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lowered.find("multipart/") != std::string::npos || lowered.find("message/") != std::string::npos) {
        attachment.content_type = "application/octet-stream";
      }
      attachment.filename = in.ConsumeBool() ? "reminders.ics" : in.ConsumeRandomLengthString(70);
      attachment.content = in.ConsumeRandomLengthString(2000);
      message.attachment = std::move(attachment);
    }
    message.text = in.ConsumeRandomLengthString(4000);
    message.html = in.ConsumeRemainingBytesAsString();

    const std::string normalized = normalize_line_ends(message.text);
    FUZZ_CHECK(fuzz::crlf_only(normalized));
    FUZZ_CHECK(normalize_line_ends(normalized) == normalized);
    check_qp(normalized);
    check_base64_lines(message.html);

    const Result<std::string> built = build_mime(message);
    if (built) check_message(message, *built);
  });
  return 0;
}
