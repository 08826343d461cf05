#include "domain/change_notice.h"

#include <algorithm>

namespace deadline {

bool ToldChange::has(ChangeKind kind) const { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); }

ChangeHeadline ToldChange::headline() const {
  if (has(ChangeKind::cancelled) || has(ChangeKind::removed)) return ChangeHeadline::cancelled;
  if (reopened) return ChangeHeadline::reopened;
  if (has(ChangeKind::moved)) return ChangeHeadline::moved;
  if (has(ChangeKind::confirmed)) return ChangeHeadline::confirmed;
  if (has(ChangeKind::added)) return ChangeHeadline::added;
  return ChangeHeadline::estimate_dropped;
}

bool is_notice_worthy(ChangeKind kind) {
  return kind != ChangeKind::opens_changed && kind != ChangeKind::phrase_changed;
}

bool is_notice_worthy(const WindowChange& change) {
  return std::any_of(change.kinds.begin(), change.kinds.end(), [](ChangeKind k) { return is_notice_worthy(k); });
}

}  // namespace deadline
