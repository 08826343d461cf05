#include "delivery/endpoint_display.h"

namespace deadline::delivery {

std::string shown_address(EndpointKind kind, std::string_view address) {
  if (kind == EndpointKind::email) return std::string(address);
  const std::size_t scheme_end = address.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return {};
  std::string_view authority = address.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  // user:password@host: the user part is a secret as much as the path.
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty()) return {};
  std::string out(address.substr(0, scheme_end + 3));
  for (const char c : authority) {
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7f) out += c;
  }
  return out + "/…";
}

}  // namespace deadline::delivery
