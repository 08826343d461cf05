#pragma once
// What the SqliteStore's source files share (internal to lib/store).

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include "domain/endpoint.h"
#include "domain/state_names.h"
#include "store/statement_cache.h"
#include "store/store_support.h"
#include "time/instant.h"

namespace deadline::store {

// A new message's id as SQL: 32 hex digits, the first 8 the creation second (the real clock's),
// the other 24 random (96 bits: unguessable and unique). Ids made together sort together, so the
// rows of one fan-out chunk land in a few new pages at the end of the indexes the id keys
// (messages, deliveries, message_changes) instead of one in nearly every page of an index of a
// million ids, which a chunk's commit would write again each time (bench/README.md, fanout_bench).
inline constexpr const char* kNewMessageIdSql =
    "(printf('%08x', CAST(strftime('%s', 'now') AS INTEGER)) || lower(hex(randomblob(12))))";

// A disabled endpoint's unsent messages expire, marked so that reenable_endpoint finds them to
// replay (sqlite_subscription.cc): ?1 the endpoint, ?2 now. record_attempts and disable_endpoint
// both disable endpoints.
inline constexpr const char* kExpireUnsentOfDisabledSql =
    "UPDATE messages SET state = 'expired', updated_at = ?2, last_error = 'endpoint disabled' "
    "WHERE endpoint_id = ?1 AND state IN ('pending', 'retry')";

// The columns read_message reads, and a MessageRecord from a row of them.
inline constexpr const char* kMessageColumns =
    "SELECT id, endpoint_id, state, attempts, due_at, next_attempt_at, updated_at, coalesce(last_error, '') "
    "FROM messages";
struct MessageRecord;
MessageRecord read_message(SQLite::Statement& row);

struct NewEndpoint;

// An endpoint's filters and chosen lead ids (empty: every lead), as stored.
EndpointFilters read_filters(SQLite::Database& db, std::int64_t endpoint_id);
std::vector<std::string> read_leads(SQLite::Database& db, std::int64_t endpoint_id);
// The same for the endpoints with ids in (from, through] at once, by endpoint id (only those with
// any), in one scan each: for a pass over many endpoints, instead of two queries per endpoint.
std::map<std::int64_t, EndpointFilters> read_endpoints_filters(SQLite::Database& db, std::int64_t from,
                                                               std::int64_t through);
std::map<std::int64_t, std::vector<std::string>> read_endpoints_leads(SQLite::Database& db, std::int64_t from,
                                                                      std::int64_t through);

// Inserts an endpoint with its filters and leads, inside the caller's transaction; its id.
std::int64_t insert_endpoint(SQLite::Database& db, const NewEndpoint& endpoint, Instant now);

// Deletes a subscriber with everything of theirs (endpoints, choices, messages, notices), inside
// the caller's transaction: the one home of that deletion (an operator's remove_subscriber, the
// subscriber's own erase_subscription). The number of subscribers deleted (0 or 1).
std::int64_t delete_subscriber(SQLite::Database& db, std::int64_t id);

// A JSON array of ids, bound as one parameter for `IN (SELECT value FROM json_each(?))`: one
// statement for a whole batch instead of one per row.
class JsonIdList {
 public:
  void add(const std::string& id) { text_ += (text_.empty() ? "[\"" : ",\"") + id + "\""; }  // hex ids: no escaping
  void add(std::int64_t id) { text_ += (text_.empty() ? "[" : ",") + std::to_string(id); }
  // Any text (a feed UID), escaped as JSON.
  void add_text(const std::string& text) { text_ += (text_.empty() ? "[" : ",") + nlohmann::json(text).dump(); }
  std::string text() const { return text_.empty() ? "[]" : text_ + "]"; }

 private:
  std::string text_;
};

// Replaces an endpoint's filters and leads, inside the caller's transaction.
void replace_choices(SQLite::Database& db, std::int64_t endpoint_id, const EndpointFilters& filters,
                     const std::vector<std::string>& leads);


// For a transaction whose loss in a power cut is harmless because a later durable commit or a
// restart redoes it (a claim: a message the crash leaves unclaimed is simply claimed again, with
// the same id). In WAL mode with synchronous=NORMAL the commit is not fsynced, but it stays
// atomic and ordered before every later commit, which are fsynced as usual.
class RelaxedDurability {
 public:
  explicit RelaxedDurability(StatementCache& statements) : statements_(statements) {
    statements_.get("PRAGMA synchronous = NORMAL")->exec();
  }
  ~RelaxedDurability() {
    try {
      statements_.get("PRAGMA synchronous = FULL")->exec();
    } catch (...) {  // a destructor must not throw; the next open sets FULL again
    }
  }
  RelaxedDurability(const RelaxedDurability&) = delete;
  RelaxedDurability& operator=(const RelaxedDurability&) = delete;

 private:
  StatementCache& statements_;
};

}  // namespace deadline::store
