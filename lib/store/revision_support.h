#pragma once
// What both store backends do alike when they keep calendar revisions (store/revision_store.h;
// SQLite: sqlite_revisions.cc, PostgreSQL: lib/pg/pg_revisions.cc): composing a new revision,
// the reasons a staged one is closed with, and the files kept as JSON. Nothing here knows a
// database library.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/calendar_file.h"
#include "domain/revision.h"
#include "store/revision_store.h"
#include "time/instant.h"

namespace deadline::store {

// The windows in the order they are stored and compared: by id.
std::vector<RevisionWindow> windows_by_id(std::vector<RevisionWindow> windows);

// Whether any of `changes` is one people must be told of (domain/change_notice.h): such a
// revision is staged when there is a stage delay, and its notices are still to be recorded.
bool tells_of_changes(const std::vector<WindowChange>& changes);

// The latest close among `windows`, never before `now`: a revision is kept until then (retention).
Instant last_close_of(const std::vector<RevisionWindow>& windows, Instant now);

// Fills `r` (whose changes from released revision `released_id`, 0 for none, are already set)
// as record_revision stores `n`: a baseline when nothing was released, staged for n.stage_for
// when a change must be told, else released at once. The id is the store's.
void compose_new_revision(RevisionRecord& r, const NewRevision& n, std::int64_t released_id, Instant now);

// Why a staged revision was set aside: the files went back to the released revision, or a newer
// revision replaced it.
std::string back_to_released_reason(std::int64_t released_id);
std::string replaced_by_reason(std::int64_t new_id);

// The staged revision `id` (found: `found`) for a release or a drop, or why it cannot be.
Result<RevisionRecord> staged_for_decision(const std::optional<RevisionRecord>& found, std::int64_t id);

// A revision's files as calendar_sources.files keeps them: [{"name","text"}, ...], and back.
std::string calendar_files_json(const CalendarFiles& files);
CalendarFiles calendar_files_from_json(const std::string& text);

}  // namespace deadline::store
