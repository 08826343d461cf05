#pragma once
// A window's facts for endpoints' filters (domain/window_facts.h), read from the calendar: the
// planner gives them to every trigger (the fan-out matches them in the store), the personal
// calendar feed matches them here. Both read the same texts, made here.

#include <string>

#include "calendar/calendar.h"
#include "domain/window_facts.h"

namespace deadline {

// What `authority` filters look in: the programme's authority and contact.
std::string authority_text(const Programme& programme);
// What keywords look in: title, contact and authority.
std::string search_text(const Programme& programme);

WindowFacts window_facts(const Programme& programme, const Window& window);

inline bool filters_match(const EndpointFilters& filters, const Programme& programme, const Window& window) {
  return filters_match(filters, window_facts(programme, window));
}

}  // namespace deadline
