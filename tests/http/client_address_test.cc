// Client addresses behind reverse proxies (lib/http/client_address.h): CIDR ranges as the
// configuration writes them, and which address X-Forwarded-For or Forwarded may claim, from whom.

#include "http/client_address.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace deadline::http;
namespace ip = boost::asio::ip;

namespace {

std::vector<Cidr> ranges(const std::vector<std::string>& texts) {
  std::vector<Cidr> out;
  for (const std::string& text : texts) {
    const auto range = parse_cidr(text);
    REQUIRE_MESSAGE(range.ok(), range.error());
    out.push_back(*range);
  }
  return out;
}

const std::vector<std::string> kProxies = {"127.0.0.1", "10.0.0.0/8", "::1", "2001:db8:1::/48"};

}  // namespace

TEST_CASE("parse_cidr reads addresses and ranges") {
  struct Good { const char* text; const char* written; };
  for (const Good g : {Good{"127.0.0.1", "127.0.0.1/32"}, Good{"10.0.0.0/8", "10.0.0.0/8"},
                       Good{"0.0.0.0/0", "0.0.0.0/0"}, Good{"192.168.1.0/24", "192.168.1.0/24"},
                       Good{"::1", "::1/128"}, Good{"2001:db8::/32", "2001:db8::/32"}, Good{"::/0", "::/0"},
                       Good{"fd00::/8", "fd00::/8"}, Good{"172.16.0.0/12", "172.16.0.0/12"},
                       Good{"2001:DB8:0:0::1/128", "2001:db8::1/128"}}) {
    const std::string text = g.text;
    CAPTURE(text);
    const auto range = parse_cidr(g.text);
    REQUIRE_MESSAGE(range.ok(), range.error());
    CHECK(to_string(*range) == g.written);
  }
}

TEST_CASE("parse_cidr names what is wrong") {
  struct Bad { const char* text; const char* error; };
  for (const Bad b : {
           Bad{"", "'': not an IPv4 or IPv6 address or range"},
           Bad{"localhost", "'localhost': not an IPv4 or IPv6 address or range"},
           Bad{"10.0.0", "'10.0.0': not an IPv4 or IPv6 address or range"},
           Bad{"/8", "'/8': not an IPv4 or IPv6 address or range"},
           Bad{"10.0.0.0/33", "'10.0.0.0/33': the prefix length must be 0 to 32 for IPv4"},
           Bad{"10.0.0.0/", "'10.0.0.0/': the prefix length must be 0 to 32 for IPv4"},
           Bad{"10.0.0.0/-1", "'10.0.0.0/-1': the prefix length must be 0 to 32 for IPv4"},
           Bad{"10.0.0.0/+8", "'10.0.0.0/+8': the prefix length must be 0 to 32 for IPv4"},
           Bad{"10.0.0.0/8/8", "'10.0.0.0/8/8': the prefix length must be 0 to 32 for IPv4"},
           Bad{"::/129", "'::/129': the prefix length must be 0 to 128 for IPv6"},
           Bad{"10.0.0.1/8", "'10.0.0.1/8': the address has bits set beyond the /8 prefix"},
           Bad{"2001:db8::1/64", "'2001:db8::1/64': the address has bits set beyond the /64 prefix"},
           Bad{"fe80::1%1", "'fe80::1%1': a zone index (%...) is not allowed"},
           Bad{"::ffff:10.0.0.1", "'::ffff:10.0.0.1': write an IPv4 address as IPv4, not as IPv4-mapped IPv6"},
           Bad{" 10.0.0.1", "' 10.0.0.1': not an IPv4 or IPv6 address or range"},
       }) {
    const std::string text = b.text;
    CAPTURE(text);
    const auto range = parse_cidr(b.text);
    REQUIRE_FALSE(range.ok());
    CHECK(range.error() == b.error);
  }
}

TEST_CASE("contains matches the prefix bits only") {
  struct Row { const char* range; const char* address; bool inside; };
  for (const Row row : {
           Row{"10.0.0.0/8", "10.255.255.255", true},
           Row{"10.0.0.0/8", "11.0.0.0", false},
           Row{"10.0.0.0/8", "9.255.255.255", false},
           Row{"192.168.1.128/25", "192.168.1.200", true},
           Row{"192.168.1.128/25", "192.168.1.127", false},
           Row{"127.0.0.1", "127.0.0.1", true},
           Row{"127.0.0.1", "127.0.0.2", false},
           Row{"0.0.0.0/0", "203.0.113.9", true},
           Row{"0.0.0.0/0", "2001:db8::1", false},   // an IPv4 range never holds IPv6
           Row{"10.0.0.0/8", "::ffff:10.1.2.3", true},  // but does hold IPv4-mapped IPv6
           Row{"::/0", "10.0.0.1", false},
           Row{"::1", "::1", true},
           Row{"::1", "::2", false},
           Row{"2001:db8::/33", "2001:db8:7fff::1", true},
           Row{"2001:db8::/33", "2001:db8:8000::1", false},
       }) {
    const std::string text = std::string(row.range) + " ∋ " + row.address;
    CAPTURE(text);
    CHECK(contains(*parse_cidr(row.range), ip::make_address(row.address)) == row.inside);
  }
}

