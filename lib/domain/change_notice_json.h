#pragma once
// A change notice as the store keeps it with its message and reads it back to render:
// {"window","kinds":[...],"reopened","previous","current" (revision_window_json or null),
//  "overdue_lead" ("" when none)}.

#include <nlohmann/json.hpp>

#include "domain/change_notice.h"

namespace deadline {

nlohmann::json told_change_json(const ToldChange& change);
// The inverse; throws nlohmann::json::exception on a malformed one.
ToldChange told_change_from_json(const nlohmann::json& json);

}  // namespace deadline
