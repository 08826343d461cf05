#pragma once
// A loaded calendar as a revision (domain/revision.h): its effective windows — after edition
// merge, projection and the chain rule, with the horizon it was loaded with — as the store keeps
// them and as two revisions are compared (deadlinectl diff, reload, history).

#include <vector>

#include "calendar/calendar.h"
#include "domain/revision.h"

namespace deadline {

// Ordered by window id.
std::vector<RevisionWindow> revision_windows(const Calendar& calendar);

}  // namespace deadline
