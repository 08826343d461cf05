#pragma once
// What one connection may cost the server. Every read and write has a deadline, every request a
// size limit, so a slow or hostile client holds at most one connection's worth of resources.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace deadline::http {

struct HttpLimits {
  // From waiting for a request (idle keep-alive included) to having all of it; then closed.
  std::chrono::milliseconds read_timeout = std::chrono::seconds{15};
  // For sending one response to a client that reads slowly.
  std::chrono::milliseconds write_timeout = std::chrono::seconds{15};
  // Request line and headers, in bytes; beyond it the request is answered 431 and closed.
  std::uint32_t header_limit = 8 * 1024;
  // Request body, in bytes; beyond it the request is answered 413 and closed.
  std::uint64_t body_limit = 64 * 1024;
};

// Where the server reports what went wrong with a connection or the acceptor (one line, no
// newline). Called from the io_context's threads: must be thread-safe if several run it.
using LogFn = std::function<void(std::string_view)>;

}  // namespace deadline::http
