#include "calendar/upcoming.h"

namespace deadline {

std::vector<const Window*> upcoming_windows(const Calendar& calendar, const UpcomingQuery& query) {
  const Instant end = query.at + query.days;
  std::vector<const Window*> result;
  for (const Window& w : calendar.windows()) {
    if (w.closes.at <= query.at) continue;  // already closed
    const bool closes_in_period = w.closes.at <= end;
    const bool open_in_period = w.opens && w.opens->at < end;
    if (closes_in_period || open_in_period) result.push_back(&w);
  }
  return result;
}

const Window* soonest_open_window(const Calendar& calendar, Instant now) {
  for (const Window& w : calendar.windows()) {  // soonest close first
    if (w.closes.at > now && !w.cancelled()) return &w;
  }
  return nullptr;
}

}  // namespace deadline
