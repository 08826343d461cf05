// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<NoticeOutcome> PgStore::preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return Result<NoticeOutcome>::failure("store: preview_change_notices: not yet on PostgreSQL");
}

Result<NoticeOutcome> PgStore::record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return Result<NoticeOutcome>::failure("store: record_change_notices: not yet on PostgreSQL");
}

Result<NoticeOutcome> PgStore::start_change_notices(std::int64_t id, Instant now) {
  return Result<NoticeOutcome>::failure("store: start_change_notices: not yet on PostgreSQL");
}

}  // namespace deadline::pg
