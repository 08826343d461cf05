#include "delivery/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include "base/text.h"
#include "delivery/own_addresses.h"

namespace deadline::delivery {

namespace {

using Ipv6Bytes = std::array<std::uint8_t, 16>;

constexpr std::uint32_t ipv4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

struct Ipv4Range {
  std::uint32_t base;
  unsigned prefix;  // 1..32
  const char* reason;
};

// First match wins: the broadcast address before the 240/4 that contains it.
constexpr Ipv4Range kRefusedIpv4[] = {
    {ipv4(0, 0, 0, 0), 8, "this network (0.0.0.0/8)"},
    {ipv4(10, 0, 0, 0), 8, "private (10.0.0.0/8)"},
    {ipv4(100, 64, 0, 0), 10, "shared address space (100.64.0.0/10)"},
    {ipv4(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"},
    {ipv4(169, 254, 0, 0), 16, "link-local (169.254.0.0/16)"},
    {ipv4(172, 16, 0, 0), 12, "private (172.16.0.0/12)"},
    {ipv4(192, 0, 0, 0), 24, "IETF protocol assignments (192.0.0.0/24)"},
    {ipv4(192, 0, 2, 0), 24, "documentation (192.0.2.0/24)"},
    {ipv4(192, 168, 0, 0), 16, "private (192.168.0.0/16)"},
    {ipv4(198, 18, 0, 0), 15, "benchmarking (198.18.0.0/15)"},
    {ipv4(198, 51, 100, 0), 24, "documentation (198.51.100.0/24)"},
    {ipv4(203, 0, 113, 0), 24, "documentation (203.0.113.0/24)"},
    {ipv4(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"},
    {ipv4(255, 255, 255, 255), 32, "broadcast (255.255.255.255)"},
    {ipv4(240, 0, 0, 0), 4, "reserved (240.0.0.0/4)"},
};

bool in_range(std::uint32_t address, const Ipv4Range& range) {
  const std::uint32_t mask = range.prefix >= 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> range.prefix);
  return (address & mask) == range.base;
}

AddressClass allowed(std::string reason) { return {AddressVerdict::allowed, std::move(reason)}; }
AddressClass refused(std::string reason) { return {AddressVerdict::refused, std::move(reason)}; }

AddressClass classify_ipv4(std::uint32_t address) {
  for (const Ipv4Range& range : kRefusedIpv4) {
    if (in_range(address, range)) return refused(range.reason);
  }
  return allowed("global unicast");
}

struct Ipv6Prefix {
  std::array<std::uint8_t, 12> bytes;  // enough for every prefix below (the longest is /96)
  unsigned prefix;                     // in bits
};

bool has_prefix(const Ipv6Bytes& address, const Ipv6Prefix& p) {
  unsigned bits = p.prefix;
  for (std::size_t i = 0; bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - take));
    if ((address[i] & mask) != (p.bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::uint32_t ipv4_at(const Ipv6Bytes& address, std::size_t offset) {
  return ipv4(address[offset], address[offset + 1], address[offset + 2], address[offset + 3]);
}

// The embedded IPv4 address decides; the reason says how it was embedded.
AddressClass unwrap(const Ipv6Bytes& address, std::size_t offset, const char* how) {
  AddressClass inner = classify_ipv4(ipv4_at(address, offset));
  inner.reason += " via ";
  inner.reason += how;
  return inner;
}

constexpr Ipv6Prefix kMapped{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 96};
constexpr Ipv6Prefix kCompatible{{}, 96};
constexpr Ipv6Prefix kNat64{{0x00, 0x64, 0xFF, 0x9B}, 96};
constexpr Ipv6Prefix kNat64LocalUse{{0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01}, 48};
constexpr Ipv6Prefix k6to4{{0x20, 0x02}, 16};
constexpr Ipv6Prefix kTeredo{{0x20, 0x01, 0x00, 0x00}, 32};
constexpr Ipv6Prefix kDocumentation{{0x20, 0x01, 0x0D, 0xB8}, 32};
constexpr Ipv6Prefix kUniqueLocal{{0xFC}, 7};
constexpr Ipv6Prefix kLinkLocal{{0xFE, 0x80}, 10};
constexpr Ipv6Prefix kSiteLocal{{0xFE, 0xC0}, 10};
constexpr Ipv6Prefix kMulticast{{0xFF}, 8};
constexpr Ipv6Prefix kGlobalUnicast{{0x20}, 3};

AddressClass classify_ipv6(const Ipv6Bytes& address) {
  constexpr Ipv6Bytes kUnspecified{};
  constexpr Ipv6Bytes kLoopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (address == kUnspecified) return refused("unspecified (::)");
  if (address == kLoopback) return refused("loopback (::1)");
  if (has_prefix(address, kMapped)) return unwrap(address, 12, "IPv4-mapped IPv6 (::ffff:0:0/96)");
  if (has_prefix(address, kCompatible)) return unwrap(address, 12, "IPv4-compatible IPv6 (::/96)");
  if (has_prefix(address, kNat64)) return unwrap(address, 12, "NAT64 (64:ff9b::/96)");
  if (has_prefix(address, kNat64LocalUse)) return refused("local-use NAT64 (64:ff9b:1::/48)");
  if (has_prefix(address, k6to4)) return unwrap(address, 2, "6to4 (2002::/16)");
  if (has_prefix(address, kTeredo)) return refused("Teredo (2001::/32)");
  if (has_prefix(address, kDocumentation)) return refused("documentation (2001:db8::/32)");
  if (has_prefix(address, kUniqueLocal)) return refused("unique local (fc00::/7)");
  if (has_prefix(address, kLinkLocal)) return refused("link-local (fe80::/10)");
  if (has_prefix(address, kSiteLocal)) return refused("site-local (fec0::/10)");
  if (has_prefix(address, kMulticast)) return refused("multicast (ff00::/8)");
  if (!has_prefix(address, kGlobalUnicast)) return refused("reserved (outside global unicast 2000::/3)");
  return allowed("global unicast");
}

std::uint32_t ipv4_of(const in_addr& address) { return ntohl(address.s_addr); }

Ipv6Bytes bytes_of(const in6_addr& address) {
  Ipv6Bytes bytes;
  std::memcpy(bytes.data(), &address, bytes.size());
  return bytes;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }


bool same_host(std::string_view a, std::string_view b) {
  a = without_brackets(a);
  b = without_brackets(b);
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

AddressClass classify(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return refused("no address");
  const auto size = static_cast<std::size_t>(length);
  if (address->sa_family == AF_INET) {
    if (size < sizeof(sockaddr_in)) return refused("truncated IPv4 socket address");
    sockaddr_in in4;
    std::memcpy(&in4, address, sizeof in4);
    return classify_ipv4(ipv4_of(in4.sin_addr));
  }
  if (address->sa_family == AF_INET6) {
    if (size < sizeof(sockaddr_in6)) return refused("truncated IPv6 socket address");
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    return classify_ipv6(bytes_of(in6.sin6_addr));
  }
  return refused("not an IP address (address family " + std::to_string(address->sa_family) + ")");
}

AddressClass classify(std::string_view numeric_address) {
  const std::string text(numeric_address);
  if (text.find('\0') == std::string::npos) {
    in_addr in4{};
    if (inet_pton(AF_INET, text.c_str(), &in4) == 1) return classify_ipv4(ipv4_of(in4));
    in6_addr in6{};
    if (inet_pton(AF_INET6, text.c_str(), &in6) == 1) return classify_ipv6(bytes_of(in6));
  }
  return refused("not an IP address");
}

std::string address_text(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return "no address";
  const auto size = static_cast<std::size_t>(length);
  char buffer[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET && size >= sizeof(sockaddr_in)) {
    sockaddr_in in4;
    std::memcpy(&in4, address, sizeof in4);
    if (inet_ntop(AF_INET, &in4.sin_addr, buffer, sizeof buffer) != nullptr) return buffer;
  } else if (address->sa_family == AF_INET6 && size >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    if (inet_ntop(AF_INET6, &in6.sin6_addr, buffer, sizeof buffer) != nullptr) return buffer;
  }
  return "address family " + std::to_string(address->sa_family);
}

bool host_on_allow_list(std::string_view host, const std::vector<std::string>& allow_list) {
  if (without_brackets(host).empty()) return false;
  for (const std::string& entry : allow_list) {
    if (same_host(host, entry)) return true;
  }
  return false;
}

OutboundGuard::OutboundGuard(std::vector<std::string> allowed_hosts, std::string url_host)
    : allow_list(std::move(allowed_hosts)), host(std::move(url_host)) {}

std::string OutboundGuard::refusal() const {
  if (refusals.empty()) return {};
  std::string text = "refused: ";
  for (std::size_t i = 0; i < refusals.size(); ++i) {
    if (i > 0) text += "; ";
    text += refusals[i];
  }
  return text;
}

curl_socket_t open_checked_socket(void* clientp, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* guard = static_cast<OutboundGuard*>(clientp);
  if (guard == nullptr || address == nullptr) return CURL_SOCKET_BAD;
  try {
    const auto* raw = &address->addr;
    if (purpose != CURLSOCKTYPE_IPCXN) {
      guard->refusals.push_back("a socket for purpose " + std::to_string(static_cast<int>(purpose)) +
                                " is not allowed");
      return CURL_SOCKET_BAD;
    }
    if (address->family != AF_INET && address->family != AF_INET6) {
      guard->refusals.push_back("address family " + std::to_string(address->family) + " is not IP");
      return CURL_SOCKET_BAD;
    }
    // The family the socket is opened with is address->family; the address must agree.
    if (raw->sa_family != address->family) {
      guard->refusals.push_back("the address does not match its family");
      return CURL_SOCKET_BAD;
    }
    if (!guard->host_allow_listed()) {
      const AddressClass verdict = classify(raw, static_cast<socklen_t>(address->addrlen));
      if (!verdict.allowed()) {
        guard->refusals.push_back(address_text(raw, static_cast<socklen_t>(address->addrlen)) + " is " +
                                  verdict.reason);
        return CURL_SOCKET_BAD;
      }
      if (is_own_address(raw, static_cast<socklen_t>(address->addrlen))) {
        guard->refusals.push_back(address_text(raw, static_cast<socklen_t>(address->addrlen)) +
                                  " is an address of this machine");
        return CURL_SOCKET_BAD;
      }
    }
    int type = address->socktype;
#ifdef SOCK_CLOEXEC
    type |= SOCK_CLOEXEC;
#endif
    const curl_socket_t fd = socket(address->family, type, address->protocol);
    if (fd != CURL_SOCKET_BAD) ++guard->sockets_opened;
    return fd;
  } catch (const std::exception&) {
    return CURL_SOCKET_BAD;  // out of memory while recording: refuse rather than let it cross C
  }
}

CURLcode apply_outbound_policy(CURL* easy, OutboundGuard* guard) {
  if (easy == nullptr || guard == nullptr) return CURLE_BAD_FUNCTION_ARGUMENT;
  const char* protocols = guard->host_allow_listed() ? "http,https" : "https";
  CURLcode rc = curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &open_checked_socket);
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, static_cast<void*>(guard));
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols);
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_PROXY, "");
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  return rc;
}

}  // namespace deadline::delivery
