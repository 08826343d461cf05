#pragma once
// What the PgStore's source files share (internal to lib/pg): the transaction every store call
// runs in, parameters, and the reads and writes several calls make. The SQL mirrors SqliteStore's
// (lib/store/sqlite_*.cc) statement for statement, in PostgreSQL's dialect: $1 for ?1,
// `= ANY($1::bigint[])` for json_each, ON CONFLICT for INSERT OR IGNORE, RETURNING for
// last_insert_rowid.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "domain/endpoint.h"
#include "pg/pg_connection.h"
#include "pg/pg_store.h"
#include "store/records.h"
#include "store/store_support.h"
#include "time/instant.h"

namespace deadline::pg {

using store::instant;
using store::seconds;

// A failed statement inside a store call: thrown by PgTransaction, caught by PgStore's
// transact(), which rolls back and returns the message as the call's failure.
class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  // e.g. "23505" (unique_violation), "40001" (serialization_failure); empty when the connection broke.
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// One transaction on `connection`: BEGIN when made, ROLLBACK when it goes uncommitted. Every
// store call is one, so a crash or a lost connection leaves all of a call's effect or none.
class PgTransaction {
 public:
  enum class Access {
    read_write,  // READ COMMITTED: one daemon writes (the owner lock), so no write skew to guard
    read_only,   // REPEATABLE READ, READ ONLY: several reads that see one snapshot
  };
  explicit PgTransaction(PgConnection& connection, Access access = Access::read_write);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  // A statement; throws PgError on failure.
  PgResult exec(std::string_view sql, const std::vector<Param>& params = {});
  // The same, prepared once per connection (PgConnection::exec_prepared): for hot paths.
  PgResult prepared(const std::string& sql, const std::vector<Param>& params = {});
  void commit();
  PgConnection& connection() { return connection_; }

 private:
  PgConnection& connection_;
  bool open_ = true;
};

// Runs `body(PgTransaction&)` as one store call, the way guarded() does on SQLite: any exception
// (a failed statement, a lost connection) rolls the transaction back and becomes a failed
// Result naming `operation`; "store unavailable" leads the message when the server could not be
// reached (store::store_unavailable). The body commits; a body that returns without committing
// (a refusal) leaves nothing behind. A transaction that cannot even begin because the connection
// was lost since the last call is begun once more on a new connection: nothing of it has run.
template <class F>
auto transact(PgStore& store, const char* operation, F&& body,
              PgTransaction::Access access = PgTransaction::Access::read_write)
    -> decltype(body(std::declval<PgTransaction&>())) {
  using R = decltype(body(std::declval<PgTransaction&>()));
  try {
    std::optional<PgTransaction> tx;
    try {
      tx.emplace(store.connection_for_call(), access);
    } catch (const PgError&) {
      if (!store.connection_lost()) throw;
      tx.emplace(store.connection_for_call(), access);
    }
    R result = body(*tx);
    store.note_reachable(true);
    return result;
  } catch (const std::exception& e) {
    const bool lost = store.connection_lost();
    if (lost) store.note_reachable(false);
    return R::failure(store::failure_message(operation, e.what(), lost));
  }
}

// Parameters, as text PostgreSQL converts: args(id, now, "text", std::nullopt).
inline Param arg(std::int64_t v) { return std::to_string(v); }
inline Param arg(int v) { return std::to_string(v); }
inline Param arg(bool v) { return std::string(v ? "1" : "0"); }  // flags are 0/1 integers, as on SQLite
inline Param arg(Instant at) { return std::to_string(seconds(at)); }
inline Param arg(std::string v) { return v; }
inline Param arg(std::string_view v) { return std::string(v); }
inline Param arg(const char* v) { return std::string(v); }
inline Param arg(std::nullopt_t) { return std::nullopt; }
template <class T>
Param arg(const std::optional<T>& v) {
  return v ? arg(*v) : Param{};
}
template <class... A>
std::vector<Param> args(const A&... values) {
  return {arg(values)...};
}

// An array parameter in PostgreSQL's text form, for `= ANY($1::bigint[])` or `$1::text[]`: one
// statement for a whole batch instead of one per row (SQLite's JsonIdList).
class PgArray {
 public:
  void add(std::int64_t id);
  void add(const std::string& text);  // quoted and escaped: any text
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  std::string text() const { return "{" + text_ + "}"; }

