#pragma once
// The planner: calendar × lead menu → triggers, ordered by instant. Pure (no clock, no I/O), so
// it is tested as a table. Triggers never depend on subscribers: a trigger is a (window
// occurrence, lead) pair, and the store fans it out to whoever matches when it fires.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "domain/trigger.h"
#include "schedule/lead.h"

namespace deadline {

struct PlannerOptions {
  std::vector<Lead> menu = default_lead_menu();
  std::chrono::minutes send_time{9 * 60};  // local time of day day-based reminders go out
};

// The local date on which `window` closes: the date of (close − 1 s), so a close at 00:00 belongs
// to the day before ("10月18日24:00" closes on 18 October).
date::local_days closing_day(const Window& window);

// Whole local days from `now`'s date to the window's closing day, both read in the window's
// zone: 0 on the closing day, 1 the day before; negative once the closing day is past.
int days_left(const Window& window, Instant now);

// When `lead` fires for `window`, or nullopt when it does not apply (no opening known, "Nh" for a
// close that is not a timed instant) or would fall at or after the close.
std::optional<Instant> trigger_instant(const Window& window, const Lead& lead,
                                       std::chrono::minutes send_time);

// Every trigger of every window but cancelled ones, with its window's facts, ordered by due
// instant, then key.
std::vector<Trigger> plan_triggers(const Calendar& calendar, const PlannerOptions& options);

}  // namespace deadline
