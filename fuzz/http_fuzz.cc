// HTTP request handling: the input is read as the bytes of one request by Boost.Beast's
// request_parser<string_body> with the server's limits (lib/http/limits.h; what session.cc
// does); a request that parses goes to handle_request (lib/http/router.h) over an AppState with
// the small fixed calendar at a fixed time, and to client_address (lib/http/client_address.h)
// behind a trusted proxy.
//
// Invariants: handle_request does not throw and never answers 500 (this app state's callbacks
// never fail, so a 500 is the library's own exception); every response is JSON from deadlined,
// with the request's HTTP version and keep-alive, a Content-Length equal to the body (a JSON
// object) or, for HEAD, no body; a 405 says Allow: GET, HEAD. client_address returns an address
// that parses, and the untrusted peer itself when the peer is not a trusted proxy.

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "http/client_address.h"
#include "http/router.h"
#include "time/clock.h"

using namespace deadline;
namespace bhttp = boost::beast::http;

namespace {

const http::AppState& app_state() {
  // 2024-11-27 09:00 in Shanghai: the November estimate is open (as tests/http/router_test.cc).
  static const ManualClock clock{date::sys_days{date::year{2024} / 11 / 27} + std::chrono::hours{1}};
  static const http::AppState app{[] { return fuzz::fixture_calendar(); }, &clock,
                                  [] { return nlohmann::json{{"outbox_pending", 3}}; }};
  return app;
}

const std::vector<http::Cidr>& trusted_proxies() {
  static const std::vector<http::Cidr> trusted = [] {
    std::vector<http::Cidr> out;
    for (const char* text : {"127.0.0.0/8", "::1", "10.0.0.0/8", "2001:db8::/32"}) out.push_back(*http::parse_cidr(text));
    return out;
  }();
  return trusted;
}

// The request in `input`, or nullptr when Beast refuses it or it is incomplete.
bool parse(std::string_view input, bhttp::request_parser<bhttp::string_body>& parser) {
  parser.header_limit(8 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  while (!input.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec == bhttp::error::need_more) {
      if (used == 0) break;
      ec = {};
      continue;
    }
    if (ec) return false;
  }
  if (!parser.is_done()) {
    ec = {};
    parser.put_eof(ec);
    if (ec) return false;
  }
  return parser.is_done();
}

void check_response(const http::Request& request, const http::Response& response) {
  FUZZ_CHECK(response.result() != http::Status::internal_server_error);
  FUZZ_CHECK(response.version() == request.version());
  FUZZ_CHECK(response.keep_alive() == request.keep_alive());
  FUZZ_CHECK(response[http::Field::server] == "deadlined");
  FUZZ_CHECK(response[http::Field::content_type] == "application/json; charset=utf-8");
  FUZZ_CHECK(response.has_content_length());
  if (request.method() == http::Verb::head) {
    FUZZ_CHECK(response.body().empty());
  } else {
    FUZZ_CHECK(response[http::Field::content_length] == std::to_string(response.body().size()));
    const nlohmann::json body = nlohmann::json::parse(response.body(), nullptr, false);
    FUZZ_CHECK(!body.is_discarded() && body.is_object());
  }
  if (response.result() == http::Status::method_not_allowed) FUZZ_CHECK(response[http::Field::allow] == "GET, HEAD");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const http::AppState& app = app_state();
  bhttp::request_parser<bhttp::string_body> parser;
  if (!parse(fuzz::as_text(data, size), parser)) return 0;
  const http::Request& request = parser.get();

  fuzz::no_throw([&] {
    check_response(request, http::handle_request(app, request));

    for (const char* peer_text : {"127.0.0.1", "::1", "10.1.2.3"}) {
      const std::string client = http::client_address(boost::asio::ip::make_address(peer_text), request, trusted_proxies());
      boost::system::error_code ec;
      (void)boost::asio::ip::make_address(client, ec);
      FUZZ_CHECK(!ec);
    }
    const std::string direct = http::client_address(boost::asio::ip::make_address("203.0.113.9"), request, trusted_proxies());
    FUZZ_CHECK(direct == "203.0.113.9");
  });
  return 0;
}
