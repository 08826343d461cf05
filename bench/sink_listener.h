#pragma once
// The benchmarks' webhook receiver (webhook_bench's in-process one, webhook_sink's process of
// its own): accepts on 127.0.0.1 at a port the system picks, reads each request whole (headers
// and Content-Length body, at most 1 MiB) with Beast's parser, hands it to `count`, and answers
// 200 with an empty body at once, keeping the connection alive; or, `silent`, never answers (the
// sender waits until its own timeout). Everything runs on the io_context's thread: `count` needs
// no lock of its own there.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace deadline::bench {

class SinkListener {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Count = std::function<void(const Request&)>;

  SinkListener(boost::asio::io_context& io, Count count, bool silent = false)
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        count_(std::move(count)),
        silent_(silent) {
    accept();
  }
  SinkListener(const SinkListener&) = delete;
  SinkListener& operator=(const SinkListener&) = delete;

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  using tcp = boost::asio::ip::tcp;
  static constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(tcp::socket socket, const SinkListener& owner) : socket_(std::move(socket)), owner_(owner) {}

    void read() {
      parser_.emplace();
      parser_->body_limit(1024 * 1024);
      boost::beast::http::async_read(socket_, buffer_, *parser_,
                                     [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                                       if (!ec) self->answer();
                                     });
    }

   private:
    void answer() {
      const Request& request = parser_->get();
      owner_.count_(request);
      if (owner_.silent_) {
        read();  // never answered
        return;
      }
      const bool keep_alive = request.keep_alive();
      boost::asio::async_write(
          socket_, boost::asio::buffer(kResponse.data(), kResponse.size()),
          [self = this->shared_from_this(), keep_alive](const boost::system::error_code& ec, std::size_t) {
            if (ec) return;
            if (keep_alive) {
              self->read();
            } else {
              boost::system::error_code ignored;
              self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
            }
          });
    }

    tcp::socket socket_;
    const SinkListener& owner_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), *this)->read();
      accept();
    });
  }

  tcp::acceptor acceptor_;
  Count count_;
  bool silent_;
};

}  // namespace deadline::bench
