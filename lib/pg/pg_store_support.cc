#include "pg/pg_store_support.h"

#include "domain/state_names.h"

namespace deadline::pg {

using std::int64_t;

namespace {

const char* begin_statement(PgTransaction::Access access) {
  return access == PgTransaction::Access::read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
}

PgResult checked(Result<PgResult> result, const PgConnection& connection) {
  if (!result.ok()) throw PgError(result.error(), connection.last_sqlstate());
  return std::move(result).value();
}

}  // namespace

PgTransaction::PgTransaction(PgConnection& connection, Access access) : connection_(connection) {
  checked(connection_.exec(begin_statement(access)), connection_);
}

PgTransaction::~PgTransaction() {
  // A failed statement has aborted the transaction already; ROLLBACK ends it either way. On a
  // lost connection there is nothing to end: the server rolled it back.
  if (open_ && connection_.alive()) (void)connection_.exec("ROLLBACK");
}

PgResult PgTransaction::exec(std::string_view sql, const std::vector<Param>& params) {
  return checked(connection_.exec(sql, params), connection_);
}

PgResult PgTransaction::prepared(const std::string& sql, const std::vector<Param>& params) {
  return checked(connection_.exec_prepared(sql, params), connection_);
}

void PgTransaction::commit() {
  checked(connection_.exec("COMMIT"), connection_);
  open_ = false;
}

void PgArray::add(int64_t id) {
  if (count_++ > 0) text_ += ',';
  text_ += std::to_string(id);
}

void PgArray::add(const std::string& text) {
  if (count_++ > 0) text_ += ',';
  text_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

store::MessageRecord read_message(const PgResult& r, int row) {
  return {r.text(row, 0),
          r.integer(row, 1),
          store::stored_as(kMessageStates, r.text(row, 2)),
          static_cast<int>(r.integer(row, 3)),
          instant_at(r, row, 4),
          instant_at(r, row, 5),
          instant_at(r, row, 6),
          r.text(row, 7)};
}

const char* const kEndpointColumns =
    "SELECT id, subscriber_id, kind, address, state, coalesce(state_reason, ''), created_at, failing_since, "
    // The latest failed attempt's error, looked up only for an endpoint that is failing.
    "CASE WHEN failing_since IS NULL THEN '' ELSE coalesce((SELECT m.last_error FROM messages m "
    "WHERE m.endpoint_id = endpoints.id AND m.last_error IS NOT NULL ORDER BY m.updated_at DESC LIMIT 1), '') END, "
    // Never the secret itself: only what lets its owner tell which key it is.
    "name, coalesce(right(secret, 4), '') "
    "FROM endpoints";

store::EndpointRecord read_endpoint(PgTransaction& tx, const PgResult& r, int row) {
  store::EndpointRecord e;
  e.id = r.integer(row, 0);
  e.subscriber_id = r.integer(row, 1);
  e.kind = store::stored_as(kEndpointKinds, r.text(row, 2));
  e.address = r.text(row, 3);
  e.state = store::stored_as(kEndpointStates, r.text(row, 4));
  e.state_reason = r.text(row, 5);
  e.created_at = instant_at(r, row, 6);
  e.failing_since = optional_instant_at(r, row, 7);
  e.last_error = r.text(row, 8);
  e.name = r.text(row, 9);
  e.secret_tail = r.text(row, 10);
  e.filters = read_filters(tx, e.id);
  e.leads = read_leads(tx, e.id);
  return e;
}

const char* const kSubscriberColumns = "SELECT id, email, state, token_generation, created_at FROM subscribers";

store::SubscriberRecord read_subscriber(const PgResult& r, int row) {
  store::SubscriberRecord s;
  s.id = r.integer(row, 0);
  s.email = r.optional_text(row, 1);
  s.state = store::stored_as(kSubscriberStates, r.text(row, 2));
  s.token_generation = r.integer(row, 3);
  s.created_at = instant_at(r, row, 4);
  return s;
}

EndpointFilters read_filters(PgTransaction& tx, int64_t endpoint_id) {
  EndpointFilters filters;
  const PgResult r = tx.prepared(
      "SELECT field, value FROM endpoint_filters WHERE endpoint_id = $1 ORDER BY field, value", args(endpoint_id));
  for (int i = 0; i < r.rows(); ++i) store::add_filter_row(filters, r.text(i, 0), r.text(i, 1));
  return filters;
}

std::vector<std::string> read_leads(PgTransaction& tx, int64_t endpoint_id) {
  std::vector<std::string> leads;
  const PgResult r =
      tx.prepared("SELECT lead FROM endpoint_leads WHERE endpoint_id = $1 ORDER BY lead", args(endpoint_id));
  for (int i = 0; i < r.rows(); ++i) leads.push_back(r.text(i, 0));
  return leads;
}

std::map<int64_t, EndpointFilters> read_endpoints_filters(PgTransaction& tx, int64_t from, int64_t through) {
  std::map<int64_t, EndpointFilters> all;
  const PgResult r = tx.prepared(
      "SELECT endpoint_id, field, value FROM endpoint_filters WHERE endpoint_id > $1 AND endpoint_id <= $2 "
      "ORDER BY endpoint_id, field, value",
      args(from, through));
  for (int i = 0; i < r.rows(); ++i) store::add_filter_row(all[r.integer(i, 0)], r.text(i, 1), r.text(i, 2));
  return all;
}

std::map<int64_t, std::vector<std::string>> read_endpoints_leads(PgTransaction& tx, int64_t from, int64_t through) {
  std::map<int64_t, std::vector<std::string>> all;
  const PgResult r = tx.prepared(
      "SELECT endpoint_id, lead FROM endpoint_leads WHERE endpoint_id > $1 AND endpoint_id <= $2 "
      "ORDER BY endpoint_id, lead",
      args(from, through));
  for (int i = 0; i < r.rows(); ++i) all[r.integer(i, 0)].push_back(r.text(i, 1));
  return all;
}

namespace {

// The endpoint's filter and lead rows (its own columns say which fields are in use), two
// statements whatever their number.
void insert_choices(PgTransaction& tx, int64_t id, const EndpointFilters& filters,
                    const std::vector<std::string>& leads) {
  PgArray fields, values, lead_ids;
  for (const store::FilterField& f : store::kFilterFields) {
    for (const std::string& value : filters.*f.values) {
      fields.add(std::string(f.name));
      values.add(value);
    }
  }
  for (const std::string& l : leads) lead_ids.add(l);
  if (!fields.empty()) {
    tx.exec("INSERT INTO endpoint_filters (endpoint_id, field, value) "
            "SELECT $1, f, v FROM unnest($2::text[], $3::text[]) AS t(f, v) ON CONFLICT DO NOTHING",
            args(id, fields, values));
  }
  if (!lead_ids.empty()) {
    tx.exec("INSERT INTO endpoint_leads (endpoint_id, lead) SELECT $1, l FROM unnest($2::text[]) AS t(l) "
            "ON CONFLICT DO NOTHING",
            args(id, lead_ids));
  }
}

}  // namespace

void replace_choices(PgTransaction& tx, int64_t endpoint_id, const EndpointFilters& filters,
                     const std::vector<std::string>& leads) {
  tx.exec("DELETE FROM endpoint_filters WHERE endpoint_id = $1", args(endpoint_id));
  tx.exec("DELETE FROM endpoint_leads WHERE endpoint_id = $1", args(endpoint_id));
  tx.exec("UPDATE endpoints SET filter_fields = $2, all_leads = $3 WHERE id = $1",
          args(endpoint_id, store::filter_fields_of(filters), leads.empty()));
  insert_choices(tx, endpoint_id, filters, leads);
}

int64_t insert_endpoint(PgTransaction& tx, const store::NewEndpoint& endpoint, Instant now) {
  const PgResult r = tx.exec(
      "INSERT INTO endpoints (subscriber_id, kind, address, secret, filter_fields, all_leads, created_at, name) "
      "VALUES ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8) RETURNING id",
      args(endpoint.subscriber_id, to_string(endpoint.kind), endpoint.address, endpoint.secret,
           store::filter_fields_of(endpoint.filters), endpoint.leads.empty(), now, endpoint.name));
  const int64_t id = r.integer(0, 0);
  insert_choices(tx, id, endpoint.filters, endpoint.leads);
  return id;
}

int64_t delete_subscriber(PgTransaction& tx, int64_t id) {
  // Endpoints, their choices, messages, deliveries and notices go with it (ON DELETE CASCADE).
  return tx.exec("DELETE FROM subscribers WHERE id = $1", args(id)).affected();
}

}  // namespace deadline::pg
