#pragma once
// The outbound address policy (SSRF): a webhook or chat-robot URL is written by a subscriber, so a
// delivery must never reach the daemon's own host, the local network or the cloud metadata service.
// Only globally routable unicast is reachable, and the address is checked where it is used: at
// connect time, on the address libcurl is about to connect to (CURLOPT_OPENSOCKETFUNCTION), after
// DNS, so a name that resolves (or is re-bound, or pinned with CURLOPT_RESOLVE) to 10.0.0.1 is
// refused just like the literal. With happy eyeballs libcurl may try several addresses of a name:
// each one goes through the check.
//
// Refused: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
// 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4, 255.255.255.255; ::, ::1,
// fc00::/7, fe80::/10, fec0::/10, ff00::/8, 2001:db8::/32, Teredo 2001::/32 (its IPv4 is
// obfuscated: refused outright), local-use NAT64 64:ff9b:1::/48, and any IPv6 outside global
// unicast 2000::/3. IPv4 embedded in IPv6 (mapped ::ffff:0:0/96, compatible ::/96, NAT64
// 64:ff9b::/96, 6to4 2002::/16) is unwrapped and checked as IPv4.
//
// The allow-list (empty by default; the tests allow 127.0.0.1) names hosts as libcurl reads them
// from the URL, which is what it connects to ("127.0.0.1", "[::1]" or "::1", "localhost"), compared
// case-insensitively: libcurl reads every IPv4 form (2130706433, 0x7f000001, 127.1) as dotted
// decimal, so "127.0.0.1" allows those too; a name is never resolved for the comparison. An
// allow-listed host is exempt from BOTH rules: it may use http, and the connect-time check is
// skipped for its transfers (loopback and private addresses included). It is per transfer: the
// open-socket callback gets an OutboundGuard holding the allow-list and the URL's host.
//
// Proxies: apply_outbound_policy sets CURLOPT_PROXY "" and CURLOPT_NOPROXY "*", so http_proxy,
// https_proxy and ALL_PROXY from the environment are ignored (through a proxy the connect-time
// check would see the proxy's address, not the target's). Callers must not set a proxy, must not
// turn CURLOPT_FOLLOWLOCATION back on, and must not install their own open-socket callback.

#include <sys/socket.h>

#include <curl/curl.h>

#include <string>
#include <string_view>
#include <vector>

namespace deadline::delivery {

enum class AddressVerdict { allowed, refused };

struct AddressClass {
  AddressVerdict verdict = AddressVerdict::refused;
  // Short and for people: "global unicast", "private (10.0.0.0/8)",
  // "loopback (127.0.0.0/8) via IPv4-mapped IPv6 (::ffff:0:0/96)".
  std::string reason;

  bool allowed() const { return verdict == AddressVerdict::allowed; }
};

// Pure, no I/O. `address` is AF_INET or AF_INET6 with at least `length` readable bytes (what
// libcurl's curl_sockaddr holds); any other family, or a short length, is refused.
AddressClass classify(const sockaddr* address, socklen_t length);

// The same for a numeric address written as text ("10.0.0.1", "::ffff:10.0.0.1", no brackets),
// read with inet_pton; text that is not an IP address is refused ("not an IP address").
AddressClass classify(std::string_view numeric_address);

// "10.0.0.1", "2400:3200::1"; for another family "address family N".
std::string address_text(const sockaddr* address, socklen_t length);

// Whether `host` (as it appears in the URL: "Example.CN", "[::1]") is on the allow-list. Case is
// ignored, and brackets around an IPv6 literal are optional on either side; otherwise exact (no
// wildcards, no suffix matching, "localhost." is not "localhost").
bool host_on_allow_list(std::string_view host, const std::vector<std::string>& allow_list);

// What the open-socket callback needs for one transfer, and what it found. It must outlive the
// transfer, and `host` must be the host of the URL given to CURLOPT_URL (check_outbound_url in
// delivery/outbound_url.h reads it with libcurl's own parser, so the two agree).
struct OutboundGuard {
  OutboundGuard(std::vector<std::string> allowed_hosts, std::string url_host);

  std::vector<std::string> allow_list;
  std::string host;

  // Written by open_checked_socket during the transfer.
  std::vector<std::string> refusals;  // one per refused address: "10.0.0.1 is private (10.0.0.0/8)"
  int sockets_opened = 0;

  bool host_allow_listed() const { return host_on_allow_list(host, allow_list); }

  // Empty when nothing was refused, else "refused: 10.0.0.1 is private (10.0.0.0/8)" (several
  // refusals joined with "; "): for the delivery's error, next to libcurl's own error.
  std::string refusal() const;
};

// libcurl's CURLOPT_OPENSOCKETFUNCTION with CURLOPT_OPENSOCKETDATA = OutboundGuard*. Refuses (returns
// CURL_SOCKET_BAD, recorded in the guard; libcurl then tries the next address or fails the transfer
// with CURLE_COULDNT_CONNECT) a refused address, a non-IP family, or any purpose but
// CURLSOCKTYPE_IPCXN; else opens socket(family, socktype | SOCK_CLOEXEC, protocol). Never throws.
curl_socket_t open_checked_socket(void* clientp, curlsocktype purpose, struct curl_sockaddr* address);

// Sets on `easy`: CURLOPT_OPENSOCKETFUNCTION = open_checked_socket with DATA = guard;
// CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR "https" ("http,https" when the guard's host
// is allow-listed); CURLOPT_FOLLOWLOCATION 0; CURLOPT_PROXY ""; CURLOPT_NOPROXY "*". Returns the
// first libcurl error (CURLE_OK when all were set); on an error the handle must not be used.
[[nodiscard]] CURLcode apply_outbound_policy(CURL* easy, OutboundGuard* guard);

}  // namespace deadline::delivery
