#pragma once
// Percent-encoding of a URL component (RFC 3986): everything but the unreserved characters
// (A-Z a-z 0-9 - . _ ~) as %XX of its UTF-8 bytes. For query values built into links: robot
// webhook signatures, "add to calendar" links.

#include <string>
#include <string_view>

namespace deadline {

// `also_unencoded` lists further characters a context allows as they are (RFC 6068's mailto:
// addresses keep "@!$'()*+", for example).
std::string url_encode(std::string_view value, std::string_view also_unencoded = {});

}  // namespace deadline
