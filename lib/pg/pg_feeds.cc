// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<FeedSync> PgStore::sync_feed_events(const std::vector<FeedEventDigest>& events, Instant now) {
  return Result<FeedSync>::failure("store: sync_feed_events: not yet on PostgreSQL");
}

}  // namespace deadline::pg
