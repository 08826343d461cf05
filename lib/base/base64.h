#pragma once
// Standard base64 (RFC 4648 section 4: `A–Z a–z 0–9 + /`, `=` padding), as webhook secrets and
// signatures use it. Decoding is strict: it accepts exactly what base64_encode produces.

#include <string>
#include <string_view>

#include "base/result.h"

namespace deadline {

// Padded standard base64 of `bytes`.
std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes. Refused, with a message saying what is wrong: a length that is not a
// multiple of 4, a character outside the alphabet (whitespace and the URL-safe `-` `_` included),
// `=` anywhere but the last one or two places, and non-zero bits in the last character's unused
// low bits (so every byte string has exactly one accepted encoding). The empty text is zero bytes.
Result<std::string> base64_decode(std::string_view text);

}  // namespace deadline
