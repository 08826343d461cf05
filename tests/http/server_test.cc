// The server over real sockets on 127.0.0.1 (port chosen by the system): what a client sees,
// including the limits and the shutdown a daemon relies on.

#include "http/server.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "calendar/loader.h"
#include "http/endpoint.h"
#include "http/message.h"
#include "http/response.h"
#include "http/test_client.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::http;
using deadline::test::request_text;
using deadline::test::TestClient;
using namespace std::chrono_literals;

namespace {

AppState fixture_app(const Clock& clock) {
  auto calendar = std::make_shared<const Calendar>(*load_calendar_files({test::fixture("valid.toml")}).calendar);
  return {[calendar] { return calendar; }, &clock, {}};
}

AppState customized_app(const Clock& clock, const std::function<void(AppState&)>& customize) {
  AppState app = fixture_app(clock);
  if (customize) customize(app);
  return app;
}

// GET /whoami answers {"client": RequestInfo::client}, through store_routes as the daemon's routes.
void add_whoami(AppState& app) {
  app.store_routes = [](const Request& request, const RequestInfo& info, const AppState::Reply& reply) {
    if (request.target() != "/whoami") return false;
    reply(json_response(Status::ok, {{"client", info.client}}, reply_to(request)));
    return true;
  };
}

// A client whose request was answered: the server has accepted and counted its connection.
std::unique_ptr<TestClient> served_client(const boost::asio::ip::tcp::endpoint& endpoint) {
  auto client = std::make_unique<TestClient>(endpoint);
  if (client->error() || client->send(request_text("GET", "/healthz"))) return nullptr;
  const auto res = client->read();
  if (!res || res->result() != Status::ok) return nullptr;
  return client;
}

// A server on an io_context run by its own thread, as the daemon will run it.
// `customize` may add routes to the fixture's AppState.
struct RunningServer {
  explicit RunningServer(HttpLimits limits = {}, const std::function<void(AppState&)>& customize = {})
      : server(io, *parse_endpoint("127.0.0.1:0"), customized_app(clock, customize), limits, [this](std::string_view line) {
          const std::lock_guard lock(log_mutex);
          log.emplace_back(line);
        }) {
    const auto bound = server.start();
    REQUIRE_MESSAGE(bound.ok(), bound.error());
    endpoint = *bound;
    done = std::async(std::launch::async, [this] { io.run(); });
  }

  ~RunningServer() {
    server.stop();
    if (done.wait_for(5s) != std::future_status::ready) io.stop();  // the test has failed; don't hang
  }

  // The log once it has at least `lines` lines, or as it is after `limit`: the server may log
  // just after the client has seen what it did.
  std::vector<std::string> log_lines(std::size_t lines, std::chrono::milliseconds limit = 2s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      {
        const std::lock_guard lock(log_mutex);
        if (log.size() >= lines || std::chrono::steady_clock::now() >= until) return log;
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  // stop(), then whether io_context::run() returned within `limit`.
  bool stop_and_wait(std::chrono::milliseconds limit) {
    server.stop();
    return done.wait_for(limit) == std::future_status::ready;
  }

  ManualClock clock{*parse_iso8601("2024-11-27T09:00+08:00")};
  boost::asio::io_context io;
  std::mutex log_mutex;
  std::vector<std::string> log;
  HttpServer server;
  boost::asio::ip::tcp::endpoint endpoint;
  std::future<void> done;
};

}  // namespace

TEST_CASE("server answers healthz over a real socket") {
  RunningServer s;
  CHECK(s.server.local_endpoint() == s.endpoint);
  CHECK(s.endpoint.port() != 0);
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.error());
  REQUIRE_FALSE(client.send(request_text("GET", "/healthz")));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(res->result() == Status::ok);
  CHECK(nlohmann::json::parse(res->body())["time"] == "2024-11-27T01:00:00Z");
  CHECK((*res)[Field::content_type] == "application/json; charset=utf-8");
}

TEST_CASE("server keeps a connection alive for a second request") {
  RunningServer s;
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send(request_text("GET", "/healthz")));
  const auto first = client.read();
  REQUIRE(first.has_value());
  CHECK(first->keep_alive());
  REQUIRE_FALSE(client.send(request_text("HEAD", "/api/v1/programmes/test-programme")));
  const auto second = client.read(true);
  REQUIRE_MESSAGE(second.has_value(), client.error().message());
  CHECK(second->result() == Status::ok);
  CHECK(second->body().empty());
  REQUIRE_FALSE(client.send(request_text("GET", "/api/v1/upcoming?days=x", "Connection: close\r\n")));
  const auto third = client.read();
  REQUIRE(third.has_value());
  CHECK(third->result() == Status::bad_request);
  CHECK(client.closed_by_server());
}

TEST_CASE("server refuses an oversized header with 431 and closes") {
  RunningServer s;
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send(request_text("GET", "/healthz", "X-Padding: " + std::string(9000, 'a') + "\r\n")));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(res->result() == Status::request_header_fields_too_large);
  CHECK(nlohmann::json::parse(res->body())["error"]["code"] == "header_too_large");
  CHECK_FALSE(res->keep_alive());
  CHECK(client.closed_by_server());
}

