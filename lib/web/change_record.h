#pragma once
// A programme's 变更记录: what the calendar revisions the daemon applied changed about its windows
// (store/revision_store.h), newest first, in Chinese, each with the notice it rests on, so a
// clerk can check a change against the notice. Pure.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "domain/revision.h"
#include "store/revision_store.h"

namespace deadline::web {

struct ChangeEntry {
  Instant recorded_at;                  // when the daemon applied it
  WindowChange change;
};

// programme id → its changes, newest first.
using ChangeLog = std::map<std::string, std::vector<ChangeEntry>>;

// From revisions newest first (RevisionStore::revision_history); baselines change nothing.
ChangeLog change_log_of(const std::vector<store::RevisionRecord>& revisions);

// One sentence per change kind: "截止时间推迟：由2024年11月20日 17:00改为2024年11月27日 17:00".
std::string change_sentence(const WindowChange& change);

// Windows of one programme that a released revision removed (or whose estimate it no longer
// makes) and whose old close is still ahead of `now`, from its entries (newest first: only each
// window's latest change counts) and the windows it has now: pages and the API show them as
// withdrawn until that close.
std::vector<WindowChange> withdrawn_windows(const std::vector<ChangeEntry>& entries,
                                            const std::vector<const Window*>& current, Instant now);

// The section: a heading 变更记录 and a list, or "尚无变更。" when `entries` is empty.
std::string change_record_html(const std::vector<ChangeEntry>& entries);

}  // namespace deadline::web
