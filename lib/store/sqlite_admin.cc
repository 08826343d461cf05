// SqliteStore: what the admin API needs beyond the other files' methods (docs/http-api.md,
// "Admin API"): searches, an operator's disable, replaying one message, counts by state.

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using std::int64_t;

template <class Enum, std::size_t N>
std::map<Enum, int64_t> counts_by_state(SQLite::Database& db, const char* table, const StateNames<Enum, N>& names) {
  SQLite::Statement q(db, std::string("SELECT state, count(*) FROM ") + table + " GROUP BY state");
  std::map<Enum, int64_t> counts;
  while (q.executeStep()) counts[stored_as(names, q.getColumn(0).getString())] = q.getColumn(1).getInt64();
  return counts;
}

}  // namespace

Result<std::vector<SubscriberRecord>> SqliteStore::search_subscribers(const std::string& email_substring,
                                                                      std::optional<SubscriberState> state,
                                                                      int64_t after_id, int limit) {
  using R = Result<std::vector<SubscriberRecord>>;
  return guarded("searching subscribers", [&] {
    // lower() folds ASCII letters only, as email_hash does.
    SQLite::Statement q(database(),
                        "SELECT id, email, state, token_generation, created_at FROM subscribers "
                        "WHERE (?1 = '' OR instr(lower(email), lower(?1)) > 0) AND (?2 = '' OR state = ?2) "
                        "AND id > ?3 ORDER BY id LIMIT ?4");
    q.bind(1, email_substring);
    q.bind(2, state_filter(state));
    q.bind(3, after_id);
    q.bind(4, limit);
    std::vector<SubscriberRecord> found;
    while (q.executeStep()) {
      SubscriberRecord& s = found.emplace_back();
      s.id = q.getColumn(0).getInt64();
      if (!q.getColumn(1).isNull()) s.email = q.getColumn(1).getString();
      s.state = stored_as(kSubscriberStates, q.getColumn(2).getString());
      s.token_generation = q.getColumn(3).getInt64();
      s.created_at = instant(q.getColumn(4).getInt64());
    }
    return R::success(std::move(found));
  });
}

Result<std::vector<EndpointRecord>> SqliteStore::search_endpoints(std::optional<int64_t> subscriber_id,
                                                                  std::optional<EndpointState> state,
                                                                  int64_t after_id, int limit) {
  using R = Result<std::vector<EndpointRecord>>;
  return guarded("searching endpoints", [&] {
    SQLite::Statement q(database(),
                        "SELECT id FROM endpoints WHERE (?1 IS NULL OR subscriber_id = ?1) AND (?2 = '' OR state = ?2) "
                        "AND id > ?3 ORDER BY id LIMIT ?4");
    if (subscriber_id) q.bind(1, *subscriber_id);
    q.bind(2, state_filter(state));
    q.bind(3, after_id);
    q.bind(4, limit);
    std::vector<int64_t> ids;
    while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
    // One reader for an endpoint's filters and leads: find_endpoint's (one transaction is not
    // needed: the store thread is the only writer in this process).
    std::vector<EndpointRecord> found;
    found.reserve(ids.size());
    for (const int64_t id : ids) {
      auto endpoint = find_endpoint(id);
      if (!endpoint) return R::failure(endpoint.error());
      if (*endpoint) found.push_back(std::move(**endpoint));
    }
    return R::success(std::move(found));
  });
}

Result<std::optional<int64_t>> SqliteStore::disable_endpoint(int64_t id, const std::string& reason, Instant now) {
  using R = Result<std::optional<int64_t>>;
  return guarded("disabling an endpoint", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement disable(db,
                              "UPDATE endpoints SET state = 'disabled', state_reason = ?2 "
                              "WHERE id = ?1 AND state IN ('active', 'needs_attention')");
    disable.bind(1, id);
    disable.bind(2, reason);
    if (disable.exec() == 0) return R::success(std::nullopt);
    SQLite::Statement notice(db,
                             "INSERT INTO endpoint_notices (endpoint_id, what, reason, created_at) "
                             "VALUES (?1, 'disabled', ?2, ?3)");
    notice.bind(1, id);
    notice.bind(2, reason);
    notice.bind(3, seconds(now));
    notice.exec();
    SQLite::Statement expire(db, kExpireUnsentOfDisabledSql);
    expire.bind(1, id);
    expire.bind(2, seconds(now));
    const int64_t expired = expire.exec();
    transaction.commit();
    return R::success(expired);
  });
}

Result<std::optional<MessageRecord>> SqliteStore::find_message(const std::string& id) {
  using R = Result<std::optional<MessageRecord>>;
  return guarded("reading a message", [&] {
    SQLite::Statement q(database(), std::string(kMessageColumns) + " WHERE id = ?1");
    q.bind(1, id);
    std::optional<MessageRecord> found;
    if (q.executeStep()) found = read_message(q);
    return R::success(std::move(found));
  });
}

Result<bool> SqliteStore::replay_message(const std::string& id, Instant now) {
  return guarded("replaying a message", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(db,
                        "UPDATE messages SET state = 'retry', next_attempt_at = ?2, attempts = 0, updated_at = ?2 "
                        "WHERE id = ?1 AND state IN ('dead', 'expired') AND expires_at > ?2 "
                        "AND endpoint_id IN (SELECT id FROM endpoints WHERE state = 'active')");
    q.bind(1, id);
    q.bind(2, seconds(now));
    const bool replayed = q.exec() > 0;
    transaction.commit();
    return Result<bool>::success(replayed);
  });
}

Result<std::map<SubscriberState, int64_t>> SqliteStore::subscriber_counts() {
  return guarded("counting subscribers", [&] {
    return Result<std::map<SubscriberState, int64_t>>::success(
        counts_by_state(database(), "subscribers", kSubscriberStates));
  });
}

Result<std::map<EndpointState, int64_t>> SqliteStore::endpoint_counts() {
  return guarded("counting endpoints", [&] {
    return Result<std::map<EndpointState, int64_t>>::success(counts_by_state(database(), "endpoints", kEndpointStates));
  });
}

}  // namespace deadline::store
