// Listen addresses come from the configuration file: errors are what an operator reads.

#include "http/endpoint.h"

#include <doctest/doctest.h>

using namespace deadline::http;

TEST_CASE("parse_endpoint reads IPv4 and bracketed IPv6 with a port") {
  const auto v4 = parse_endpoint("127.0.0.1:8080");
  REQUIRE(v4.ok());
  CHECK(v4->address().to_string() == "127.0.0.1");
  CHECK(v4->port() == 8080);
  const auto v6 = parse_endpoint("[::1]:443");
  REQUIRE(v6.ok());
  CHECK(v6->address().is_v6());
  CHECK(to_string(*v6) == "[::1]:443");
  CHECK(to_string(*parse_endpoint("0.0.0.0:0")) == "0.0.0.0:0");
  CHECK(to_string(*parse_endpoint("[::]:65535")) == "[::]:65535");
}

TEST_CASE("parse_endpoint says what is wrong with the text") {
  CHECK(parse_endpoint("127.0.0.1").error() ==
        "listen address '127.0.0.1' has no port (write ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
  CHECK(parse_endpoint("127.0.0.1:").error() == "listen address '127.0.0.1:' has an invalid port (0 to 65535)");
  CHECK(parse_endpoint("127.0.0.1:65536").error() ==
        "listen address '127.0.0.1:65536' has an invalid port (0 to 65535)");
  CHECK(parse_endpoint("127.0.0.1:+80").error() == "listen address '127.0.0.1:+80' has an invalid port (0 to 65535)");
  CHECK(parse_endpoint("localhost:8080").error() ==
        "listen address 'localhost:8080' has an invalid IPv4 address (host names are not accepted)");
  CHECK(parse_endpoint("127.0.0.256:80").error() ==
        "listen address '127.0.0.256:80' has an invalid IPv4 address (host names are not accepted)");
  CHECK(parse_endpoint("::1:8080").error() ==
        "listen address '::1:8080' must put an IPv6 address in brackets, e.g. [::1]:8080");
  CHECK(parse_endpoint("[::g]:8080").error() == "listen address '[::g]:8080' has an invalid IPv6 address");
}
