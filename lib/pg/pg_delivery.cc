// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<std::vector<OutboundMessage>> PgStore::claim_ready(Instant now, const std::vector<EndpointKind>& kinds, int limit, int per_endpoint) {
  return Result<std::vector<OutboundMessage>>::failure("store: claim_ready: not yet on PostgreSQL");
}

Status PgStore::mark_notices_sent(const std::vector<std::int64_t>& ids, Instant now) {
  return Status::failure("store: mark_notices_sent: not yet on PostgreSQL");
}

Result<std::vector<PendingNotice>> PgStore::pending_notices(int limit) {
  return Result<std::vector<PendingNotice>>::failure("store: pending_notices: not yet on PostgreSQL");
}

Result<std::vector<std::int64_t>> PgStore::record_attempts(const std::vector<AttemptResult>& results, Instant now, const EndpointHealthPolicy& policy) {
  return Result<std::vector<std::int64_t>>::failure("store: record_attempts: not yet on PostgreSQL");
}

Result<BounceOutcome> PgStore::record_bounce(const Bounce& bounce, Instant now, const EndpointHealthPolicy& policy) {
  return Result<BounceOutcome>::failure("store: record_bounce: not yet on PostgreSQL");
}

Status PgStore::release_claims(const std::vector<std::string>& ids, Instant now) {
  return Status::failure("store: release_claims: not yet on PostgreSQL");
}

Result<std::int64_t> PgStore::requeue_interrupted(Instant now) {
  return Result<std::int64_t>::failure("store: requeue_interrupted: not yet on PostgreSQL");
}

}  // namespace deadline::pg
