#pragma once
// "What is coming up?": the windows open at an instant, or opening or closing in the days after.

#include <chrono>
#include <vector>

#include "calendar/calendar.h"

namespace deadline {

struct UpcomingQuery {
  Instant at;
  date::days days{30};
};

// Windows not yet closed at `at` that are open at `at`, open before `at + days`, or close by
// then; soonest close first (the calendar's own order). A deadline whose opening the text does
// not give counts only once it closes within the period.
std::vector<const Window*> upcoming_windows(const Calendar& calendar, const UpcomingQuery& query);

// The window that closes soonest after `now` and has not been withdrawn (a cancelled window has
// nothing to remind of), or nullptr: what a test reminder reminds of.
const Window* soonest_open_window(const Calendar& calendar, Instant now);

}  // namespace deadline
