#pragma once
// Email addresses as deadlined accepts them: a deliberately plain subset of RFC 5321/5322
// (dot-atom local part, ASCII host name), so nothing that could break out of an SMTP command or a
// mail header (CR, LF, spaces, quotes, angle brackets, commas) ever gets through.

#include <string>
#include <string_view>

namespace deadline {

// Empty when `address` is acceptable, else why not (for the user: "address has no @").
std::string email_address_problem(std::string_view address);

}  // namespace deadline
