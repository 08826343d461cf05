#include "http/server.h"

#include "http/endpoint.h"
#include "http/listener.h"
#include "http/server_context.h"
#include "http/session.h"

namespace deadline::http {

HttpServer::HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                       AppState app, HttpLimits limits, LogFn log)
    : io_(io),
      endpoint_(endpoint),
      context_(std::make_shared<ServerContext>(std::move(app), limits, std::move(log))) {}

HttpServer::~HttpServer() { stop(); }

Result<boost::asio::ip::tcp::endpoint> HttpServer::start() {
  using R = Result<boost::asio::ip::tcp::endpoint>;
  if (listener_) return R::failure("the HTTP server on " + to_string(endpoint_) + " is already started");
  auto listener = std::make_shared<Listener>(io_, context_);
  R bound = listener->listen(endpoint_);
  if (!bound) return bound;
  bound_ = *bound;
  listener_ = std::move(listener);
  listener_->run();
  return bound;
}

void HttpServer::stop() {
  if (listener_) listener_->stop();
  for (const auto& session : context_->sessions.stop_all()) session->stop();
}

}  // namespace deadline::http
