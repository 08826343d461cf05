#include "domain/trigger.h"

#include "time/iso8601.h"

namespace deadline {

std::string Trigger::key() const { return window_id + "|" + lead + "|" + format_utc(closes); }

}  // namespace deadline
