#include "calendar/edition_merge.h"

#include <algorithm>
#include <map>

namespace deadline {

namespace {

void take_windows_from(Programme& older, Programme& newer) {
  for (Window& w : older.written_windows) {
    const bool superseded = std::any_of(
        newer.written_windows.begin(), newer.written_windows.end(),
        [&](const Window& n) { return n.id() == w.id() && n.status == w.status; });
    if (!superseded) newer.written_windows.push_back(std::move(w));
  }
}

void take_windows_from(Policy&, Policy&) {}  // policies have no windows

// Keeps one entry per id, first-seen order; `Entry` is Programme or Policy.
template <class Entry>
std::vector<Entry> merge(std::vector<Entry> entries, const std::vector<Edition>& editions,
                         std::vector<std::string>& errors) {
  std::map<std::string, int> year_of;
  for (const Edition& e : editions) year_of[e.id] = e.year;

  std::vector<Entry> merged;
  std::map<std::string, std::size_t> index;  // id → position in merged
  for (Entry& entry : entries) {
    const auto [it, inserted] = index.emplace(entry.id, merged.size());
    if (inserted) {
      merged.push_back(std::move(entry));
      continue;
    }
    Entry& kept = merged[it->second];
    const int kept_year = year_of[kept.edition_id], year = year_of[entry.edition_id];
    if (kept_year == year) {
      errors.push_back(entry.source.str() + ": id '" + entry.id + "' is also defined at " +
                       kept.source.str() + " by an edition of the same year");
    } else if (year > kept_year) {
      take_windows_from(kept, entry);
      kept = std::move(entry);
    } else {
      take_windows_from(entry, kept);
    }
  }
  return merged;
}

}  // namespace

std::vector<Programme> merge_programmes(std::vector<Programme> programmes,
                                        const std::vector<Edition>& editions,
                                        std::vector<std::string>& errors) {
  return merge(std::move(programmes), editions, errors);
}

std::vector<Policy> merge_policies(std::vector<Policy> policies, const std::vector<Edition>& editions,
                                   std::vector<std::string>& errors) {
  return merge(std::move(policies), editions, errors);
}

}  // namespace deadline
