#include "mail/mime.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "base/base64.h"
#include "base/text.h"
#include "mail/header_encoding.h"
#include "mail/utf8.h"

namespace deadline::mail {

namespace {


bool valid_filename(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

Status check_text(std::string_view what, std::string_view text) {
  if (!utf8::valid(text)) return Status::failure(std::string(what) + " is not valid UTF-8");
  if (text.find('\0') != std::string_view::npos) return Status::failure(std::string(what) + " contains a NUL byte");
  return ok_status();
}

std::string encode_body(std::string_view text, TransferEncoding encoding) {
  const std::string normalized = normalize_line_ends(text);
  if (encoding == TransferEncoding::quoted_printable) return quoted_printable(normalized);  // exact line ends
  std::string body = base64_lines(normalized);
  // The CRLF before a boundary belongs to the boundary: base64 lines end without one.
  if (body.ends_with("\r\n")) body.resize(body.size() - 2);
  return body;
}

std::string_view encoding_name(TransferEncoding encoding) {
  return encoding == TransferEncoding::base64 ? "base64" : "quoted-printable";
}

// Appends one folded header; the values here are the builder's own, known to be valid.
void header(std::string& out, std::string_view name, std::string_view value) {
  Result<std::string> field = fold_header(name, value);
  if (!field) throw std::logic_error("mime builder header: " + field.error());
  out += *field;
}

std::string multipart(std::string_view subtype, const std::string& boundary, const std::vector<std::string>& parts) {
  std::string out;
  header(out, "Content-Type", "multipart/" + std::string(subtype) + "; boundary=\"" + boundary + "\"");
  out += "\r\n";
  // No preamble: the first delimiter follows the blank line; later ones begin with the CRLF
  // that ends the part before.
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "--" : "\r\n--") + boundary + "\r\n" + parts[i];
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

std::string text_part(std::string_view subtype, std::string_view text, TransferEncoding encoding) {
  std::string out;
  header(out, "Content-Type", "text/" + std::string(subtype) + "; charset=UTF-8");
  header(out, "Content-Transfer-Encoding", encoding_name(encoding));
  out += "\r\n";
  out += encode_body(text, encoding);
  return out;
}

}  // namespace

std::string normalize_line_ends(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  // Runs without a line end are copied whole; only CR and LF are looked at one by one.
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t end = std::min(text.find_first_of("\r\n", i), text.size());
    out.append(text, i, end - i);
    if (end == text.size()) break;
    out += "\r\n";
    i = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  const std::string encoded = base64_encode(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find("\r\n", start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (last && line.empty()) break;  // the text ended with CRLF (or is empty)
    // Each input byte as its output token.
    std::vector<std::string> tokens;
    tokens.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto byte = static_cast<unsigned char>(line[i]);
      const bool trailing_space = (byte == ' ' || byte == '\t') && i + 1 == line.size();
      const bool line_start = i == 0 && (byte == '.' || line.starts_with("From "));
      const bool literal = ((byte >= 0x20 && byte <= 0x7e) || byte == '\t') && byte != '=';
      if (literal && !trailing_space && !line_start) {
        tokens.emplace_back(1, static_cast<char>(byte));
      } else {
        tokens.push_back(std::string{'=', hex[byte >> 4], hex[byte & 0xf]});
      }
    }
    std::size_t length = 0;
    for (std::size_t k = 0; k < tokens.size(); ++k) {
      const bool final_token = k + 1 == tokens.size();
      // A soft break takes one character ("="): keep 75 for tokens unless this one ends the line.
      const std::size_t limit = final_token ? 76 : 75;
      if (length + tokens[k].size() > limit) {
        out += "=\r\n";
        length = 0;
        // The soft break starts a physical line too: no "." or "From " there either.
        if (tokens[k] == "." || (tokens[k] == "F" && line.substr(k).starts_with("From "))) {
          const auto byte = static_cast<unsigned char>(line[k]);
          tokens[k] = std::string{'=', hex[byte >> 4], hex[byte & 0xf]};
        }
      }
      out += tokens[k];
      length += tokens[k].size();
    }
    if (last) break;  // the text's last line had no line end: neither does its encoding
    out += "\r\n";
    start = end + 2;
  }
  return out;
}

std::string make_boundary() {
  // Random bytes drawn from OpenSSL a few kilobytes at a time: one RAND_bytes call costs about
  // as much as drawing a kilobyte, and every email needs two boundaries.
  struct Pool {
    unsigned char bytes[4096];
    std::size_t used = sizeof bytes;
  };
  thread_local Pool pool;
  constexpr std::size_t kBoundaryBytes = 16;
  if (pool.used + kBoundaryBytes > sizeof pool.bytes) {
    if (RAND_bytes(pool.bytes, static_cast<int>(sizeof pool.bytes)) != 1) {
      throw std::runtime_error("RAND_bytes failed: no MIME boundary");
    }
    pool.used = 0;
  }
  static const char hex[] = "0123456789abcdef";
  std::string boundary = "=_";
  for (std::size_t k = 0; k < kBoundaryBytes; ++k) {
    const unsigned char byte = pool.bytes[pool.used++];
    boundary += hex[byte >> 4];
    boundary += hex[byte & 0xf];
  }
  return boundary;
}

Result<std::string> build_mime(const MimeMessage& message) {
  using R = Result<std::string>;
  std::string out;
  for (const HeaderField& field : message.headers) {
    const std::string name = ascii_lowercase(field.name);
    if (name == "mime-version" || name.starts_with("content-")) {
      return R::failure(field.name + ": this header is set by the MIME builder");
    }
    Result<std::string> folded = fold_header(field.name, field.value);
    if (!folded) return R::failure(folded.error());
    out += *folded;
  }
  if (Status ok = check_text("text part", message.text); !ok) return R::failure(ok.error());
  if (Status ok = check_text("HTML part", message.html); !ok) return R::failure(ok.error());
  out += "MIME-Version: 1.0\r\n";

  const std::string alternative =
      multipart("alternative", make_boundary(),
                {text_part("plain", message.text, message.encoding), text_part("html", message.html, message.encoding)});
  if (!message.attachment) {
    out += alternative;
    return R::success(std::move(out));
  }

  const MimeAttachment& attachment = *message.attachment;
  if (!valid_filename(attachment.filename)) {
    return R::failure("attachment filename must be 1 to 64 characters of A-Z a-z 0-9 . - _ (not starting with .)");
  }
  if (Status ok = check_text("attachment", attachment.content); !ok) return R::failure(ok.error());
  const std::string type = attachment.content_type + "; name=\"" + attachment.filename + "\"";
  if (attachment.content_type.find('/') == std::string::npos || attachment.content_type.find('"') != std::string::npos) {
    return R::failure("attachment content type must be type/subtype with unquoted parameters");
  }
  std::string part;
  if (Result<std::string> folded = fold_header("Content-Type", type); folded) {
    part += *folded;
  } else {
    return R::failure("attachment content type: " + folded.error());
  }
  header(part, "Content-Disposition", "attachment; filename=\"" + attachment.filename + "\"");
  header(part, "Content-Transfer-Encoding", encoding_name(message.encoding));
  part += "\r\n";
  part += encode_body(attachment.content, message.encoding);

  // The inner multipart is a body part: its own headers then its body, without a trailing CRLF.
  std::string inner = alternative;
  if (inner.ends_with("\r\n")) inner.resize(inner.size() - 2);
  out += multipart("mixed", make_boundary(), {inner, part});
  return R::success(std::move(out));
}

}  // namespace deadline::mail
