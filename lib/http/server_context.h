#pragma once
// What the listener and every session share. Held by shared_ptr so it outlives the HttpServer
// object if the io_context is still finishing sessions when the server is destroyed.

#include <string_view>

#include "http/app.h"
#include "http/limits.h"
#include "http/session_registry.h"

namespace deadline::http {

struct ServerContext {
  AppState app;
  HttpLimits limits;
  LogFn log;
  SessionRegistry sessions;

  void report(std::string_view line) const {
    if (log) log(line);
  }
};

}  // namespace deadline::http
