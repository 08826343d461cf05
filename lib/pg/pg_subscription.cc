// PgStore: not yet ported from SQLite (the matching lib/store/sqlite_*.cc).

#include "pg/pg_store_support.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until ported

namespace deadline::pg {

Result<OwnEndpointAdded> PgStore::add_own_endpoint(std::int64_t generation, const NewEndpoint& endpoint, Instant now) {
  return Result<OwnEndpointAdded>::failure("store: add_own_endpoint: not yet on PostgreSQL");
}

Result<ConfirmOutcome> PgStore::confirm_subscription(std::int64_t subscriber_id, std::int64_t generation, Instant now) {
  return Result<ConfirmOutcome>::failure("store: confirm_subscription: not yet on PostgreSQL");
}

Result<OwnEndpointChange> PgStore::erase_subscription(std::int64_t subscriber_id, std::int64_t generation) {
  return Result<OwnEndpointChange>::failure("store: erase_subscription: not yet on PostgreSQL");
}

Result<std::string> PgStore::queue_test_message(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id, const std::string& window_id, Instant closes, Instant now) {
  return Result<std::string>::failure("store: queue_test_message: not yet on PostgreSQL");
}

Result<std::int64_t> PgStore::reenable_endpoint(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id, Instant now) {
  return Result<std::int64_t>::failure("store: reenable_endpoint: not yet on PostgreSQL");
}

Result<OwnEndpointChange> PgStore::remove_own_endpoint(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id) {
  return Result<OwnEndpointChange>::failure("store: remove_own_endpoint: not yet on PostgreSQL");
}

Result<OwnEndpointChange> PgStore::rename_own_endpoint(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id, const std::string& name) {
  return Result<OwnEndpointChange>::failure("store: rename_own_endpoint: not yet on PostgreSQL");
}

Result<SubscribeOutcome> PgStore::request_subscription(const SubscribeRequest& request, Instant now, const ConfirmationMailPolicy& policy) {
  return Result<SubscribeOutcome>::failure("store: request_subscription: not yet on PostgreSQL");
}

Status PgStore::set_email_choices(std::int64_t subscriber_id, std::int64_t generation, const EndpointFilters& filters, const std::vector<std::string>& leads) {
  return Status::failure("store: set_email_choices: not yet on PostgreSQL");
}

Result<OwnEndpointChange> PgStore::set_own_endpoint_choices(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id, const EndpointFilters& filters, const std::vector<std::string>& leads) {
  return Result<OwnEndpointChange>::failure("store: set_own_endpoint_choices: not yet on PostgreSQL");
}

Result<std::vector<AccountMail>> PgStore::take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) {
  return Result<std::vector<AccountMail>>::failure("store: take_due_account_mails: not yet on PostgreSQL");
}

}  // namespace deadline::pg
