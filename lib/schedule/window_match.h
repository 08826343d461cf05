#pragma once
// Whether an endpoint's filters select a window: the fan-out decides it in SQL (store's
// kMatchSql, over the facts the plan gives each trigger); the personal calendar feed decides it
// here, in C++. Both read the same texts, made here.

#include <string>

#include "calendar/calendar.h"
#include "store/records.h"

namespace deadline {

// What `authority` filters look in: the programme's authority and contact.
std::string authority_text(const Programme& programme);
// What keywords look in: title, contact and authority.
std::string search_text(const Programme& programme);

// Within one field any value matches (OR); across fields all must (AND); an empty field does not
// filter. Programme, group, category and role match exactly; authority and keyword as substrings.
bool filters_match(const store::EndpointFilters& filters, const Programme& programme, const Window& window);

}  // namespace deadline
