#include "schedule/test_window.h"

#include "schedule/window_match.h"

namespace deadline {

const Window* test_window_for(const Calendar& calendar, const EndpointFilters& filters, Instant now) {
  for (const Window& w : calendar.windows()) {  // soonest close first
    if (w.closes.at <= now || w.cancelled()) continue;
    const Programme* programme = calendar.find_programme(w.programme_id);
    if (programme && filters_match(filters, *programme, w)) return &w;
  }
  return nullptr;
}

}  // namespace deadline
