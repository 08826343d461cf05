#include "http/listener.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "http/endpoint.h"
#include "http/session.h"

namespace deadline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kAcceptRetry{250};

}  // namespace

Listener::Listener(asio::io_context& io, std::shared_ptr<ServerContext> context)
    : io_(io), acceptor_(asio::make_strand(io)), retry_(acceptor_.get_executor()), context_(std::move(context)) {}

Result<tcp::endpoint> Listener::listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  const auto failed = [&] {
    const std::string message = "cannot listen on " + to_string(endpoint) + ": " + ec.message();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Result<tcp::endpoint>::failure(message);
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return failed();
  // A restart must not wait for the previous process's connections to leave TIME_WAIT.
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return failed();
  if (acceptor_.bind(endpoint, ec)) return failed();
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return failed();
  bound_ = acceptor_.local_endpoint(ec);
  if (ec) return failed();
  return Result<tcp::endpoint>::success(bound_);
}

void Listener::run() {
  asio::post(acceptor_.get_executor(), beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
  asio::post(acceptor_.get_executor(), beast::bind_front_handler(&Listener::on_stop, shared_from_this()));
}

void Listener::do_accept() {
  if (stopped_) return;
  // Each connection gets its own strand, so the io_context may be run by several threads.
  acceptor_.async_accept(asio::make_strand(io_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    if (ec != last_error_) context_->report("http: accept on " + to_string(bound_) + ": " + ec.message());
    last_error_ = ec;
    retry_.expires_after(kAcceptRetry);
    retry_.async_wait([self = shared_from_this()](boost::system::error_code) { self->do_accept(); });
    return;
  }
  last_error_ = {};
  std::make_shared<Session>(std::move(socket), context_)->run();
  do_accept();
}

void Listener::on_stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

}  // namespace deadline::http
