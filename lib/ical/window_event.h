#pragma once
// How a calendar window shows in a subscriber's calendar app: one IcalEvent per window, with a
// UID that survives reloads, edits and an estimate being replaced by its confirmed window.

#include <string>
#include <string_view>

#include "calendar/calendar.h"
#include "ical/feed_writer.h"

namespace deadline::ical {

// "<programme id>-<cycle>-<window key>@<host>": built from the window's identity
// (programme/key/cycle), never from its dates or status.
std::string window_uid(const Window& window, std::string_view host);

// The event a window shows as; sequence 0 and last_modified unset (the caller's store fills them).
// An instant close is a one-hour event ending at it; a day close an all-day event on the closing
// day; a month or year close an all-day event over that month or year. Dates are read in `zone`.
IcalEvent window_event(const Programme& programme, const Window& window, std::string_view host,
                       const date::time_zone& zone);

}  // namespace deadline::ical