 private:
  std::string text_;
  std::size_t count_ = 0;
};
inline Param arg(const PgArray& array) { return array.text(); }

// A row's column read as an Instant (Unix seconds), or nullopt for NULL.
inline Instant instant_at(const PgResult& r, int row, int column) { return instant(r.integer(row, column)); }
inline std::optional<Instant> optional_instant_at(const PgResult& r, int row, int column) {
  if (r.is_null(row, column)) return std::nullopt;
  return instant_at(r, row, column);
}

// A new message's id as SQL: 32 hex digits, the first 8 the statement's second, the other 24
// random (96 bits: unguessable and unique), as on SQLite (kNewMessageIdSql). gen_random_uuid()
// draws from the server's strong random source; the first 12 and the last 12 hex digits of a
// version-4 UUID are random (its fixed bits are in digits 13 and 17). Two calls, not one in a
// subquery: an uncorrelated subquery runs once per statement, and every row of an
// INSERT … SELECT would get the same id.
inline constexpr const char* kNewMessageIdSql =
    "(lpad(to_hex(floor(extract(epoch FROM statement_timestamp()))::bigint), 8, '0') || "
    "left(replace(gen_random_uuid()::text, '-', ''), 12) || right(replace(gen_random_uuid()::text, '-', ''), 12))";

// A disabled endpoint's unsent messages expire, marked so that reenable_endpoint finds them to
// replay: $1 the endpoint, $2 now (as kExpireUnsentOfDisabledSql on SQLite).
inline constexpr const char* kExpireUnsentOfDisabledSql =
    "UPDATE messages SET state = 'expired', updated_at = $2, last_error = 'endpoint disabled' "
    "WHERE endpoint_id = $1 AND state IN ('pending', 'retry')";

// The columns read_message reads, and a MessageRecord from a row of them.
inline constexpr const char* kMessageColumns =
    "SELECT id, endpoint_id, state, attempts, due_at, next_attempt_at, updated_at, coalesce(last_error, '') "
    "FROM messages";
store::MessageRecord read_message(const PgResult& r, int row);

// The columns read_endpoint reads (never the secret itself: only its last four characters), and
// an EndpointRecord from a row of them, with its filters and leads.
extern const char* const kEndpointColumns;
store::EndpointRecord read_endpoint(PgTransaction& tx, const PgResult& r, int row);

extern const char* const kSubscriberColumns;
store::SubscriberRecord read_subscriber(const PgResult& r, int row);

// An endpoint's filters and chosen lead ids (empty: every lead), as stored.
EndpointFilters read_filters(PgTransaction& tx, std::int64_t endpoint_id);
std::vector<std::string> read_leads(PgTransaction& tx, std::int64_t endpoint_id);
// The same for the endpoints with ids in (from, through] at once, by endpoint id (only those with
// any): for a pass over many endpoints.
std::map<std::int64_t, EndpointFilters> read_endpoints_filters(PgTransaction& tx, std::int64_t from,
                                                               std::int64_t through);
std::map<std::int64_t, std::vector<std::string>> read_endpoints_leads(PgTransaction& tx, std::int64_t from,
                                                                      std::int64_t through);

// Inserts an endpoint with its filters and leads; its id.
std::int64_t insert_endpoint(PgTransaction& tx, const store::NewEndpoint& endpoint, Instant now);
// Replaces an endpoint's filters and leads.
void replace_choices(PgTransaction& tx, std::int64_t endpoint_id, const EndpointFilters& filters,
                     const std::vector<std::string>& leads);
// Deletes a subscriber with everything of theirs (ON DELETE CASCADE): the number deleted (0 or 1).
std::int64_t delete_subscriber(PgTransaction& tx, std::int64_t id);

}  // namespace deadline::pg