TEST_CASE("server refuses a body over 64 KiB with 413 and closes") {
  RunningServer s;
  TestClient client(s.endpoint);
  const std::string body(70 * 1024, 'x');
  REQUIRE_FALSE(client.send(request_text("POST", "/healthz", "Content-Length: " + std::to_string(body.size()) + "\r\n") + body));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(res->result() == Status::payload_too_large);
  CHECK(nlohmann::json::parse(res->body())["error"]["code"] == "body_too_large");
  CHECK(client.closed_by_server());
}

TEST_CASE("server answers malformed HTTP with 400 and closes") {
  RunningServer s;
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send("GET /healthz HTTP/9.9\r\n\r\n"));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(res->result() == Status::bad_request);
  CHECK(nlohmann::json::parse(res->body())["error"]["code"] == "bad_request");
  CHECK(client.closed_by_server());
}

TEST_CASE("server answers ambiguous framing with 400 once and closes, answering nothing hidden after it") {
  // Request smuggling: Beast reads these as having no body (or their Content-Length), so the GET
  // after the head would be answered as a second request; a proxy in front may have sent it as
  // this request's body (RFC 9112 6.1, 6.3).
  const std::string hidden = request_text("GET", "/healthz");
  std::string request;
  SUBCASE("Transfer-Encoding whose last coding is not chunked") {
    request = request_text("POST", "/healthz", "Transfer-Encoding: chunked, identity\r\n") + hidden;
  }
  SUBCASE("an unknown Transfer-Encoding") {
    request = request_text("POST", "/healthz", "Transfer-Encoding: xchunked\r\n") + hidden;
  }
  SUBCASE("Transfer-Encoding identity beside Content-Length") {
    request = request_text("POST", "/healthz",
                           "Transfer-Encoding: identity\r\nContent-Length: " + std::to_string(hidden.size()) + "\r\n") +
              hidden;
  }
  SUBCASE("Transfer-Encoding chunked in HTTP/1.0") {
    request = "POST /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
              "0\r\n\r\n" + hidden;
  }
  RunningServer s;
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send(request));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(res->result() == Status::bad_request);
  CHECK(nlohmann::json::parse(res->body())["error"]["code"] == "bad_request");
  CHECK_FALSE(res->keep_alive());
  CHECK(client.closed_by_server());  // with nothing more: the hidden GET is not answered
}

TEST_CASE("server still reads a chunked body and pipelines the next request") {
  // The control for the case above: well-framed chunked bodies are not caught by it.
  RunningServer s;
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send(request_text("POST", "/healthz", "Transfer-Encoding: CHUNKED\r\n") + "5\r\nhello\r\n0\r\n\r\n" +
                            request_text("GET", "/healthz")));
  const auto first = client.read();
  REQUIRE_MESSAGE(first.has_value(), client.error().message());
  CHECK(first->result() == Status::method_not_allowed);
  const auto second = client.read();
  REQUIRE_MESSAGE(second.has_value(), client.error().message());
  CHECK(second->result() == Status::ok);
}

TEST_CASE("server closes an idle connection after the read timeout") {
  HttpLimits limits;
  limits.read_timeout = 1s;
  RunningServer s(limits);
  TestClient client(s.endpoint);
  const auto start = std::chrono::steady_clock::now();
  CHECK(client.closed_by_server(5s));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= 900ms);
  CHECK(waited < 3s);
  const std::lock_guard lock(s.log_mutex);
  CHECK(s.log.empty());  // an idle client is normal: nothing to report
}

TEST_CASE("server stop closes idle connections and run returns") {
  RunningServer s;
  TestClient idle(s.endpoint);
  REQUIRE_FALSE(idle.send(request_text("GET", "/healthz")));
  REQUIRE(idle.read().has_value());  // served, now waiting on a kept-alive connection
  CHECK(s.stop_and_wait(3s));
  CHECK(idle.closed_by_server(1s));
  TestClient late(s.endpoint);
  CHECK(late.error() == boost::asio::error::connection_refused);
}

TEST_CASE("server stop lets a request already arriving finish then closes") {
  RunningServer s;
  TestClient client(s.endpoint);
  const std::string request = request_text("GET", "/healthz");
  REQUIRE_FALSE(client.send(request.substr(0, 10)));
  std::this_thread::sleep_for(300ms);  // let the server read the first bytes before it is stopped
  s.server.stop();
  REQUIRE_FALSE(client.send(request.substr(10)));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(res->result() == Status::ok);
  CHECK_FALSE(res->keep_alive());
  CHECK(client.closed_by_server());
  CHECK(s.stop_and_wait(3s));
}

TEST_CASE("server start fails clearly when the address is in use") {
  RunningServer s;
  boost::asio::io_context io;
  ManualClock clock{Instant{}};
  HttpServer second(io, s.endpoint, fixture_app(clock));
  const auto bound = second.start();
  REQUIRE_FALSE(bound.ok());
  CHECK(bound.error() == "cannot listen on " + to_string(s.endpoint) + ": Address already in use");
}

