#include "delivery/own_addresses.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstring>

namespace deadline::delivery {

namespace {

bool same_address(const sockaddr* a, const sockaddr* b) {
  if (a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET) {
    sockaddr_in x{}, y{};
    std::memcpy(&x, a, sizeof x);
    std::memcpy(&y, b, sizeof y);
    return x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  sockaddr_in6 x{}, y{};
  std::memcpy(&x, a, sizeof x);
  std::memcpy(&y, b, sizeof y);
  return std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
}

}  // namespace

bool is_own_address(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return false;
  const bool v4 = address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in));
  const bool v6 = address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6));
  if (!v4 && !v6) return false;
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return false;
  bool own = false;
  for (const ifaddrs* i = interfaces; i != nullptr && !own; i = i->ifa_next) {
    own = i->ifa_addr != nullptr && same_address(address, i->ifa_addr);
  }
  freeifaddrs(interfaces);
  return own;
}

}  // namespace deadline::delivery
