// PgStore: what the admin API needs beyond the other files' methods (docs/http-api.md,
// "Admin API"): searches, an operator's disable, replaying one message, counts by state; as
// SqliteStore's (store/sqlite_admin.cc).

#include "pg/pg_store_support.h"

namespace deadline::pg {

namespace {

using std::int64_t;

template <class Enum, std::size_t N>
std::map<Enum, int64_t> pg_counts_by_state(PgTransaction& tx, const char* table, const StateNames<Enum, N>& names) {
  const PgResult r = tx.exec(std::string("SELECT state, count(*) FROM ") + table + " GROUP BY state");
  std::map<Enum, int64_t> counts;
  for (int i = 0; i < r.rows(); ++i) counts[store::stored_as(names, r.text(i, 0))] = r.integer(i, 1);
  return counts;
}

// `sql` with ASCII letters lowered and no others, as SQLite's lower() and email_hash do:
// PostgreSQL's lower() follows the database's locale, which may fold other letters too.
std::string pg_ascii_lower(const std::string& sql) {
  return "translate(" + sql + ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";
}

}  // namespace

Result<std::vector<SubscriberRecord>> PgStore::search_subscribers(const std::string& email_substring,
                                                                  std::optional<SubscriberState> state,
                                                                  int64_t after_id, int limit) {
  using R = Result<std::vector<SubscriberRecord>>;
  return transact(*this, "searching subscribers", [&](PgTransaction& tx) {
    // A plain substring (strpos, not LIKE: no wildcards to escape), ASCII letters in either case.
    const PgResult r =
        tx.exec(std::string(kSubscriberColumns) + " WHERE ($1::text = '' OR strpos(" + pg_ascii_lower("email") +
                    ", " + pg_ascii_lower("$1::text") + ") > 0) AND ($2::text = '' OR state = $2) " +
                    "AND id > $3 ORDER BY id LIMIT $4",
                args(email_substring, store::state_filter(state), after_id, limit));
    std::vector<SubscriberRecord> found;
    for (int i = 0; i < r.rows(); ++i) found.push_back(read_subscriber(r, i));
    tx.commit();
    return R::success(std::move(found));
  });
}

Result<std::vector<EndpointRecord>> PgStore::search_endpoints(std::optional<int64_t> subscriber_id,
                                                              std::optional<EndpointState> state, int64_t after_id,
                                                              int limit) {
  using R = Result<std::vector<EndpointRecord>>;
  return transact(
      *this, "searching endpoints",
      [&](PgTransaction& tx) {
        // The endpoints with find_endpoint's reader (read_endpoint: its filters and leads too), in
        // the same snapshot as the search.
        const PgResult r = tx.exec(std::string(kEndpointColumns) +
                                       " WHERE ($1::bigint IS NULL OR subscriber_id = $1::bigint) "
                                       "AND ($2::text = '' OR state = $2) AND id > $3 ORDER BY id LIMIT $4",
                                   args(subscriber_id, store::state_filter(state), after_id, limit));
        std::vector<EndpointRecord> found;
        found.reserve(static_cast<std::size_t>(r.rows()));
        for (int i = 0; i < r.rows(); ++i) found.push_back(read_endpoint(tx, r, i));
        tx.commit();
        return R::success(std::move(found));
      },
      PgTransaction::Access::read_only);
}

Result<std::optional<int64_t>> PgStore::disable_endpoint(int64_t id, const std::string& reason, Instant now) {
  using R = Result<std::optional<int64_t>>;
  return transact(*this, "disabling an endpoint", [&](PgTransaction& tx) {
    const PgResult disabled = tx.exec(
        "UPDATE endpoints SET state = 'disabled', state_reason = $2 WHERE id = $1 AND state IN ('active', 'needs_attention')",
        args(id, reason));
    if (disabled.affected() == 0) return R::success(std::nullopt);
    tx.exec("INSERT INTO endpoint_notices (endpoint_id, what, reason, created_at) VALUES ($1, 'disabled', $2, $3)",
            args(id, reason, now));
    const int64_t expired = tx.exec(kExpireUnsentOfDisabledSql, args(id, now)).affected();
    tx.commit();
    return R::success(expired);
  });
}

Result<std::optional<MessageRecord>> PgStore::find_message(const std::string& id) {
  using R = Result<std::optional<MessageRecord>>;
  return transact(*this, "reading a message", [&](PgTransaction& tx) {
    const PgResult r = tx.exec(std::string(kMessageColumns) + " WHERE id = $1", args(id));
    std::optional<MessageRecord> found;
    if (r.rows() > 0) found = read_message(r, 0);
    tx.commit();
    return R::success(std::move(found));
  });
}

Result<bool> PgStore::replay_message(const std::string& id, Instant now) {
  return transact(*this, "replaying a message", [&](PgTransaction& tx) {
    const bool replayed =
        tx.exec("UPDATE messages SET state = 'retry', next_attempt_at = $2, attempts = 0, updated_at = $2 "
                "WHERE id = $1 AND state IN ('dead', 'expired') AND expires_at > $2 "
                "AND endpoint_id IN (SELECT id FROM endpoints WHERE state = 'active')",
                args(id, now))
            .affected() > 0;
    tx.commit();
    return Result<bool>::success(replayed);
  });
}

Result<std::map<SubscriberState, int64_t>> PgStore::subscriber_counts() {
  return transact(*this, "counting subscribers", [&](PgTransaction& tx) {
    auto counts = pg_counts_by_state(tx, "subscribers", kSubscriberStates);
    tx.commit();
    return Result<std::map<SubscriberState, int64_t>>::success(std::move(counts));
  });
}

Result<std::map<EndpointState, int64_t>> PgStore::endpoint_counts() {
  return transact(*this, "counting endpoints", [&](PgTransaction& tx) {
    auto counts = pg_counts_by_state(tx, "endpoints", kEndpointStates);
    tx.commit();
    return Result<std::map<EndpointState, int64_t>>::success(std::move(counts));
  });
}

}  // namespace deadline::pg
