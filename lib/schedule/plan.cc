#include "schedule/plan.h"

#include <algorithm>

namespace deadline {

std::size_t Plan::first_due_after(Instant at) const {
  const auto it = std::upper_bound(triggers.begin(), triggers.end(), at,
                                   [](Instant t, const Trigger& f) { return t < f.due; });
  return static_cast<std::size_t>(it - triggers.begin());
}

std::shared_ptr<const Plan> make_plan(const Calendar& calendar, const PlannerOptions& options) {
  auto plan = std::make_shared<Plan>();
  plan->calendar_revision = calendar.revision();
  plan->triggers = plan_triggers(calendar, options);
  return plan;
}

}  // namespace deadline
