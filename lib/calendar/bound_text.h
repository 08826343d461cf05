#pragma once
// A bound as people read it, in Chinese, at the precision it is known to. Every place that shows
// a window's dates (pages, reminders, feeds, the chain rule's reasons) writes them this way.

#include <string>

#include "calendar/bound.h"

namespace deadline {

// "2024年10月18日 24:00": a close as the handbook writes it, at the precision it is known to
// ("预计2024年11月" for a month estimate; a day-precision close shows only its day, with "前"
// when it closes at that day's start).
std::string close_for_people(const Bound& bound, const date::time_zone& zone, bool estimated);
// A local day: "2024年11月20日".
std::string day_for_people(date::year_month_day day);
// The opening side: "2024年11月1日" / "预计2024年11月".
std::string open_for_people(const Bound& bound, const date::time_zone& zone, bool estimated);

}  // namespace deadline
