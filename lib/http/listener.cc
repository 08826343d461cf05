#include "http/listener.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "http/client_address.h"
#include "http/endpoint.h"
#include "http/session.h"

namespace deadline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kAcceptRetry{250};
constexpr std::chrono::seconds kRefusalReportInterval{60};

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
  boost::system::error_code peer_error;
  const tcp::endpoint peer = socket.remote_endpoint(peer_error);
  if (peer_error) {  // gone already (reset before we got to it): nothing to serve
    boost::system::error_code ignored;
    socket.close(ignored);
    return do_accept();
  }
  const asio::ip::address address = unmapped(peer.address());
  const std::string address_text = address.to_string();
  ConnectionRefusal why = ConnectionRefusal::none;
  ConnectionSlot slot =
      context_->connections->acquire(address_text, is_trusted(address, context_->limits.trusted_proxies), &why);
  if (!slot) {
    refuse(socket, address_text, why);
    return do_accept();
  }
  std::make_shared<Session>(std::move(socket), context_, address, std::move(slot))->run();
  do_accept();
}

void Listener::refuse(tcp::socket& socket, const std::string& address, ConnectionRefusal why) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  ++refused_since_report_;
  const auto now = std::chrono::steady_clock::now();
  if (last_refusal_report_ && now - *last_refusal_report_ < kRefusalReportInterval) return;
  const std::string cap = why == ConnectionRefusal::total
                              ? std::to_string(context_->limits.max_connections) + " connections in all"
                              : std::to_string(context_->limits.max_connections_per_ip) + " connections per address";
  context_->report("http: connection from " + address + " refused: over the cap of " + cap + " (" +
                   std::to_string(refused_since_report_) + " refused since the last such report; at most one a minute)");
  refused_since_report_ = 0;
  last_refusal_report_ = now;
}

void Listener::on_stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

}  // namespace deadline::http
