#pragma once
// Time zone look-up and the one place wall-clock readings become instants.

#include <string>
#include <string_view>

#include "base/result.h"
#include "time/instant.h"

namespace deadline {

// The IANA zone named `name` from the operating system's tz database, or nullptr if unknown.
const date::time_zone* find_zone(std::string_view name);

// The zone every calendar in the bundled data uses.
const date::time_zone& shanghai_zone();

// Turns a wall-clock reading into an instant. A reading the zone skips (spring forward) or
// repeats (fall back) is an error rather than a silent guess: deadlines must be unambiguous.
Result<Instant> resolve_local(LocalTime local, const date::time_zone& zone);

// The local reading of `instant` in `zone`.
LocalTime to_local(Instant instant, const date::time_zone& zone);

}  // namespace deadline
