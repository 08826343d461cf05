#pragma once
// What the SqliteStore's firing code shares between reminder firings (sqlite_firings.cc) and
// notice firings (sqlite_change_notices.cc). Internal to lib/store; every call runs inside the
// caller's transaction.

#include <cstdint>

#include <SQLiteCpp/Database.h>

#include "domain/change_notice.h"
#include "store/records.h"

namespace deadline::store {

// Moves the scheduler's cursor to `cursor`, never back.
void set_cursor(SQLite::Database& db, Instant cursor);

// Records a firing covering every endpoint there is now (up to the highest id); its id.
std::int64_t record_firing(SQLite::Database& db, FiringKind kind, Instant now, std::int64_t revision_id,
                           std::int64_t base_id);

// The change notices of a notices firing for the endpoints in (outcome.endpoints_from,
// outcome.endpoints_through]: fills messages and superseded.
void notice_chunk(SQLite::Database& db, const FiringRecord& firing, const NoticeDecider& decide, Instant now,
                  ChunkOutcome& outcome);

}  // namespace deadline::store