TEST_CASE("client_address believes forwarding headers from trusted proxies only") {
  struct Row {
    const char* why;
    const char* peer;
    std::optional<std::string> x_forwarded_for;
    std::optional<std::string> forwarded;
    std::vector<std::string> trusted;
    const char* client;
  };
  const std::vector<Row> rows = {
      {"direct, no proxies configured", "203.0.113.7", {}, {}, {}, "203.0.113.7"},
      {"spoofed XFF from an untrusted peer is ignored", "203.0.113.7", "198.51.100.1", {}, kProxies, "203.0.113.7"},
      {"spoofed XFF ignored when nothing is trusted", "127.0.0.1", "198.51.100.1", {}, {}, "127.0.0.1"},
      {"spoofed Forwarded from an untrusted peer is ignored", "203.0.113.7", {}, "for=198.51.100.1", kProxies,
       "203.0.113.7"},
      {"trusted proxy: the address it appended", "127.0.0.1", "198.51.100.1", {}, kProxies, "198.51.100.1"},
      {"spoof through the proxy: the right-most untrusted wins", "127.0.0.1", "6.6.6.6, 198.51.100.1", {}, kProxies,
       "198.51.100.1"},
      {"two trusted proxies are skipped", "127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", {}, kProxies,
       "198.51.100.1"},
      {"several XFF fields join in order", "10.0.0.1", "6.6.6.6, 198.51.100.1", {}, kProxies, "198.51.100.1"},
      {"every hop trusted: the left-most", "127.0.0.1", "10.0.0.5, 10.0.0.6", {}, kProxies, "10.0.0.5"},
      {"trusted proxy without XFF: the peer", "127.0.0.1", {}, {}, kProxies, "127.0.0.1"},
      {"empty XFF: the peer", "127.0.0.1", "", {}, kProxies, "127.0.0.1"},
      {"malformed right-most XFF: the peer", "127.0.0.1", "198.51.100.1, not-an-ip", {}, kProxies, "127.0.0.1"},
      {"empty item in the walk: the peer", "127.0.0.1", "198.51.100.1, , 10.0.0.1", {}, kProxies, "127.0.0.1"},
      {"garbage left of the client is never read", "127.0.0.1", "garbage, 198.51.100.1", {}, kProxies,
       "198.51.100.1"},
      {"host names are not addresses", "127.0.0.1", "evil.example", {}, kProxies, "127.0.0.1"},
      {"XFF with a port", "127.0.0.1", "198.51.100.1:4711", {}, kProxies, "198.51.100.1"},
      {"IPv6 peer, IPv6 client", "::1", "2001:db8:2::7", {}, kProxies, "2001:db8:2::7"},
      {"IPv6 client written long and bracketed with a port", "::1", "[2001:0DB8:0002:0000::7]:443", {}, kProxies,
       "2001:db8:2::7"},
      {"IPv6 trusted range skipped", "::1", "2001:db8:2::7, 2001:db8:1:ffff::1", {}, kProxies, "2001:db8:2::7"},
      {"IPv6 spoof from an untrusted IPv6 peer", "2001:db8:9::1", "2001:db8:2::7", {}, kProxies, "2001:db8:9::1"},
      {"IPv4-mapped peer counts as IPv4", "::ffff:127.0.0.1", "198.51.100.1", {}, kProxies, "198.51.100.1"},
      {"IPv4-mapped untrusted peer is written as IPv4", "::ffff:203.0.113.7", "198.51.100.1", {}, kProxies,
       "203.0.113.7"},
      {"IPv4-mapped client is written as IPv4", "127.0.0.1", "::ffff:198.51.100.1", {}, kProxies, "198.51.100.1"},
      {"Forwarded for= when there is no XFF", "127.0.0.1", {}, "for=198.51.100.1;proto=https", kProxies,
       "198.51.100.1"},
      {"Forwarded quoted IPv6 with port, right to left", "127.0.0.1", {},
       R"(for=6.6.6.6, For="[2001:db8:2::7]:4711";by=10.0.0.1, for=10.0.0.2)", kProxies, "2001:db8:2::7"},
      {"Forwarded unknown: the peer", "127.0.0.1", {}, "for=unknown", kProxies, "127.0.0.1"},
      {"Forwarded obfuscated: the peer", "127.0.0.1", {}, "for=_hidden", kProxies, "127.0.0.1"},
      {"Forwarded element without for=: the peer", "127.0.0.1", {}, "proto=https", kProxies, "127.0.0.1"},
      {"XFF wins over Forwarded", "127.0.0.1", "198.51.100.1", "for=6.6.6.6", kProxies, "198.51.100.1"},
      {"spaces and tabs around items", "127.0.0.1", " 6.6.6.6 ,\t198.51.100.1 \t", {}, kProxies, "198.51.100.1"},
  };
  for (const Row& row : rows) {
    const std::string why = row.why;
    CAPTURE(why);
    Request request{Verb::get, "/subscribe", 11};
    request.set(Field::host, "example.org");
    if (row.x_forwarded_for) {
      // "several XFF fields" sends its two addresses as two header fields.
      if (why.rfind("several", 0) == 0) {
        const std::string value = *row.x_forwarded_for;
        const std::size_t comma = value.find(',');
        request.insert("X-Forwarded-For", value.substr(0, comma));
        request.insert("X-Forwarded-For", value.substr(comma + 2));
      } else {
        request.set("X-Forwarded-For", *row.x_forwarded_for);
      }
    }
    if (row.forwarded) request.set(Field::forwarded, *row.forwarded);
    CHECK(client_address(ip::make_address(row.peer), request, ranges(row.trusted)) == row.client);
  }
  CHECK(rows.size() >= 15);
}

TEST_CASE("unmapped writes IPv4-mapped IPv6 as IPv4 only") {
  CHECK(unmapped(ip::make_address("::ffff:192.0.2.1")).to_string() == "192.0.2.1");
  CHECK(unmapped(ip::make_address("::192.0.2.1")).is_v6());  // IPv4-compatible is not IPv4-mapped
  CHECK(unmapped(ip::make_address("2001:db8::1")).to_string() == "2001:db8::1");
  CHECK(unmapped(ip::make_address("192.0.2.1")).to_string() == "192.0.2.1");
}
