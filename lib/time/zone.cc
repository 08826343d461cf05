#include "time/zone.h"

#include <stdexcept>

namespace deadline {

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return nullptr;  // date/tz throws for unknown names; callers report the place.
  }
}

const date::time_zone& shanghai_zone() {
  static const date::time_zone* zone = date::locate_zone("Asia/Shanghai");
  return *zone;
}

Result<Instant> resolve_local(LocalTime local, const date::time_zone& zone) {
  const date::local_info info = zone.get_info(local);
  switch (info.result) {
    case date::local_info::unique:
      return Result<Instant>::success(Instant{local.time_since_epoch() - info.first.offset});
    case date::local_info::nonexistent:
      return Result<Instant>::failure("local time " + date::format("%F %H:%M", local) +
                                      " does not exist in " + zone.name());
    case date::local_info::ambiguous:
      return Result<Instant>::failure("local time " + date::format("%F %H:%M", local) +
                                      " is ambiguous in " + zone.name());
  }
  return Result<Instant>::failure("unexpected local_info result");
}

LocalTime to_local(Instant instant, const date::time_zone& zone) {
  return zone.to_local(instant);
}

}  // namespace deadline
