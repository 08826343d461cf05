#pragma once
// What the listener and every session share. Held by shared_ptr so it outlives the HttpServer
// object if the io_context is still finishing sessions when the server is destroyed.

#include <memory>
#include <string_view>

#include "http/app.h"
#include "http/connection_limiter.h"
#include "http/limits.h"
#include "http/session_registry.h"

namespace deadline::http {

struct ServerContext {
  AppState app;
  HttpLimits limits;
  LogFn log;
  SessionRegistry sessions;
  std::shared_ptr<ConnectionLimiter> connections =
      std::make_shared<ConnectionLimiter>(limits.max_connections_per_ip, limits.max_connections);

  void report(std::string_view line) const {
    if (log) log(line);
  }
};

}  // namespace deadline::http
