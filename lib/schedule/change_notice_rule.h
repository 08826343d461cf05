#pragma once
// Who is told of a change: when a calendar revision is released, what one endpoint hears about one
// changed window (issue "Change notices"; domain/change_notice.h is what it hears). Pure (no
// clock, no store), so it is tested as a table: the caller brings the diff entry, the windows as
// released before and now, the endpoint's ledger entry and its chosen leads.
//
// The rule, in short (change_notice_rule.cc says each step):
//   - only notice-worthy kinds count, and only while the window is still open (the new close for a
//     move, confirmation or addition; the old one for a cancellation, removal or dropped estimate);
//   - (a) an endpoint told of this window before (the ledger) is told when what it was told no
//     longer holds: another close, a confirmation, a cancellation, a removal, a dropped estimate;
//   - (b) anyone is told when the change put a reminder point of theirs that was still ahead into
//     the past while the window is open; the notice carries the latest such point (never a burst);
//   - (c) anyone is told of an added (or reinstated) window once one of their points has passed;
//   - a window closed under what was told and open again is 【延期】 (reopened) to the ledger, and
//     an added window to everyone else;
//   - more time alone (a later close) is news only to those told of the old close (a).
// A never-told endpoint does not hear of a cancellation, removal or dropped estimate: nothing
// was promised to it, and (a) needs the ledger.

#include <chrono>
#include <optional>
#include <vector>

#include "calendar/calendar.h"
#include "domain/change_notice.h"
#include "domain/revision.h"
#include "schedule/lead.h"
#include "time/instant.h"

namespace deadline {

struct NoticeContext {
  const WindowChange& change;              // before = the previously released window, after = the newly released one
  const Window* previous = nullptr;        // the calendar Window as previously released (nullptr when added)
  const Window* current = nullptr;         // as released now (nullptr when removed / estimate dropped)
  std::chrono::minutes send_time{9 * 60};  // the planner's: reminder points are computed as it does
  Instant now{};                           // the release instant ({}: a context may be built as {change} and filled in)
};

struct EndpointBase {
  std::optional<Instant> close_told;       // the ledger: the close this endpoint was last told of this window; nullopt = never told
  std::vector<Lead> leads;                 // the endpoint's chosen leads (already resolved from the menu)
};

// What this endpoint is told about this window on release, or nullopt when nothing.
std::optional<ToldChange> decide_change_notice(const NoticeContext& context, const EndpointBase& base);

}  // namespace deadline
