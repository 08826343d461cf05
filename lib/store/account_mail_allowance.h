#pragma once
// When a subscriber may next be mailed a confirmation or a manage link under
// ConfirmationMailPolicy, from the counters every backend keeps on the subscriber row
// (confirm_mailed_at, confirm_window_start, confirm_mails_in_window). Arithmetic only, shared by
// SqliteStore and PgStore: each reads the counters and writes back what this returns.

#include <algorithm>
#include <cstdint>
#include <optional>

#include "domain/policies.h"
#include "store/store_support.h"
#include "time/instant.h"

namespace deadline::store {

// A subscriber's counters as stored (NULL: never mailed, no 24 h count started).
struct AccountMailCounters {
  std::optional<std::int64_t> mailed_at;     // confirm_mailed_at
  std::optional<std::int64_t> window_start;  // confirm_window_start
  int sent_in_window = 0;                    // confirm_mails_in_window: counts only within a window
};

// When the subscriber may next be mailed (at or before now: now), and the counters as they
// would be after mailing at that moment.
struct MailAllowance {
  std::int64_t at = 0;
  std::int64_t window_start = 0;
  int sent_in_window = 0;
};

inline MailAllowance mail_allowance(const AccountMailCounters& counters, Instant now,
                                    const ConfirmationMailPolicy& policy) {
  MailAllowance allowed{seconds(now), seconds(now), 0};
  if (counters.mailed_at) allowed.at = std::max(allowed.at, *counters.mailed_at + policy.min_interval.count());
  if (counters.window_start) {
    allowed.window_start = *counters.window_start;
    allowed.sent_in_window = counters.sent_in_window;
  }
  constexpr std::int64_t kDay = 24 * 3600;
  if (allowed.sent_in_window >= policy.max_per_day) allowed.at = std::max(allowed.at, allowed.window_start + kDay);
  if (allowed.at - allowed.window_start >= kDay) {  // a new 24 h count starts with this mail
    allowed.window_start = allowed.at;
    allowed.sent_in_window = 0;
  }
  return allowed;
}

}  // namespace deadline::store
