#include "schedule/plan.h"

#include <algorithm>

#include "schedule/window_match.h"

namespace deadline {

std::size_t Plan::first_due_after(Instant at) const {
  const auto it = std::upper_bound(triggers.begin(), triggers.end(), at,
                                   [](Instant t, const store::TriggerFacts& f) { return t < f.due; });
  return static_cast<std::size_t>(it - triggers.begin());
}

std::shared_ptr<const Plan> make_plan(const Calendar& calendar, const PlannerOptions& options) {
  auto plan = std::make_shared<Plan>();
  plan->calendar_revision = calendar.revision();
  for (const Trigger& t : plan_triggers(calendar, options)) {
    const Programme* p = calendar.find_programme(t.programme_id);
    const auto windows = calendar.windows_of(t.programme_id);
    const auto w = std::find_if(windows.begin(), windows.end(), [&](const Window* x) { return x->id() == t.window_id; });
    store::TriggerFacts f;
    f.key = t.key();
    f.window_id = t.window_id;
    f.programme_id = t.programme_id;
    f.lead = t.lead;
    f.due = t.due;
    f.closes = t.closes;
    f.group = p->group;
    f.category = p->category;
    f.authority_text = authority_text(*p);
    f.role = std::string(to_chinese((*w)->role));
    f.search_text = search_text(*p);
    plan->triggers.push_back(std::move(f));
  }
  return plan;
}

}  // namespace deadline
