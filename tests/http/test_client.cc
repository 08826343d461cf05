#include "http/test_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace deadline::test {

namespace beast = boost::beast;

TestClient::TestClient(const boost::asio::ip::tcp::endpoint& server) {
  stream_.expires_after(std::chrono::seconds{5});
  stream_.async_connect(server, [this](beast::error_code ec) { error_ = ec; });
  run();
}

void TestClient::run() {
  io_.restart();
  io_.run();
}

beast::error_code TestClient::send(const std::string& bytes) {
  stream_.expires_after(std::chrono::seconds{5});
  boost::asio::async_write(stream_, boost::asio::buffer(bytes),
                           [this](beast::error_code ec, std::size_t) { error_ = ec; });
  run();
  return error_;
}

std::optional<TestClient::Response> TestClient::read(bool head) {
  beast::http::response_parser<beast::http::string_body> parser;
  parser.skip(head);
  parser.body_limit(10 * 1024 * 1024);
  stream_.expires_after(std::chrono::seconds{5});
  beast::http::async_read(stream_, buffer_, parser, [this](beast::error_code ec, std::size_t) { error_ = ec; });
  run();
  if (error_) return std::nullopt;
  return parser.release();
}

bool TestClient::closed_by_server(std::chrono::milliseconds limit) {
  char byte = 0;
  std::size_t got = 0;
  stream_.expires_after(limit);
  stream_.async_read_some(boost::asio::buffer(&byte, 1), [&](beast::error_code ec, std::size_t n) {
    error_ = ec;
    got = n;
  });
  run();
  return got == 0 && error_ && error_ != beast::error::timeout;
}

bool TestClient::closed_within(std::chrono::milliseconds limit) {
  if (buffer_.size() > 0) return false;  // a response arrived: not closed yet
  pollfd fd{stream_.socket().native_handle(), POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(limit.count())) <= 0) return false;
  char byte = 0;
  return ::recv(fd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;  // 0: end of stream; -1: reset
}

std::string request_text(const std::string& method, const std::string& target, const std::string& extra) {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

}  // namespace deadline::test
