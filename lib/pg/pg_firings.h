#pragma once
// What the PgStore's firing code shares between reminder firings (pg_firings.cc), notice firings
// (pg_change_notices.cc) and advance_cursor (pg_store_core.cc), as sqlite_firings.h does on
// SQLite. Internal to lib/pg; every call runs inside the caller's transaction.

#include <cstdint>

#include "domain/change_notice.h"
#include "pg/pg_store_support.h"
#include "store/records.h"

namespace deadline::pg {

// Moves the scheduler's cursor to `cursor`, never back.
void set_cursor(PgTransaction& tx, Instant cursor);

// Records a firing covering every endpoint there is now (up to the highest id); its id.
std::int64_t record_firing(PgTransaction& tx, store::FiringKind kind, Instant now, std::int64_t revision_id,
                           std::int64_t base_id);

// The change notices of a notices firing for the endpoints in (outcome.endpoints_from,
// outcome.endpoints_through]: fills messages and superseded.
void notice_chunk(PgTransaction& tx, const FiringRecord& firing, const NoticeDecider& decide, Instant now,
                  ChunkOutcome& outcome);

}  // namespace deadline::pg
