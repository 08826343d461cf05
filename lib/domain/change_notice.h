#pragma once
// A change notice: what one endpoint is told about one window when a calendar revision is
// released (issue "Change notices"; docs/calendar-format.md, "Change notices"). It is recorded
// with the message, previous and current window as they were released, and rendered from that
// record alone: a removed window has no live data to render from.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/revision.h"
#include "domain/state_names.h"

namespace deadline {

// The word a notice leads with. One notice about one window names every kind it carries; the
// headline is the first that applies, in this order.
enum class ChangeHeadline { cancelled, reopened, moved, confirmed, added, estimate_dropped };
inline constexpr StateNames<ChangeHeadline, 6> kChangeHeadlines{{{
    {ChangeHeadline::cancelled, "cancelled"},
    {ChangeHeadline::reopened, "reopened"},
    {ChangeHeadline::moved, "moved"},
    {ChangeHeadline::confirmed, "confirmed"},
    {ChangeHeadline::added, "added"},
    {ChangeHeadline::estimate_dropped, "estimate-dropped"},
}}};
inline std::string_view to_string(ChangeHeadline headline) { return kChangeHeadlines.name(headline); }

struct ToldChange {
  std::string window_id;
  std::vector<ChangeKind> kinds;            // the notice-worthy kinds, in kChangeKinds order
  bool reopened = false;                    // closed under what was told, open again: 【延期】
  std::optional<RevisionWindow> previous;   // as released before; nullopt for an added window
  std::optional<RevisionWindow> current;    // as released now; nullopt for a removed one
  // Rule (b): the reminder point the move put in the past while the window is open, carried by
  // this notice (its trigger is recorded so the scheduler never fires it again); "" when none.
  std::string overdue_lead;

  bool has(ChangeKind kind) const;
  // cancelled (or removed) > reopened > moved > confirmed > added > estimate-dropped.
  ChangeHeadline headline() const;
  bool operator==(const ToldChange&) const = default;
};

// Decides, for one endpoint and one changed window, what it is told (schedule/notice_decider.h
// makes one from the two calendars; the store asks it for every endpoint that matches).
// `close_told`: the close the ledger says the endpoint was last told; `leads`: its chosen lead
// ids (empty = the whole menu).
using NoticeDecider = std::function<std::optional<ToldChange>(
    const WindowChange& change, const std::optional<Instant>& close_told, const std::vector<std::string>& leads)>;

// The kinds people are told of; opens-changed and phrase-changed reach 变更记录 only.
bool is_notice_worthy(ChangeKind kind);
bool is_notice_worthy(const WindowChange& change);

}  // namespace deadline
