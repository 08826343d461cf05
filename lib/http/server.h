#pragma once
// The HTTP server: listens on one address and answers with handle_request (router.h) on the
// given io_context. Limits and timeouts are in limits.h; the API in docs/http-api.md.
//
//   HttpServer server(io, *parse_endpoint("127.0.0.1:8080"), app, {}, log);
//   if (auto bound = server.start(); !bound) { ...bound.error()... }
//   ... io.run();   // ends after stop() once the last connection has closed

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "base/result.h"
#include "http/app.h"
#include "http/limits.h"

namespace deadline::http {

class Listener;
struct ServerContext;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, AppState app,
             HttpLimits limits = {}, LogFn log = {});
  // Stops (see stop()); sessions still running keep what they share alive until they end.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting (the io_context must run for anything to happen). Fails with
  // "cannot listen on 127.0.0.1:8080: Address already in use" and the like, or when called twice.
  // Returns the bound address.
  Result<boost::asio::ip::tcp::endpoint> start();

  // From any thread; returns at once. Closes the acceptor and every connection waiting for a
  // request; a request being received or answered still gets its response, then its connection
  // closes. The io_context's run() returns once the last connection has closed (at most the
  // read timeout later) if nothing else keeps it busy. Idempotent.
  void stop();

  // The bound address after a successful start() (the real port when port 0 was asked).
  boost::asio::ip::tcp::endpoint local_endpoint() const { return bound_; }

 private:
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::shared_ptr<ServerContext> context_;
  std::shared_ptr<Listener> listener_;
  boost::asio::ip::tcp::endpoint bound_;
};

}  // namespace deadline::http
