#include "domain/revision.h"

#include <algorithm>
#include <map>

namespace deadline {

namespace {

std::vector<ChangeKind> kinds_between(const RevisionWindow& before, const RevisionWindow& after, bool& later) {
  std::vector<ChangeKind> kinds;
  const bool was_cancelled = before.status == WindowStatus::cancelled;
  const bool is_cancelled = after.status == WindowStatus::cancelled;
  if (is_cancelled && !was_cancelled) {
    kinds.push_back(ChangeKind::cancelled);
  } else if (was_cancelled && !is_cancelled) {
    kinds.push_back(ChangeKind::added);  // reinstated: open to applications again
  } else if (!is_cancelled) {
    const bool confirms = before.status == WindowStatus::estimated && after.status == WindowStatus::confirmed;
    if (confirms) kinds.push_back(ChangeKind::confirmed);
    // A confirmation inside the estimate's period keeps its promise; outside it, or any other
    // change of the close, moves the deadline.
    const bool moved = confirms ? (after.closes_at > before.closes_at || after.closes_at <= before.closes_from)
                                : after.closes_at != before.closes_at;
    if (moved) {
      kinds.push_back(ChangeKind::moved);
      later = after.closes_at > before.closes_at;
    }
  }
  if (before.opens != after.opens) kinds.push_back(ChangeKind::opens_changed);
  if (before.phrase != after.phrase) kinds.push_back(ChangeKind::phrase_changed);
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

std::string quoted(const std::string& phrase) { return "「" + phrase + "」"; }

std::string detail(const WindowChange& c, ChangeKind kind) {
  const RevisionWindow* b = c.before ? &*c.before : nullptr;
  const RevisionWindow* a = c.after ? &*c.after : nullptr;
  switch (kind) {
    case ChangeKind::cancelled: return "cancelled: was closing " + b->closes;
    case ChangeKind::moved:
      return std::string("moved ") + (c.moved_later ? "later" : "earlier") + ": closes " + b->closes + " → " + a->closes;
    case ChangeKind::confirmed: return "confirmed: estimate " + b->closes + " → " + a->closes;
    case ChangeKind::added:
      return "added: " + std::string(to_string(a->status)) + " closing " + a->closes +
             (b ? " (was cancelled)" : "");
    case ChangeKind::removed: return "removed: was " + std::string(to_string(b->status)) + " closing " + b->closes;
    case ChangeKind::estimate_dropped:
      return "estimate-dropped: the projected estimate closing " + b->closes + " is no longer made";
    case ChangeKind::opens_changed:
      return "opens-changed: " + (b->opens.empty() ? std::string("—") : b->opens) + " → " +
             (a->opens.empty() ? std::string("—") : a->opens);
    case ChangeKind::phrase_changed: return "phrase-changed: " + quoted(b->phrase) + " → " + quoted(a->phrase);
  }
  return "?";
}

}  // namespace

bool WindowChange::has(ChangeKind kind) const { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); }

std::vector<WindowChange> diff_revisions(const std::vector<RevisionWindow>& before,
                                         const std::vector<RevisionWindow>& after) {
  std::map<std::string, const RevisionWindow*> old_by_id, new_by_id;
  for (const RevisionWindow& w : before) old_by_id[w.id] = &w;
  for (const RevisionWindow& w : after) new_by_id[w.id] = &w;
  std::map<std::string, WindowChange> changes;
  for (const auto& [id, w] : old_by_id) {
    const auto now = new_by_id.find(id);
    if (now == new_by_id.end()) {
      const bool dropped = w->projected && w->status == WindowStatus::estimated;
      changes[id] = {id, {dropped ? ChangeKind::estimate_dropped : ChangeKind::removed}, *w, std::nullopt, false};
      continue;
    }
    bool later = false;
    std::vector<ChangeKind> kinds = kinds_between(*w, *now->second, later);
    if (!kinds.empty()) changes[id] = {id, std::move(kinds), *w, *now->second, later};
  }
  for (const auto& [id, w] : new_by_id) {
    if (!old_by_id.count(id)) changes[id] = {id, {ChangeKind::added}, std::nullopt, *w, false};
  }
  std::vector<WindowChange> out;
  out.reserve(changes.size());
  for (auto& [id, change] : changes) out.push_back(std::move(change));
  return out;
}

std::string describe(const WindowChange& change) {
  std::string line = change.window_id + " 【" + change.either().title + "】 ";
  for (std::size_t i = 0; i < change.kinds.size(); ++i) line += (i ? "; " : "") + detail(change, change.kinds[i]);
  if (change.after && !change.after->source.empty()) {
    const NoticeSource& s = change.after->source;
    line += " (source: " + s.title + ", " + s.issuer + ", " + s.date + (s.url.empty() ? "" : ", " + s.url) + ")";
  }
  return line;
}

}  // namespace deadline
