#pragma once
// Who a request comes from, for per-client limits and logs.
//
// Directly, the client is the connection's peer. Behind a reverse proxy every peer is the proxy,
// and the client is what the proxy wrote in X-Forwarded-For: but only a proxy the operator trusts
// (`[http] trusted_proxies`) may say so, because anyone can send that header. So:
//
// - the peer is not trusted (or nothing is): the client is the peer, whatever the headers say;
// - the peer is trusted: walk X-Forwarded-For from right to left (each proxy appends the address
//   it got the request from), skipping trusted addresses; the first untrusted one is the client.
//   When every address is trusted, the left-most one is. Without X-Forwarded-For, the `for=`
//   values of Forwarded (RFC 7239) are walked the same way (X-Forwarded-For wins when both are
//   sent: nginx's $proxy_add_x_forwarded_for, as docs/operations.md configures it, only appends
//   to that one). No header, an empty one, or a value that is not an address where the walk
//   reaches it ("unknown", "_hidden", garbage): the client is the peer.
//
// Addresses are compared and returned with IPv4-mapped IPv6 addresses (::ffff:192.0.2.1, what a
// dual-stack socket reports) written as IPv4, and IPv6 in its canonical text form.

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/message.h"

namespace deadline::http {

// An address range: "10.0.0.0/8", "2001:db8::/32", or one address ("127.0.0.1" = /32, "::1" = /128).
struct Cidr {
  boost::asio::ip::address network;  // host bits zero; IPv4 never written as IPv4-mapped IPv6
  unsigned prefix = 0;               // 0–32 for IPv4, 0–128 for IPv6
  bool operator==(const Cidr&) const = default;
};

// Errors quote the text: "'10.0.0.0/33': the prefix length must be 0 to 32 for IPv4". Host bits
// set beyond the prefix ("10.0.0.1/8") are an error: such a range is usually a typo.
Result<Cidr> parse_cidr(std::string_view text);

// "10.0.0.0/8", "::1/128".
std::string to_string(const Cidr& cidr);

// ::ffff:a.b.c.d as a.b.c.d; any other address unchanged.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

// Whether `address` is in `range` (an IPv4 range matches IPv4-mapped IPv6 addresses too).
bool contains(const Cidr& range, const boost::asio::ip::address& address);
bool is_trusted(const boost::asio::ip::address& address, const std::vector<Cidr>& trusted);

// The client's address, as text (see the top of this file).
std::string client_address(const boost::asio::ip::address& peer, const Request& request,
                           const std::vector<Cidr>& trusted);

}  // namespace deadline::http
