#pragma once
// A raw HTTP/1.1 client for the server tests: sends bytes exactly as given and reads what comes
// back. Every operation runs on the client's own io_context with a deadline, so a server that
// misbehaves fails the test instead of hanging it.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace deadline::test {

class TestClient {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  explicit TestClient(const boost::asio::ip::tcp::endpoint& server);

  boost::beast::error_code send(const std::string& bytes);
  // The next response, or nullopt with error() set. `head`: the response to a HEAD (no body).
  std::optional<Response> read(bool head = false);
  // Waits for the server to close: true when the connection ends (EOF or reset) before `limit`.
  bool closed_by_server(std::chrono::milliseconds limit = std::chrono::seconds{5});
  // Whether the server closes the connection within `limit`, leaving it open when it does not
  // (closed_by_server's deadline closes the client's end). Bytes that arrive stay unread.
  bool closed_within(std::chrono::milliseconds limit);
  const boost::beast::error_code& error() const { return error_; }

 private:
  // The deadline is set before each operation starts: Beast refuses to move it while one runs.
  void run();

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_{io_};
  boost::beast::flat_buffer buffer_;
  boost::beast::error_code error_;
};

// "GET /healthz HTTP/1.1" with Host and any extra header lines.
std::string request_text(const std::string& method, const std::string& target, const std::string& extra = "");

}  // namespace deadline::test
