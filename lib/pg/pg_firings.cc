// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<ChunkOutcome> PgStore::continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) {
  return Result<ChunkOutcome>::failure("store: continue_firing: not yet on PostgreSQL");
}

Result<int> PgStore::record_missed(const std::vector<Trigger>& triggers, Instant now, Instant cursor) {
  return Result<int>::failure("store: record_missed: not yet on PostgreSQL");
}

Result<FireOutcome> PgStore::start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now, Instant cursor) {
  return Result<FireOutcome>::failure("store: start_firing: not yet on PostgreSQL");
}

Result<std::vector<FiringRecord>> PgStore::unfinished_firings() {
  return Result<std::vector<FiringRecord>>::failure("store: unfinished_firings: not yet on PostgreSQL");
}

}  // namespace deadline::pg
