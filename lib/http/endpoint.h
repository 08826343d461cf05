#pragma once
// Listen addresses as the configuration writes them: "127.0.0.1:8080" or "[::1]:8080".
// Numeric only: a host name would make the listening address depend on DNS at start-up.

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace deadline::http {

using boost::asio::ip::tcp;

// Port 0 is accepted (the system picks one; tests use it). Errors quote the text and say what
// is wrong with it.
Result<tcp::endpoint> parse_endpoint(std::string_view text);

// The inverse: "127.0.0.1:8080", "[::1]:8080".
std::string to_string(const tcp::endpoint& endpoint);

}  // namespace deadline::http
