#include "http/endpoint.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace deadline::http {

namespace {

Result<tcp::endpoint> failure(std::string_view text, const std::string& why) {
  return Result<tcp::endpoint>::failure("listen address '" + std::string(text) + "' " + why);
}

bool parse_port(std::string_view text, unsigned short& port) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > 65535) return false;
  port = static_cast<unsigned short>(value);
  return true;
}

}  // namespace

Result<tcp::endpoint> parse_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return failure(text, "has no port (write ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
  }
  std::string_view host = text.substr(0, colon);
  unsigned short port = 0;
  if (!parse_port(text.substr(colon + 1), port)) {
    return failure(text, "has an invalid port (0 to 65535)");
  }
  boost::system::error_code ec;
  boost::asio::ip::address address;
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
    address = boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return failure(text, "has an invalid IPv6 address");
  } else if (host.find(':') != std::string_view::npos) {
    return failure(text, "must put an IPv6 address in brackets, e.g. [::1]:8080");
  } else {
    address = boost::asio::ip::make_address_v4(std::string(host), ec);
    if (ec) return failure(text, "has an invalid IPv4 address (host names are not accepted)");
  }
  return Result<tcp::endpoint>::success(tcp::endpoint{address, port});
}

std::string to_string(const tcp::endpoint& endpoint) {
  const std::string host = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + host + "]:" + port : host + ":" + port;
}

}  // namespace deadline::http
