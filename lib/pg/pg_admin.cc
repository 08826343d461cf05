// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<std::optional<std::int64_t>> PgStore::disable_endpoint(std::int64_t id, const std::string& reason, Instant now) {
  return Result<std::optional<std::int64_t>>::failure("store: disable_endpoint: not yet on PostgreSQL");
}

Result<std::map<EndpointState, std::int64_t>> PgStore::endpoint_counts() {
  return Result<std::map<EndpointState, std::int64_t>>::failure("store: endpoint_counts: not yet on PostgreSQL");
}

Result<std::optional<MessageRecord>> PgStore::find_message(const std::string& id) {
  return Result<std::optional<MessageRecord>>::failure("store: find_message: not yet on PostgreSQL");
}

Result<bool> PgStore::replay_message(const std::string& id, Instant now) {
  return Result<bool>::failure("store: replay_message: not yet on PostgreSQL");
}

Result<std::vector<EndpointRecord>> PgStore::search_endpoints(std::optional<std::int64_t> subscriber_id, std::optional<EndpointState> state, std::int64_t after_id, int limit) {
  return Result<std::vector<EndpointRecord>>::failure("store: search_endpoints: not yet on PostgreSQL");
}

Result<std::vector<SubscriberRecord>> PgStore::search_subscribers(const std::string& email_substring, std::optional<SubscriberState> state, std::int64_t after_id, int limit) {
  return Result<std::vector<SubscriberRecord>>::failure("store: search_subscribers: not yet on PostgreSQL");
}

Result<std::map<SubscriberState, std::int64_t>> PgStore::subscriber_counts() {
  return Result<std::map<SubscriberState, std::int64_t>>::failure("store: subscriber_counts: not yet on PostgreSQL");
}

}  // namespace deadline::pg
