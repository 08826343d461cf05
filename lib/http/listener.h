#pragma once
// Accepts connections and starts a Session for each (Beast's http_server_async listener). An
// accept error other than stopping is reported and retried after a pause, so running out of
// file descriptors delays clients instead of ending the service. A connection over the
// per-address or total cap (HttpLimits) is closed at once, unanswered; refusals are reported at
// most once a minute, so a flood cannot flood the log too.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "base/result.h"
#include "http/server_context.h"

namespace deadline::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, std::shared_ptr<ServerContext> context);

  // Opens, binds and listens; the error names the address: "cannot listen on ADDR: reason".
  // Returns the bound address (the real port when 0 was asked).
  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void run();
  // From any thread: closes the acceptor; a pending accept ends with operation_aborted.
  void stop();

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void on_stop();
  void refuse(boost::asio::ip::tcp::socket& socket, const std::string& address, ConnectionRefusal why);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::shared_ptr<ServerContext> context_;
  boost::asio::ip::tcp::endpoint bound_;
  boost::system::error_code last_error_;  // reported once until an accept succeeds
  bool stopped_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_refusal_report_;
  std::size_t refused_since_report_ = 0;
};

}  // namespace deadline::http
