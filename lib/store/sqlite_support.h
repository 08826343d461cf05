#pragma once
// What the SqliteStore's source files share (internal to lib/store).

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>

#include "time/instant.h"

namespace deadline::store {

// Instants are stored as Unix seconds (UTC).
inline std::int64_t seconds(Instant at) { return at.time_since_epoch().count(); }
inline Instant instant(std::int64_t s) { return Instant{std::chrono::seconds{s}}; }

// Runs `body`, turning exceptions from SQLiteCpp (and anything else) into a failed Result that
// names the operation. The store's callers never see an exception.
template <class F>
auto guarded(const char* operation, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return decltype(body())::failure(std::string("store: ") + operation + ": " + e.what());
  }
}

}  // namespace deadline::store
