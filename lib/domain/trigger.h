#pragma once
// A trigger: one reminder point of one window (window occurrence × lead). The planner makes
// them from the calendar, the scheduler hands them to the store when they fall due, and the
// store fans each out to the endpoints whose filters match its window's facts. Triggers never
// depend on subscribers.

#include <string>

#include "domain/state_names.h"
#include "domain/window_facts.h"
#include "time/instant.h"

namespace deadline {

struct Trigger {
  std::string window_id;
  std::string lead;                       // Lead::id ("7d", "2h", ...)
  Instant due;
  Instant closes;                         // part of the key: a moved deadline gets fresh reminders
  WindowFacts window;                     // what filters match: programme, group, role, ...

  // window id | lead | close in UTC — unique per reminder point, stable across restarts.
  std::string key() const;
};

// What became of a trigger, as recorded: fired on time, fired late (the daemon was down at its
// instant but its window is still open: docs/configuration.md), or missed (its window closed
// before it could fire).
enum class TriggerOutcome { fired, late, missed };
inline constexpr StateNames<TriggerOutcome, 3> kTriggerOutcomes{{{
    {TriggerOutcome::fired, "fired"},
    {TriggerOutcome::late, "late"},
    {TriggerOutcome::missed, "missed"},
}}};
inline std::string_view to_string(TriggerOutcome outcome) { return kTriggerOutcomes.name(outcome); }

}  // namespace deadline
