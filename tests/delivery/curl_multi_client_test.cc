// CurlMultiClient: libcurl on its delivery thread, callbacks on the io_context, io_context::run()
// held open while requests are in flight, none called after the client is gone.

#include "delivery/curl_multi_client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace deadline::delivery;

namespace {

// A loopback HTTP/1.1 server, a thread per connection: reads each request's headers and
// Content-Length body and answers "200 ok" with a Retry-After (or, holding, never answers).
class TinyHttpServer {
 public:
  explicit TinyHttpServer(bool answer = true) : answer_(answer) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd_, 64) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int connection = accept(fd_, nullptr, nullptr);
        if (connection < 0) return;  // shutdown() below
        ++connections_;
        open_.push_back(connection);  // closed by the destructor, after every worker is done
        workers_.emplace_back([this, connection] { serve(connection); });
      }
    });
  }
  ~TinyHttpServer() {
    shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    for (const int c : open_) shutdown(c, SHUT_RDWR);
    for (std::thread& t : workers_) t.join();
    for (const int c : open_) close(c);
    close(fd_);
  }
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void serve(int connection) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const std::size_t end = buffer.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t body = 0;
        if (const std::size_t at = buffer.find("Content-Length: "); at != std::string::npos && at < end) {
          body = std::stoul(buffer.substr(at + 16));
        }
        if (buffer.size() >= end + 4 + body) {
          buffer.erase(0, end + 4 + body);
          ++requests_;
          if (!answer_) continue;
          static constexpr std::string_view answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nRetry-After: 7\r\n\r\nok";
          if (send(connection, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) break;
          continue;
        }
      }
      const ssize_t n = recv(connection, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  bool answer_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::vector<int> open_;  // acceptor thread, then the destructor
  std::atomic<int> connections_{0}, requests_{0};
};

HttpRequest request_to(const std::string& url, bool allowed = true) {
  HttpRequest r;
  r.url = url;
  r.headers = {"Content-Type: application/json"};
  r.body = R"({"hello":"world"})";
  if (allowed) r.allow_hosts = {"127.0.0.1"};
  return r;
}

}  // namespace

TEST_CASE("CurlMultiClient answers every request on the io_context's thread, and run() returns once all are answered") {
  TinyHttpServer server;
  boost::asio::io_context io;
  CurlMultiClient client(io, CurlMultiOptions{4, 8, "deadlined-test"});
  const std::thread::id io_thread = std::this_thread::get_id();  // io.run() below runs here
  int answered = 0, ok = 0, on_io_thread = 0;
  for (int i = 0; i < 50; ++i) {
    client.post(request_to(server.url()), [&](HttpResult result) {
      ++answered;
      on_io_thread += std::this_thread::get_id() == io_thread ? 1 : 0;
      if (result.status == 200 && result.body == "ok" && result.error.empty() && result.retry_after &&
          *result.retry_after == std::chrono::seconds{7}) {
        ++ok;
      }
    });
  }
  CHECK(client.in_flight() == 50);
  io.run();  // returns only when nothing is in flight: the client holds work on the io_context
  CHECK(answered == 50);
  CHECK(ok == 50);
  CHECK(on_io_thread == 50);
  CHECK(client.in_flight() == 0);
  CHECK(server.requests() == 50);
  CHECK(server.connections() <= 4);  // at most max_host_connections, kept alive
}

TEST_CASE("CurlMultiClient: a URL the policy refuses fails as refused, without a connection") {
  TinyHttpServer server;
  boost::asio::io_context io;
  CurlMultiClient client(io);
  std::optional<HttpResult> got;
  client.post(request_to(server.url(), false), [&](HttpResult result) { got = std::move(result); });
  io.run();
  REQUIRE(got.has_value());
  CHECK(got->status == 0);
  CHECK(got->refused_by_policy);
  CHECK_FALSE(got->error.empty());
  CHECK(server.connections() == 0);
}

TEST_CASE("CurlMultiClient destroyed with requests in flight calls none of their callbacks") {
  TinyHttpServer silent(false);
  boost::asio::io_context io;
  int called = 0;
  {
    CurlMultiClient client(io);
    for (int i = 0; i < 3; ++i) client.post(request_to(silent.url()), [&](HttpResult) { ++called; });
    // Held open by the requests in flight: returns because of the time limit, not for lack of work.
    io.run_for(std::chrono::milliseconds{300});
    CHECK(client.in_flight() == 3);
    CHECK(silent.requests() == 3);
  }
  io.restart();
  io.run();  // nothing left: no work held, no callback queued
  CHECK(called == 0);
}
