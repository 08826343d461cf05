#pragma once
// Revisions and their diffs as JSON, for programs: `deadlinectl diff --json`, the admin API's
// reload answer and history (docs/calendar-format.md, "Revisions and diffs", has the shape).

#include <nlohmann/json.hpp>
#include <vector>

#include "domain/revision.h"

namespace deadline {

// {"id","title","programme","status","opens" (null when not known),"closes","precision",
//  "closes_at" (UTC),"phrase","projected","cap" (null when not capped),
//  "source" (null, or {"title","issuer","date","url" (null when none)})}
nlohmann::json revision_window_json(const RevisionWindow& window);

// {"window","title","kinds":["moved",...],"moved":"later"|"earlier"|null,"before","after"
//  (revision_window_json or null),"text": describe(change)}
nlohmann::json window_change_json(const WindowChange& change);

// The store keeps windows and changes in these forms and reads them back: the inverse of the
// two above (the JSON carries every field). Throws nlohmann::json::exception on a malformed one.
// The store keeps the facts filters match in the window's JSON too ("facts").
RevisionWindow revision_window_from_json(const nlohmann::json& json);
WindowChange window_change_from_json(const nlohmann::json& json);

// {"identical": bool, "changes": [window_change_json, ...]}
nlohmann::json diff_json(const std::vector<WindowChange>& changes);

}  // namespace deadline
