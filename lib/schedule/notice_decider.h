#pragma once
// The who-is-told rule (schedule/change_notice_rule.h) bound to one release: the calendar
// released before and the one released now, the lead menu and send time, the release instant.
// The store asks the decider about every endpoint that matches a changed window.

#include <memory>

#include "calendar/calendar.h"
#include "domain/change_notice.h"
#include "schedule/planner.h"

namespace deadline {

// `before` may be null (its files were not kept): rule (b) then judges lead points under the
// recorded previous close with the new window's shape.
NoticeDecider make_notice_decider(std::shared_ptr<const Calendar> before, std::shared_ptr<const Calendar> after,
                                  const PlannerOptions& options, Instant now);

}  // namespace deadline
