#include "store/revision_support.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/change_notice.h"

namespace deadline::store {

std::vector<RevisionWindow> windows_by_id(std::vector<RevisionWindow> windows) {
  std::sort(windows.begin(), windows.end(), [](const RevisionWindow& a, const RevisionWindow& b) { return a.id < b.id; });
  return windows;
}

bool tells_of_changes(const std::vector<WindowChange>& changes) {
  return std::any_of(changes.begin(), changes.end(), [](const WindowChange& c) { return is_notice_worthy(c); });
}

Instant last_close_of(const std::vector<RevisionWindow>& windows, Instant now) {
  Instant last_close = now;
  for (const RevisionWindow& w : windows) last_close = std::max(last_close, w.closes_at);
  return last_close;
}

void compose_new_revision(RevisionRecord& r, const NewRevision& n, std::int64_t released_id, Instant now) {
  r.calendar_revision = n.calendar_revision;
  r.recorded_at = now;
  r.cause = n.cause;
  r.reason = n.reason;
  r.baseline = released_id == 0;
  r.base_id = released_id;
  if (tells_of_changes(r.changes) && n.stage_for.count() > 0) {
    r.state = RevisionState::staged;
    r.release_at = now + n.stage_for;
  } else {
    r.state = RevisionState::released;
    r.released_at = now;
  }
}

std::string back_to_released_reason(std::int64_t released_id) {
  return "the files are back to revision #" + std::to_string(released_id);
}

std::string replaced_by_reason(std::int64_t new_id) { return "replaced by revision #" + std::to_string(new_id); }

Result<RevisionRecord> staged_for_decision(const std::optional<RevisionRecord>& found, std::int64_t id) {
  if (!found) return Result<RevisionRecord>::failure("no calendar revision #" + std::to_string(id));
  if (found->state != RevisionState::staged) {
    return Result<RevisionRecord>::failure("calendar revision #" + std::to_string(id) + " is " +
                                           std::string(to_string(found->state)) + ", not staged");
  }
  return Result<RevisionRecord>::success(*found);
}

std::string calendar_files_json(const CalendarFiles& files) {
  nlohmann::json all = nlohmann::json::array();
  for (const CalendarFile& f : files) all.push_back({{"name", f.name}, {"text", f.text}});
  return all.dump();
}

CalendarFiles calendar_files_from_json(const std::string& text) {
  CalendarFiles files;
  for (const nlohmann::json& f : nlohmann::json::parse(text)) {
    files.push_back({f.at("name").get<std::string>(), f.at("text").get<std::string>()});
  }
  return files;
}

}  // namespace deadline::store
