// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<std::int64_t> PgStore::add_endpoint(const NewEndpoint& endpoint, Instant now) {
  return Result<std::int64_t>::failure("store: add_endpoint: not yet on PostgreSQL");
}

Result<std::int64_t> PgStore::add_subscriber(const std::string& email, SubscriberState state, Instant now) {
  return Result<std::int64_t>::failure("store: add_subscriber: not yet on PostgreSQL");
}

Status PgStore::advance_cursor(Instant to) {
  return Status::failure("store: advance_cursor: not yet on PostgreSQL");
}

Result<std::optional<Instant>> PgStore::cursor() {
  return Result<std::optional<Instant>>::failure("store: cursor: not yet on PostgreSQL");
}

Result<std::int64_t> PgStore::expire_closed(Instant now) {
  return Result<std::int64_t>::failure("store: expire_closed: not yet on PostgreSQL");
}

Result<std::optional<EndpointRecord>> PgStore::find_endpoint(std::int64_t id) {
  return Result<std::optional<EndpointRecord>>::failure("store: find_endpoint: not yet on PostgreSQL");
}

Result<std::optional<SubscriberRecord>> PgStore::find_subscriber(std::int64_t id) {
  return Result<std::optional<SubscriberRecord>>::failure("store: find_subscriber: not yet on PostgreSQL");
}

Status PgStore::finish_secret_rotation(std::int64_t id) {
  return Status::failure("store: finish_secret_rotation: not yet on PostgreSQL");
}

Result<std::vector<MessageRecord>> PgStore::list_messages(std::optional<MessageState> state, int limit) {
  return Result<std::vector<MessageRecord>>::failure("store: list_messages: not yet on PostgreSQL");
}

Result<std::optional<Subscription>> PgStore::load_subscription(std::int64_t subscriber_id, std::int64_t generation) {
  return Result<std::optional<Subscription>>::failure("store: load_subscription: not yet on PostgreSQL");
}

Result<MessageCounts> PgStore::message_counts() {
  return Result<MessageCounts>::failure("store: message_counts: not yet on PostgreSQL");
}

Result<PurgeOutcome> PgStore::purge(Instant now, const RetentionPolicy& policy) {
  return Result<PurgeOutcome>::failure("store: purge: not yet on PostgreSQL");
}

Status PgStore::remove_endpoint(std::int64_t id) {
  return Status::failure("store: remove_endpoint: not yet on PostgreSQL");
}

Status PgStore::remove_subscriber(std::int64_t id) {
  return Status::failure("store: remove_subscriber: not yet on PostgreSQL");
}

Status PgStore::start_secret_rotation(std::int64_t id, const std::string& new_secret) {
  return Status::failure("store: start_secret_rotation: not yet on PostgreSQL");
}

Result<std::int64_t> PgStore::trigger_count(TriggerOutcome outcome) {
  return Result<std::int64_t>::failure("store: trigger_count: not yet on PostgreSQL");
}

Status PgStore::unsubscribe(std::int64_t subscriber_id, Instant now) {
  return Status::failure("store: unsubscribe: not yet on PostgreSQL");
}

}  // namespace deadline::pg
