// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<OutboxMetrics> PgStore::outbox_metrics() {
  return Result<OutboxMetrics>::failure("store: outbox_metrics: not yet on PostgreSQL");
}

}  // namespace deadline::pg