TEST_CASE("server closes a client that sends one header byte a second at the read timeout") {
  // Slowloris: each byte arrives well within the timeout, so a deadline per read would never
  // expire; the whole request's deadline does.
  HttpLimits limits;
  limits.read_timeout = 2s;
  RunningServer s(limits);
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.error());
  const std::string request = request_text("GET", "/healthz", "X-Slow: " + std::string(100, 'a') + "\r\n");
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < 8 && !closed; ++i) {
    closed = client.send(request.substr(i, 1)) || client.closed_within(1s);
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(closed);
  CHECK(waited >= 1800ms);
  CHECK(waited < 3500ms);
  const std::lock_guard lock(s.log_mutex);
  CHECK(s.log.empty());  // a slow client is closed quietly, like an idle one
}

TEST_CASE("server closes a connection over the per-address cap at once") {
  HttpLimits limits;
  limits.max_connections_per_ip = 3;
  RunningServer s(limits);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(served_client(s.endpoint));
    REQUIRE_MESSAGE(clients.back() != nullptr, "connection " << i + 1 << " of 3 was not served");
  }
  TestClient extra(s.endpoint);
  REQUIRE_FALSE(extra.error());  // the kernel accepts it; the server then closes it unanswered
  const auto start = std::chrono::steady_clock::now();
  CHECK(extra.closed_by_server(3s));
  CHECK(std::chrono::steady_clock::now() - start < 1s);  // at once, not at the read timeout
  // The connections under the cap are untouched.
  REQUIRE_FALSE(clients.front()->send(request_text("GET", "/healthz")));
  const auto res = clients.front()->read();
  REQUIRE_MESSAGE(res.has_value(), clients.front()->error().message());
  CHECK(res->result() == Status::ok);
  const std::vector<std::string> log = s.log_lines(1);
  REQUIRE(log.size() == 1);
  CHECK(log.front() ==
        "http: connection from 127.0.0.1 refused: over the cap of 3 connections per address (1 refused since the last "
        "such report; at most one a minute)");
  // A connection that ends gives its place back.
  clients.pop_back();
  std::unique_ptr<TestClient> again;
  for (int attempt = 0; attempt < 40 && !again; ++attempt) {
    again = served_client(s.endpoint);
    if (!again) std::this_thread::sleep_for(50ms);
  }
  CHECK(again != nullptr);
}

TEST_CASE("server closes a connection over the total cap at once") {
  HttpLimits limits;
  limits.max_connections_per_ip = 0;
  limits.max_connections = 2;
  RunningServer s(limits);
  const auto first = served_client(s.endpoint);
  const auto second = served_client(s.endpoint);
  REQUIRE(first != nullptr);
  REQUIRE(second != nullptr);
  TestClient extra(s.endpoint);
  CHECK(extra.closed_by_server(3s));
  const std::vector<std::string> log = s.log_lines(1);
  REQUIRE(log.size() == 1);
  CHECK(log.front().find("over the cap of 2 connections in all") != std::string::npos);
}

TEST_CASE("server exempts a trusted proxy from the per-address cap") {
  HttpLimits limits;
  limits.max_connections_per_ip = 1;
  limits.trusted_proxies = {*parse_cidr("127.0.0.1")};
  RunningServer s(limits);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(served_client(s.endpoint));
    CHECK(clients.back() != nullptr);
  }
}

TEST_CASE("server gives store routes the peer as the client and ignores a spoofed X-Forwarded-For") {
  RunningServer s({}, add_whoami);
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send(request_text("GET", "/whoami", "X-Forwarded-For: 198.51.100.1\r\n")));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(nlohmann::json::parse(res->body())["client"] == "127.0.0.1");
}

TEST_CASE("server gives store routes the forwarded client behind a trusted proxy") {
  HttpLimits limits;
  limits.trusted_proxies = {*parse_cidr("127.0.0.1"), *parse_cidr("10.0.0.0/8")};
  RunningServer s(limits, add_whoami);
  TestClient client(s.endpoint);
  REQUIRE_FALSE(client.send(request_text("GET", "/whoami", "X-Forwarded-For: 6.6.6.6, 198.51.100.1, 10.0.0.3\r\n")));
  const auto res = client.read();
  REQUIRE_MESSAGE(res.has_value(), client.error().message());
  CHECK(nlohmann::json::parse(res->body())["client"] == "198.51.100.1");
}

TEST_CASE("server limits default to the documented values") {
  const HttpLimits limits;
  CHECK(limits.read_timeout == 15s);
  CHECK(limits.write_timeout == 15s);
  CHECK(limits.header_limit == 8 * 1024);
  CHECK(limits.body_limit == 64 * 1024);
  CHECK(limits.max_connections_per_ip == 32);
  CHECK(limits.max_connections == 4096);
  CHECK(limits.trusted_proxies.empty());
}
