#pragma once
// Percent-encoding of a URL component (RFC 3986): everything but the unreserved characters
// (A-Z a-z 0-9 - . _ ~) as %XX of its UTF-8 bytes. For query values built into links: robot
// webhook signatures, "add to calendar" links.

#include <string>
#include <string_view>

namespace deadline {

std::string url_encode(std::string_view value);

}  // namespace deadline
