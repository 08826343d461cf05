#pragma once
// `deadlinectl diff OLD NEW`: what changed between the effective calendars of two calendar
// directories or files, window by window (domain/revision.h). Exit status as diff(1), unlike the
// other verbs: 0 identical, 1 they differ, 2 an invalid calendar (its file:line errors) or usage.

#include <iosfwd>

#include "deadlinectl/calendar_commands.h"

namespace deadline::ctl {

int diff_command(const CalendarSource& before, const CalendarSource& after, bool json, std::ostream& out,
                 std::ostream& err);

}  // namespace deadline::ctl
