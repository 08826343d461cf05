#pragma once
// Mail header text that cannot inject: validation of untrusted header text, RFC 2047 encoded
// words for UTF-8 (Subject, display names), mailbox formatting and header folding.
//
// The pipeline for one header field:
//   check_header_text (refuse CR, LF, NUL, controls, invalid UTF-8, over-long)
//     -> encode_unstructured / format_mailbox (pure 7-bit ASCII value, words separated by one space)
//     -> fold_header ("Name: value\r\n", continuation lines start with one space)
//
// Encoded words are always "=?UTF-8?B?...?=", at most 75 characters, each holding whole UTF-8
// characters (a decoder that decodes word by word never sees half a character). A header whose
// value is made of encoded words folds to lines of at most 76 characters; an ASCII value folds at
// its spaces, and one unbreakable token longer than a line (a long URL in List-Unsubscribe) stays
// whole on its own line (RFC 5322's hard limit, 998, is enforced by fold_header).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace deadline::mail {

inline constexpr std::size_t kMaxHeaderLine = 76;        // folded line, without CRLF
inline constexpr std::size_t kMaxHardHeaderLine = 998;   // RFC 5322 2.1.1, without CRLF
inline constexpr std::size_t kMaxEncodedWord = 75;       // RFC 2047 section 2
inline constexpr std::size_t kMaxDisplayNameBytes = 200;
inline constexpr std::size_t kMaxSubjectBytes = 600;

// Accepts `value` as text for the header field `field` (the name used in the error, e.g.
// "From display name"): valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF),
// at most `max_bytes` bytes, and none of: C0 controls (CR, LF, NUL and TAB included), DEL, C1
// controls, U+2028/U+2029 (line and paragraph separators), bidirectional embedding, override and
// isolate controls (U+202A–U+202E, U+2066–U+2069: they make a name display as something else).
// The error names the field, says what was found and at which byte ("Subject: contains a line
// feed (LF) at byte 7"), and never repeats the value.
Status check_header_text(std::string_view field, std::string_view value, std::size_t max_bytes);

// `utf8` (valid UTF-8; check_header_text first) as RFC 2047 "B" encoded words in UTF-8. The
// first word is at most `first_max` characters, every other at most `rest_max`; both are
// clamped to [20, 75] (20 holds one 4-byte character). Whole characters only; "" gives no words.
std::vector<std::string> encode_words(std::string_view utf8, std::size_t first_max = kMaxEncodedWord,
                                      std::size_t rest_max = kMaxEncodedWord);

// The value of an unstructured header (Subject) named `header_name`, ready for fold_header:
// checked with check_header_text(header_name, value, max_bytes), then kept as is when it is
// plain printable ASCII that folds cleanly (no "=?" that a reader could take for an encoded word,
// no leading, trailing or repeated spaces, every word short enough), else encoded words separated
// by single spaces, the first sized to follow "Name: " on the first line.
Result<std::string> encode_unstructured(std::string_view header_name, std::string_view value,
                                        std::size_t max_bytes = kMaxSubjectBytes);

// An RFC 5322 phrase (a display name, List-Id's description) for the header `header_name`, ready
// for fold_header: checked with check_header_text(field, text, max_bytes); "" stays "". An ASCII
// text stays readable: as atoms when it has only atext and single inner spaces, else as a
// quoted-string with '"' and '\' escaped; a non-ASCII text, one holding "=?", or one too long for
// a line, becomes encoded words (the first sized to follow "Name: ").
Result<std::string> encode_phrase(std::string_view header_name, std::string_view field, std::string_view text,
                                  std::size_t max_bytes = kMaxDisplayNameBytes);

// "name <addr>" for the header `header_name` (From, To, Reply-To), ready for fold_header. The
// address must pass email_address_problem (subscription/email_address.h) and hold no "=?" (an
// encoded-word look-alike that careless readers decode even inside an address); the display name
// check_header_text (at most kMaxDisplayNameBytes) and becomes an encode_phrase. An empty name
// gives the bare address. Errors name the header ("From display name: contains ...",
// "To address: address has no @").
Result<std::string> format_mailbox(std::string_view header_name, std::string_view display_name,
                                   std::string_view address);

// True when `name` is a header field name: 1 to 76 printable ASCII characters without ':'.
bool valid_header_name(std::string_view name);

// "Name: value\r\n", folded before a space so lines stay within kMaxHeaderLine where the value's
// spaces allow (never making a whitespace-only line). Fails when `name` is invalid, when
// `value` holds anything but printable ASCII and single spaces between non-space characters
// (CR, LF, NUL, TAB, other controls, 8-bit bytes, leading/trailing or doubled spaces), or when a
// line would still exceed kMaxHardHeaderLine.
Result<std::string> fold_header(std::string_view name, std::string_view value);

// The text of a header value as a reader shows it: folding removed (CRLF before a space or tab),
// RFC 2047 encoded words in UTF-8 or US-ASCII, "B" or "Q", decoded, whitespace between two
// adjacent encoded words dropped. Other text is kept as is. Fails on a malformed encoded word
// in an unknown charset or with invalid base64; for tests and for reading bounces.
Result<std::string> decode_header_value(std::string_view value);

// Message ids as deadlined makes them (the store's 32 lower-case hex characters) and accepts
// everywhere they become header or address text (Message-ID, VERP): 1 to 64 characters of
// A-Z a-z 0-9 '-' '_'. The error says what is wrong.
Status check_message_id(std::string_view id);

}  // namespace deadline::mail
