#include "schedule/change_notice_rule.h"

#include <string>
#include <utility>

#include "schedule/planner.h"

namespace deadline {

namespace {

// The change's notice-worthy kinds in kChangeKinds order, whatever order the change lists them in.
std::vector<ChangeKind> notice_rule_worthy_kinds(const WindowChange& change) {
  std::vector<ChangeKind> kinds;
  for (const auto& entry : kChangeKinds.entries) {
    if (is_notice_worthy(entry.first) && change.has(entry.first)) kinds.push_back(entry.first);
  }
  return kinds;
}

// The window's reminders stop for good: it is withdrawn or gone.
bool notice_rule_ends_window(const WindowChange& change) {
  return change.has(ChangeKind::cancelled) || change.has(ChangeKind::removed) ||
         change.has(ChangeKind::estimate_dropped);
}

// The latest of the chosen leads that `passed` accepts, by its due instant for the current window
// (ties: the first in the endpoint's order, so the answer does not depend on the menu's).
template <class Passed>
std::optional<std::pair<Instant, const Lead*>> notice_rule_latest(const EndpointBase& base, const Window& current,
                                                                  std::chrono::minutes send_time, Passed passed) {
  std::optional<std::pair<Instant, const Lead*>> latest;
  for (const Lead& lead : base.leads) {
    const std::optional<Instant> due = trigger_instant(current, lead, send_time);
    if (!due || !passed(lead, *due)) continue;  // a lead that does not apply never counts
    if (!latest || *due > latest->first) latest.emplace(*due, &lead);
  }
  return latest;
}

}  // namespace

std::optional<ToldChange> decide_change_notice(const NoticeContext& context, const EndpointBase& base) {
  const WindowChange& change = context.change;
  const Instant now = context.now;

  std::vector<ChangeKind> kinds = notice_rule_worthy_kinds(change);
  if (kinds.empty()) return std::nullopt;  // opens-changed, phrase-changed: 变更记录 only

  // Still open? A withdrawn or vanished window is news only while its old close is ahead; a moved,
  // confirmed or added one while its new close is. After that nobody can act on it.
  const bool ends = notice_rule_ends_window(change);
  const std::optional<RevisionWindow>& open_side = ends ? change.before : change.after;
  if (!open_side || now >= open_side->closes_at) return std::nullopt;

  // The window as released now, when it still takes applications (reminders are planned for it).
  const Window* live = ends || !context.current || context.current->cancelled() ? nullptr : context.current;
  // The close released now, while the window takes applications (set whenever `ends` is not).
  const std::optional<Instant> new_close = ends ? std::nullopt : std::optional<Instant>(change.after->closes_at);

  bool tell = false;
  bool reopened = false;
  bool told_as_added = false;  // reopened to an endpoint that never heard of it
  std::string overdue_lead;

  // (a) The ledger: what this endpoint was told no longer holds. A window it knows of that is
  // `added` was reinstated after a cancellation it may have been told of: told too, even at the
  // same close, so "withdrawn" is never the last word it heard about an open window.
  if (base.close_told) {
    if (ends || change.has(ChangeKind::confirmed) || change.has(ChangeKind::added) || *new_close != *base.close_told) {
      tell = true;
    }
    // Closed under what it was told, open again (now < new close was checked above): 【延期】.
    if (new_close && *base.close_told <= now) reopened = true;
  } else if (new_close && change.before && change.before->closes_at <= now) {
    // Reopened, to an endpoint never told: closed as released before, so it is news as a new
    // window would be.
    told_as_added = true;
    tell = true;
  }

  if (live) {
    if (change.has(ChangeKind::added) || told_as_added) {
      // (c) Added (a reinstated window is added too): told once one of the endpoint's points has
      // passed; the latest passed one is carried (its trigger, in the past, never fires).
      const auto passed = notice_rule_latest(base, *live, context.send_time,
                                             [&](const Lead&, Instant due) { return due <= now; });
      if (passed) {
        tell = true;
        overdue_lead = passed->second->id;
      }
    } else {
      // (b) A point that was still ahead under the close the endpoint knew — the ledger's, else
      // the one released before — and is in the past under the new close. "Under the close it
      // knew" is computed on the window as previously released (its opening, precision and zone
      // are what the scheduler planned from), with that close; on the current window when there
      // is no previous one.
      std::optional<Instant> base_close = base.close_told;
      if (!base_close && change.before) base_close = change.before->closes_at;
      if (base_close) {
        Window known = context.previous ? *context.previous : *live;
        known.closes.at = *base_close;
        const auto overdue = notice_rule_latest(base, *live, context.send_time, [&](const Lead& lead, Instant due) {
          const std::optional<Instant> due_old = trigger_instant(known, lead, context.send_time);
          return due_old && *due_old > now && due <= now;
        });
        if (overdue) {
          tell = true;
          overdue_lead = overdue->second->id;
        }
      }
    }
  }

  if (!tell) return std::nullopt;
  ToldChange told;
  told.window_id = change.window_id;
  told.kinds = told_as_added ? std::vector<ChangeKind>{ChangeKind::added} : std::move(kinds);
  told.reopened = reopened;
  told.previous = change.before;
  told.current = change.after;
  told.overdue_lead = std::move(overdue_lead);
  return told;
}

}  // namespace deadline
