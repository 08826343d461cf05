#pragma once
// One HTTP connection, in the shape of Beast's http_server_async example: run → do_read →
// on_read → (handle_request) → on_write → do_read again while the client keeps it alive. Each
// step checks its error; expected ones (end of stream, timeout, stop) close quietly, others are
// reported once. Internal to the server; the daemon uses HttpServer.

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>
#include <string>

#include "http/connection_limiter.h"
#include "http/message.h"
#include "http/server_context.h"

namespace deadline::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `peer`: the socket's remote address (IPv4-mapped written as IPv4); `slot`: this connection's
  // place under the connection caps, held until the session ends.
  Session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> context,
          const boost::asio::ip::address& peer, ConnectionSlot slot);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run();
  // From any thread. A session waiting for a request that has not begun closes now; one that
  // is receiving or answering a request closes after its response.
  void stop();

 private:
  void start();
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void reject(Status status, std::string_view code, const std::string& message);
  void send(Response response, bool linger);
  void on_write(bool linger, boost::beast::error_code ec, std::size_t bytes);
  void do_linger();
  void on_drain(boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void on_stop();
  void fail(boost::beast::error_code ec, std::string_view what);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Response response_;  // alive until its write completes
  std::string target_;  // the request being answered, for AppState::on_response
  // What decides between a JSON error and an error page (page_errors.h): the request's target
  // (also for a refused one), its Accept header, and whether it was a HEAD.
  std::string error_target_;
  std::string accept_;
  bool head_ = false;
  std::shared_ptr<ServerContext> context_;
  boost::asio::ip::address peer_address_;
  std::string peer_;
  ConnectionSlot slot_;
  std::array<char, 4096> discard_{};
  std::size_t drained_ = 0;
  bool reading_ = false;
  bool lingering_ = false;
  bool stopping_ = false;
};

}  // namespace deadline::http
