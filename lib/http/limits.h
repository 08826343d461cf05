#pragma once
// What one connection may cost the server. Every read and write has a deadline, every request a
// size limit, so a slow or hostile client holds at most one connection's worth of resources; and
// the connections open at once are capped per peer address and in all, so a client opening many
// holds at most max_connections_per_ip of them. docs/http-api.md ("Limits") says what a client sees.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "http/client_address.h"

namespace deadline::http {

struct HttpLimits {
  // From waiting for a request (idle keep-alive included) to having all of it; then closed. One
  // deadline for the whole request, not for each read: a client sending a byte a second is
  // closed as surely as an idle one.
  std::chrono::milliseconds read_timeout = std::chrono::seconds{15};
  // For sending one response to a client that reads slowly.
  std::chrono::milliseconds write_timeout = std::chrono::seconds{15};
  // Request line and headers, in bytes; beyond it the request is answered 431 and closed.
  std::uint32_t header_limit = 8 * 1024;
  // Request body, in bytes; beyond it the request is answered 413 and closed.
  std::uint64_t body_limit = 64 * 1024;
  // Connections open at once from one peer address (trusted proxies exempt), and from all peers
  // together; a connection over either cap is closed as soon as it is accepted. 0: no cap.
  std::size_t max_connections_per_ip = 32;
  std::size_t max_connections = 4096;
  // Reverse proxies whose X-Forwarded-For (or Forwarded) is believed: see client_address.h.
  // Empty: every client is its connection's peer.
  std::vector<Cidr> trusted_proxies{};
};

// Where the server reports what went wrong with a connection or the acceptor (one line, no
// newline). Called from the io_context's threads: must be thread-safe if several run it.
using LogFn = std::function<void(std::string_view)>;

}  // namespace deadline::http
