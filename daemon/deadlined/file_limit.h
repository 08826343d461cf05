#pragma once
// Every HTTP connection, relay and webhook connection and the database hold a file descriptor.
// The usual soft limit (1024, also systemd's default) is below what [http] max_connections
// allows, and a daemon past it cannot even accept: it raises its own soft limit to the hard
// one, as systemd's documentation asks of services that need more.

#include <cstddef>

namespace deadline::daemon {

// Raises RLIMIT_NOFILE's soft limit towards the hard limit; logs a warning naming both and the
// config key when the result is below `wanted`. Never lowers it.
void raise_file_limit(std::size_t wanted);

}  // namespace deadline::daemon
