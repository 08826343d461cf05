#pragma once
// Whether an address belongs to one of this machine's interfaces. The address policy refuses
// private, loopback and special ranges, but on a host with a public address a webhook URL naming
// that address would reach the host's own services (anything bound to 0.0.0.0): an SSRF the
// ranges alone cannot see. Read afresh for each new connection (getifaddrs), so addresses added
// while the daemon runs count too; connections are reused, so this is rare.

#include <sys/socket.h>

namespace deadline::delivery {

// True when `address` (AF_INET or AF_INET6) is assigned to an interface of this machine. False
// for other families, and when the interfaces cannot be read (the range checks still apply).
bool is_own_address(const sockaddr* address, socklen_t length);

}  // namespace deadline::delivery
