// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<RevisionRecord> PgStore::drop_revision(std::int64_t id, const std::string& reason, Instant now) {
  return Result<RevisionRecord>::failure("store: drop_revision: not yet on PostgreSQL");
}

Result<RevisionOutcome> PgStore::record_revision(const NewRevision& revision, Instant now) {
  return Result<RevisionOutcome>::failure("store: record_revision: not yet on PostgreSQL");
}

Result<RevisionRecord> PgStore::release_revision(std::int64_t id, Instant now) {
  return Result<RevisionRecord>::failure("store: release_revision: not yet on PostgreSQL");
}

Result<std::vector<RevisionRecord>> PgStore::revision_history(const std::string& programme, int limit) {
  return Result<std::vector<RevisionRecord>>::failure("store: revision_history: not yet on PostgreSQL");
}

Result<std::optional<RevisionSources>> PgStore::revision_sources(std::int64_t id) {
  return Result<std::optional<RevisionSources>>::failure("store: revision_sources: not yet on PostgreSQL");
}

Result<std::vector<AwaitingNotices>> PgStore::revisions_awaiting_notices() {
  return Result<std::vector<AwaitingNotices>>::failure("store: revisions_awaiting_notices: not yet on PostgreSQL");
}

Result<std::optional<RevisionRecord>> PgStore::staged_revision() {
  return Result<std::optional<RevisionRecord>>::failure("store: staged_revision: not yet on PostgreSQL");
}

}  // namespace deadline::pg
