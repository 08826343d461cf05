#pragma once
// A calendar snapshot turned into what the scheduler walks: every trigger with the facts the
// fan-out matches endpoints' filters against, sorted by due instant. Built once per calendar
// load, immutable, shared between the main and the store thread.

#include <memory>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "schedule/planner.h"
#include "domain/trigger.h"

namespace deadline {

struct Plan {
  std::string calendar_revision;
  std::vector<Trigger> triggers;  // ordered by due, then key

  // Index of the first trigger due strictly after `at`.
  std::size_t first_due_after(Instant at) const;
};

std::shared_ptr<const Plan> make_plan(const Calendar& calendar, const PlannerOptions& options);

}  // namespace deadline
