#pragma once
// iCalendar content lines (RFC 5545 §3.1, §3.3.11): TEXT escaping, parameter quoting, mailto:
// addresses and line folding. Pure string functions; the feed writer builds every line through
// add_property.

#include <string>
#include <string_view>

namespace deadline::ical {

// TEXT value escaping: `\` `;` `,` get a backslash; each line end (CRLF, LF or lone CR) becomes
// the two characters `\n`.
std::string escape_text(std::string_view text);

// A parameter value (RFC 5545 §3.1 param-value) as a quoted-string, with RFC 6868's caret
// encoding for what a quoted-string cannot hold: `^` is written `^^`, a line end (CRLF, LF or lone
// CR) `^n` and `"` `^'`; other control characters are dropped. Non-ASCII text goes in as it is.
// E.g. CN for ORGANIZER: `申报提醒 "江苏"` becomes `"申报提醒 ^'江苏^'"`.
std::string quote_param(std::string_view value);

// An email address as a mailto: URI (RFC 6068), the CAL-ADDRESS of ORGANIZER: every octet other
// than unreserved characters, `@` and `!$'()*+` is percent-encoded (so `%` `?` `#` `&` `=` `/`
// `,` `;` and anything non-ASCII cannot change the URI's meaning or the content line's).
std::string mailto_uri(std::string_view address);

// `line` (no line end) as folded physical lines: each at most 75 octets before its CRLF, each
// continuation starting with one space, and no fold inside a UTF-8 multi-byte sequence.
std::string fold_line(std::string_view line);

// Appends the folded line "name_and_params:value". `value` is already in its written form
// (escaped with escape_text when it is TEXT).
void add_property(std::string& out, std::string_view name_and_params, std::string_view value);

}  // namespace deadline::ical
