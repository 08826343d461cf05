#pragma once
// A small MIME builder (RFC 2045–2049) for what deadlined sends: a UTF-8 text and HTML pair, and
// optionally an iCalendar attachment.
//
//   without an attachment             with one
//   multipart/alternative             multipart/mixed
//     text/plain; charset=UTF-8         multipart/alternative
//     text/html; charset=UTF-8            text/plain; charset=UTF-8
//                                         text/html; charset=UTF-8
//                                       text/calendar; method=PUBLISH; charset=UTF-8 (attachment)
//
// The output uses CRLF only: every input's line ends (CRLF, CR, LF) become CRLF before the body
// is encoded, and every body is base64 (lines of 76) or quoted-printable (lines of at most 76), so
// the message is 7-bit, its lines short, and no bare CR or LF can appear anywhere. Boundaries are
// "=_" followed by 128 random bits (OpenSSL RAND_bytes): "=_" cannot occur in base64 or
// quoted-printable output, so a boundary never collides with content, and it cannot be guessed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace deadline::mail {

// One top-level header field. `value` must already be 7-bit printable ASCII (encode Subject and
// display names with header_encoding.h first); the builder folds it (fold_header).
struct HeaderField {
  std::string name;
  std::string value;
};

enum class TransferEncoding { base64, quoted_printable };

struct MimeAttachment {
  // Full media type with parameters; printable ASCII, e.g. "text/calendar; method=PUBLISH; charset=UTF-8".
  std::string content_type;
  std::string filename;   // 1 to 64 characters of A-Z a-z 0-9 '.' '-' '_', e.g. "reminders.ics"
  std::string content;    // text; its line ends are normalised to CRLF
};

struct MimeMessage {
  // In order. MIME-Version, Content-Type and Content-Transfer-Encoding are the builder's own and
  // are refused here.
  std::vector<HeaderField> headers;
  std::string text;   // text/plain; charset=UTF-8 (valid UTF-8)
  std::string html;   // text/html; charset=UTF-8 (valid UTF-8)
  std::optional<MimeAttachment> attachment;
  TransferEncoding encoding = TransferEncoding::base64;  // for every part
};

// The whole message: header fields, MIME-Version, the tree above, ending with CRLF. Refused:
// an invalid header name, a header value that is not printable ASCII with single inner spaces
// (CR, LF, NUL, TAB, other controls or 8-bit bytes), one of the builder's own headers, a text,
// HTML or attachment that is not valid UTF-8 or holds NUL, an attachment with a bad filename or
// content type. Throws std::runtime_error only if the random generator fails.
Result<std::string> build_mime(const MimeMessage& message);

// Building blocks, exposed for tests and for other text parts.
// `text` with every CRLF, lone CR and lone LF turned into CRLF.
std::string normalize_line_ends(std::string_view text);
// Base64 in lines of 76 characters, each ended by CRLF.
std::string base64_lines(std::string_view bytes);
// Quoted-printable (RFC 2045 6.7) of CRLF-normalised text: lines at most 76 characters with soft
// breaks ("=" CRLF), never splitting an "=XX"; '=', 8-bit bytes, controls, trailing spaces and
// tabs, a '.' starting a line and the 'F' of a line starting "From " are encoded. Ends with CRLF
// exactly when `text` does (so the part decodes to `text` byte for byte).
std::string quoted_printable(std::string_view text);
// A fresh boundary: "=_" + 32 hex digits of RAND_bytes.
std::string make_boundary();

}  // namespace deadline::mail
