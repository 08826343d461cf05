#pragma once
// iCalendar content lines (RFC 5545 §3.1, §3.3.11): TEXT escaping and line folding. Pure string
// functions; the feed writer builds every line through add_property.

#include <string>
#include <string_view>

namespace deadline::ical {

// TEXT value escaping: `\` `;` `,` get a backslash; each line end (CRLF, LF or lone CR) becomes
// the two characters `\n`.
std::string escape_text(std::string_view text);

// `line` (no line end) as folded physical lines: each at most 75 octets before its CRLF, each
// continuation starting with one space, and no fold inside a UTF-8 multi-byte sequence.
std::string fold_line(std::string_view line);

// Appends the folded line "name_and_params:value". `value` is already in its written form
// (escaped with escape_text when it is TEXT).
void add_property(std::string& out, std::string_view name_and_params, std::string_view value);

}  // namespace deadline::ical
