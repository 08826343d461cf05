#include "store/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cctype>

#include "base/sha256.h"
#include "store/migrations.h"
#include "store/sqlite_firings.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using std::int64_t;

std::string lowercase_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

const char* const kEndpointColumns =
    "SELECT id, subscriber_id, kind, address, state, coalesce(state_reason, ''), created_at, failing_since, "
    // The latest failed attempt's error, looked up only for an endpoint that is failing.
    "CASE WHEN failing_since IS NULL THEN '' ELSE coalesce((SELECT m.last_error FROM messages m "
    "WHERE m.endpoint_id = endpoints.id AND m.last_error IS NOT NULL ORDER BY m.updated_at DESC LIMIT 1), '') END, "
    // Never the secret itself: only what lets its owner tell which key it is.
    "name, coalesce(substr(secret, -4), '') "
    "FROM endpoints";

EndpointRecord read_endpoint(SQLite::Database& db, SQLite::Statement& q) {
  EndpointRecord e;
  e.id = q.getColumn(0).getInt64();
  e.subscriber_id = q.getColumn(1).getInt64();
  e.kind = stored_as(kEndpointKinds, q.getColumn(2).getString());
  e.address = q.getColumn(3).getString();
  e.state = stored_as(kEndpointStates, q.getColumn(4).getString());
  e.state_reason = q.getColumn(5).getString();
  e.created_at = instant(q.getColumn(6).getInt64());
  if (!q.getColumn(7).isNull()) e.failing_since = instant(q.getColumn(7).getInt64());
  e.last_error = q.getColumn(8).getString();
  e.name = q.getColumn(9).getString();
  e.secret_tail = q.getColumn(10).getString();
  e.filters = read_filters(db, e.id);
  e.leads = read_leads(db, e.id);
  return e;
}

const char* const kSubscriberColumns =
    "SELECT id, email, state, token_generation, created_at FROM subscribers";

SubscriberRecord read_subscriber(SQLite::Statement& q) {
  SubscriberRecord s;
  s.id = q.getColumn(0).getInt64();
  if (!q.getColumn(1).isNull()) s.email = q.getColumn(1).getString();
  s.state = stored_as(kSubscriberStates, q.getColumn(2).getString());
  s.token_generation = q.getColumn(3).getInt64();
  s.created_at = instant(q.getColumn(4).getInt64());
  return s;
}

Status require_one_change(SQLite::Database& db, const std::string& what) {
  if (db.getChanges() == 0) return Status::failure(what + " not found");
  return ok_status();
}

}  // namespace

EndpointFilters read_filters(SQLite::Database& db, int64_t endpoint_id) {
  EndpointFilters filters;
  SQLite::Statement q(db, "SELECT field, value FROM endpoint_filters WHERE endpoint_id = ? ORDER BY field, value");
  q.bind(1, endpoint_id);
  while (q.executeStep()) add_filter_row(filters, q.getColumn(0).getString(), q.getColumn(1).getString());
  return filters;
}

std::vector<std::string> read_leads(SQLite::Database& db, int64_t endpoint_id) {
  std::vector<std::string> leads;
  SQLite::Statement q(db, "SELECT lead FROM endpoint_leads WHERE endpoint_id = ? ORDER BY lead");
  q.bind(1, endpoint_id);
  while (q.executeStep()) leads.push_back(q.getColumn(0).getString());
  return leads;
}

std::map<int64_t, EndpointFilters> read_endpoints_filters(SQLite::Database& db, int64_t from, int64_t through) {
  std::map<int64_t, EndpointFilters> all;
  SQLite::Statement q(db, "SELECT endpoint_id, field, value FROM endpoint_filters WHERE endpoint_id > ?1 "
                          "AND endpoint_id <= ?2 ORDER BY endpoint_id, field, value");
  q.bind(1, from);
  q.bind(2, through);
  while (q.executeStep()) add_filter_row(all[q.getColumn(0).getInt64()], q.getColumn(1).getString(), q.getColumn(2).getString());
  return all;
}

std::map<int64_t, std::vector<std::string>> read_endpoints_leads(SQLite::Database& db, int64_t from, int64_t through) {
  std::map<int64_t, std::vector<std::string>> all;
  SQLite::Statement q(db, "SELECT endpoint_id, lead FROM endpoint_leads WHERE endpoint_id > ?1 AND endpoint_id <= ?2 "
                          "ORDER BY endpoint_id, lead");
  q.bind(1, from);
  q.bind(2, through);
  while (q.executeStep()) all[q.getColumn(0).getInt64()].push_back(q.getColumn(1).getString());
  return all;
}

MessageRecord read_message(SQLite::Statement& row) {
  return {row.getColumn(0).getString(),         row.getColumn(1).getInt64(),
          stored_as(kMessageStates, row.getColumn(2).getString()),
          row.getColumn(3).getInt(),            instant(row.getColumn(4).getInt64()),
          instant(row.getColumn(5).getInt64()), instant(row.getColumn(6).getInt64()),
          row.getColumn(7).getString()};
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path,
                                                       const SqliteOptions& options) {
  using R = Result<std::unique_ptr<SqliteStore>>;
  try {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    auto db = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->setBusyTimeout(options.busy_timeout_ms);
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    if (const Status migrated = migrate(*db); !migrated) return R::failure(migrated.error());
    db->exec(R"sql(
      CREATE TEMP TABLE fire_triggers (key TEXT PRIMARY KEY, window_id TEXT, programme_id TEXT, lead TEXT,
                                       due_at INTEGER, closes_at INTEGER, grp TEXT, category TEXT,
                                       authority_text TEXT, role TEXT, search_text TEXT);
      CREATE TEMP TABLE fire_matches (endpoint_id INTEGER, trigger_key TEXT, window_id TEXT, lead TEXT,
                                      due_at INTEGER, closes_at INTEGER);
      CREATE TEMP TABLE fire_messages (endpoint_id INTEGER PRIMARY KEY, id TEXT NOT NULL, due_at INTEGER,
                                       expires_at INTEGER);
      CREATE TEMP TABLE fire_replaced (message_id TEXT NOT NULL, trigger_key TEXT NOT NULL);
    )sql");
    return R::success(std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db))));
  } catch (const std::exception& e) {
    return R::failure("cannot open database " + path.string() + ": " + e.what());
  }
}

SqliteStore::SqliteStore(std::unique_ptr<SQLite::Database> db)
    : db_(std::move(db)), statements_(std::make_unique<StatementCache>(*db_)) {}
SqliteStore::~SqliteStore() = default;
StatementCache& SqliteStore::statements() { return *statements_; }

Result<std::optional<Instant>> SqliteStore::cursor() {
  return guarded("reading the cursor", [&] {
    SQLite::Statement q(*db_, "SELECT value FROM scheduler_state WHERE name = 'cursor'");
    std::optional<Instant> at;
    if (q.executeStep()) at = instant(q.getColumn(0).getInt64());
    return Result<std::optional<Instant>>::success(at);
  });
}

Status SqliteStore::advance_cursor(Instant to) {
  return guarded("advancing the cursor", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    set_cursor(*db_, to);
    transaction.commit();
    return ok_status();
  });
}

Result<int64_t> SqliteStore::expire_closed(Instant now) {
  return guarded("expiring messages", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(*db_,
                        "UPDATE messages SET state = 'expired', last_error = 'window closed before it could be sent', "
                        "updated_at = ?1 WHERE state IN ('pending', 'retry') AND expires_at <= ?1");
    q.bind(1, seconds(now));
    const int64_t expired = q.exec();
    transaction.commit();
    return Result<int64_t>::success(expired);
  });
}

Result<PurgeOutcome> SqliteStore::purge(Instant now, const RetentionPolicy& policy) {
  return guarded("purging", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    PurgeOutcome outcome;
    SQLite::Statement messages(*db_,
                               "DELETE FROM messages WHERE state IN ('delivered', 'dead', 'expired') AND updated_at <= ?1");
    messages.bind(1, seconds(now - date::days{policy.finished_message_days}));
    outcome.messages = messages.exec();
    // Unsubscribed long enough: the address and endpoints go; the hash stays so the address is
    // known to have unsubscribed if it ever shows up again.
    const int64_t cutoff = seconds(now - date::days{policy.unsubscribed_days});
    SQLite::Statement endpoints(*db_,
                                "DELETE FROM endpoints WHERE subscriber_id IN (SELECT id FROM subscribers "
                                "WHERE state = 'unsubscribed' AND email IS NOT NULL AND unsubscribed_at <= ?1)");
    endpoints.bind(1, cutoff);
    endpoints.exec();
    SQLite::Statement subscribers(*db_,
                                  "UPDATE subscribers SET email = NULL WHERE state = 'unsubscribed' "
                                  "AND email IS NOT NULL AND unsubscribed_at <= ?1");
    subscribers.bind(1, cutoff);
    outcome.subscribers = subscribers.exec();
    // Calendar revisions whose every window closed long enough ago; never the latest released,
    // which is in force and the next revision is compared with, nor a staged one. The files kept
    // for them go with the last revision that needed them.
    const int64_t finished = seconds(now - date::days{policy.finished_message_days});
    SQLite::Statement revisions(*db_,
                                "DELETE FROM calendar_revisions WHERE last_close <= ?1 AND state != 'staged' "
                                "AND id < (SELECT max(id) FROM calendar_revisions WHERE state = 'released')");
    revisions.bind(1, finished);
    outcome.revisions = revisions.exec();
    db_->exec("DELETE FROM calendar_sources WHERE calendar_revision NOT IN "
              "(SELECT calendar_revision FROM calendar_revisions)");
    // The ledger of what each endpoint was told outlives the messages: until its close is
    // finished_message_days past, whatever the message purge did.
    // Finished firings: their messages keep the id, nothing else needs them.
    SQLite::Statement firings(*db_, "DELETE FROM firings WHERE finished_at <= ?1");
    firings.bind(1, finished);
    firings.exec();
    SQLite::Statement ledger(*db_, "DELETE FROM told WHERE close_told <= ?1");
    ledger.bind(1, finished);
    ledger.exec();
    transaction.commit();
    return Result<PurgeOutcome>::success(outcome);
  });
}

Result<int64_t> SqliteStore::add_subscriber(const std::string& email, SubscriberState state, Instant now) {
  return guarded("adding a subscriber", [&] {
    if (state != SubscriberState::pending && state != SubscriberState::active) {
      return Result<int64_t>::failure("subscriber state must be pending or active");
    }
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string hash = email_hash(email);
    SQLite::Statement existing(*db_, "SELECT id FROM subscribers WHERE email_hash = ?");
    existing.bind(1, hash);
    if (existing.executeStep()) {
      return Result<int64_t>::failure("a subscriber with this address exists (id " +
                                      std::to_string(existing.getColumn(0).getInt64()) + ")");
    }
    SQLite::Statement insert(*db_,
                             "INSERT INTO subscribers (email, email_hash, state, created_at, confirmed_at) "
                             "VALUES (?1, ?2, ?3, ?4, CASE WHEN ?3 = 'active' THEN ?4 END)");
    insert.bind(1, email);
    insert.bind(2, hash);
    insert.bind(3, std::string(to_string(state)));
    insert.bind(4, seconds(now));
    insert.exec();
    const int64_t id = db_->getLastInsertRowid();
    transaction.commit();
    return Result<int64_t>::success(id);
  });
}

Result<std::optional<SubscriberRecord>> SqliteStore::find_subscriber(int64_t id) {
  return guarded("reading a subscriber", [&] {
    SQLite::Statement q(*db_, std::string(kSubscriberColumns) + " WHERE id = ?");
    q.bind(1, id);
    std::optional<SubscriberRecord> found;
    if (q.executeStep()) found = read_subscriber(q);
    return Result<std::optional<SubscriberRecord>>::success(found);
  });
}

Status SqliteStore::unsubscribe(int64_t subscriber_id, Instant now) {
  return guarded("unsubscribing", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement s(*db_,
                        "UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = ?2, "
                        "token_generation = token_generation + 1 WHERE id = ?1");
    s.bind(1, subscriber_id);
    s.bind(2, seconds(now));
    s.exec();
    if (Status found = require_one_change(*db_, "subscriber " + std::to_string(subscriber_id)); !found) return found;
    SQLite::Statement e(*db_, "UPDATE endpoints SET state = 'unsubscribed' WHERE subscriber_id = ?1");
    e.bind(1, subscriber_id);
    e.exec();
    SQLite::Statement m(*db_,
                        "UPDATE messages SET state = 'expired', last_error = 'unsubscribed', updated_at = ?2 "
                        "WHERE state IN ('pending', 'retry') AND endpoint_id IN "
                        "(SELECT id FROM endpoints WHERE subscriber_id = ?1)");
    m.bind(1, subscriber_id);
    m.bind(2, seconds(now));
    m.exec();
    transaction.commit();
    return ok_status();
  });
}

int64_t delete_subscriber(SQLite::Database& db, int64_t id) {
  // Endpoints, their choices, messages, deliveries and notices go with it (ON DELETE CASCADE).
  SQLite::Statement q(db, "DELETE FROM subscribers WHERE id = ?");
  q.bind(1, id);
  return q.exec();
}

Status SqliteStore::remove_subscriber(int64_t id) {
  return guarded("removing a subscriber", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    delete_subscriber(*db_, id);
    if (Status found = require_one_change(*db_, "subscriber " + std::to_string(id)); !found) return found;
    transaction.commit();
    return ok_status();
  });
}

namespace {

// The endpoint's filter and lead rows (its own columns say which fields are in use).
void insert_choices(SQLite::Database& db, int64_t id, const EndpointFilters& filters,
                    const std::vector<std::string>& leads) {
  SQLite::Statement filter(db, "INSERT OR IGNORE INTO endpoint_filters (endpoint_id, field, value) VALUES (?, ?, ?)");
  for (const FilterField& f : kFilterFields) {
    for (const std::string& value : filters.*f.values) {
      filter.bind(1, id);
      filter.bind(2, f.name);
      filter.bind(3, value);
      filter.exec();
      filter.reset();
    }
  }
  SQLite::Statement lead(db, "INSERT OR IGNORE INTO endpoint_leads (endpoint_id, lead) VALUES (?, ?)");
  for (const std::string& l : leads) {
    lead.bind(1, id);
    lead.bind(2, l);
    lead.exec();
    lead.reset();
  }
}

}  // namespace

void replace_choices(SQLite::Database& db, int64_t endpoint_id, const EndpointFilters& filters,
                     const std::vector<std::string>& leads) {
  for (const char* table : {"endpoint_filters", "endpoint_leads"}) {
    SQLite::Statement drop(db, std::string("DELETE FROM ") + table + " WHERE endpoint_id = ?1");
    drop.bind(1, endpoint_id);
    drop.exec();
  }
  SQLite::Statement update(db, "UPDATE endpoints SET filter_fields = ?2, all_leads = ?3 WHERE id = ?1");
  update.bind(1, endpoint_id);
  update.bind(2, filter_fields_of(filters));
  update.bind(3, leads.empty() ? 1 : 0);
  update.exec();
  insert_choices(db, endpoint_id, filters, leads);
}

int64_t insert_endpoint(SQLite::Database& db, const NewEndpoint& endpoint, Instant now) {
  const int filter_fields = filter_fields_of(endpoint.filters);
  SQLite::Statement insert(db,
                           "INSERT INTO endpoints (subscriber_id, kind, address, secret, filter_fields, all_leads, "
                           "created_at, name) VALUES (?1, ?2, ?3, nullif(?4, ''), ?5, ?6, ?7, ?8)");
  insert.bind(1, endpoint.subscriber_id);
  insert.bind(2, std::string(to_string(endpoint.kind)));
  insert.bind(3, endpoint.address);
  insert.bind(4, endpoint.secret);
  insert.bind(5, filter_fields);
  insert.bind(6, endpoint.leads.empty() ? 1 : 0);
  insert.bind(7, seconds(now));
  insert.bind(8, endpoint.name);
  insert.exec();
  const int64_t id = db.getLastInsertRowid();
  insert_choices(db, id, endpoint.filters, endpoint.leads);
  return id;
}

std::string email_hash(const std::string& email) { return sha256_hex(lowercase_ascii(email)); }

Result<int64_t> SqliteStore::add_endpoint(const NewEndpoint& endpoint, Instant now) {
  return guarded("adding an endpoint", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const int64_t id = insert_endpoint(*db_, endpoint, now);
    transaction.commit();
    return Result<int64_t>::success(id);
  });
}

Result<std::optional<Subscription>> SqliteStore::load_subscription(int64_t subscriber_id, int64_t generation) {
  return guarded("reading a subscription", [&] {
    using R = Result<std::optional<Subscription>>;
    SQLite::Transaction transaction(*db_);  // DEFERRED: one consistent read
    SQLite::Statement s(*db_, std::string(kSubscriberColumns) + " WHERE id = ?");
    s.bind(1, subscriber_id);
    if (!s.executeStep()) return R::success(std::nullopt);
    Subscription found{read_subscriber(s), {}};
    if (found.subscriber.token_generation != generation || found.subscriber.state == SubscriberState::unsubscribed ||
        !found.subscriber.email) {
      return R::success(std::nullopt);
    }
    // Endpoints left unsubscribed by an earlier subscription of the same address are history,
    // not part of this one (the store keeps them only until they are purged).
    SQLite::Statement e(*db_, std::string(kEndpointColumns) +
                                  " WHERE subscriber_id = ?1 AND state != 'unsubscribed' ORDER BY id");
    e.bind(1, subscriber_id);
    while (e.executeStep()) found.endpoints.push_back(read_endpoint(*db_, e));
    transaction.commit();
    return R::success(std::move(found));
  });
}

Result<std::optional<EndpointRecord>> SqliteStore::find_endpoint(int64_t id) {
  return guarded("reading an endpoint", [&] {
    SQLite::Statement q(*db_, std::string(kEndpointColumns) + " WHERE id = ?");
    q.bind(1, id);
    std::optional<EndpointRecord> found;
    if (q.executeStep()) found = read_endpoint(*db_, q);
    return Result<std::optional<EndpointRecord>>::success(found);
  });
}

Status SqliteStore::remove_endpoint(int64_t id) {
  return guarded("removing an endpoint", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(*db_, "DELETE FROM endpoints WHERE id = ?");
    q.bind(1, id);
    q.exec();
    if (Status found = require_one_change(*db_, "endpoint " + std::to_string(id)); !found) return found;
    transaction.commit();
    return ok_status();
  });
}

// An endpoint's secret column holds the current secret, then during a rotation the previous one,
// separated by one space (whsec_ secrets hold no spaces).
Status SqliteStore::start_secret_rotation(int64_t id, const std::string& new_secret) {
  return guarded("rotating a webhook secret", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(*db_,
                        "UPDATE endpoints SET secret = ?2 || ' ' || substr(secret, 1, instr(secret || ' ', ' ') - 1) "
                        "WHERE id = ?1 AND kind = 'webhook'");
    q.bind(1, id);
    q.bind(2, new_secret);
    q.exec();
    if (Status found = require_one_change(*db_, "webhook endpoint " + std::to_string(id)); !found) return found;
    transaction.commit();
    return ok_status();
  });
}

Status SqliteStore::finish_secret_rotation(int64_t id) {
  return guarded("finishing a webhook secret rotation", [&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(*db_,
                        "UPDATE endpoints SET secret = substr(secret, 1, instr(secret || ' ', ' ') - 1) "
                        "WHERE id = ?1 AND kind = 'webhook'");
    q.bind(1, id);
    q.exec();
    if (Status found = require_one_change(*db_, "webhook endpoint " + std::to_string(id)); !found) return found;
    transaction.commit();
    return ok_status();
  });
}

Result<MessageCounts> SqliteStore::message_counts() {
  return guarded("counting messages", [&] {
    SQLite::Statement q(*db_, "SELECT state, count(*) FROM messages GROUP BY state");
    MessageCounts counts;
    while (q.executeStep()) counts[stored_as(kMessageStates, q.getColumn(0).getString())] = q.getColumn(1).getInt64();
    return Result<MessageCounts>::success(counts);
  });
}

Result<std::vector<MessageRecord>> SqliteStore::list_messages(std::optional<MessageState> state, int limit) {
  return guarded("listing messages", [&] {
    SQLite::Statement q(*db_, std::string(kMessageColumns) + " WHERE ?1 = '' OR state = ?1 ORDER BY updated_at DESC, id LIMIT ?2");
    q.bind(1, state_filter(state));
    q.bind(2, limit);
    std::vector<MessageRecord> result;
    while (q.executeStep()) result.push_back(read_message(q));
    return Result<std::vector<MessageRecord>>::success(std::move(result));
  });
}

Result<int64_t> SqliteStore::trigger_count(TriggerOutcome outcome) {
  return guarded("counting triggers", [&] {
    SQLite::Statement q(*db_, "SELECT count(*) FROM triggers WHERE outcome = ?");
    q.bind(1, std::string(to_string(outcome)));
    q.executeStep();
    return Result<int64_t>::success(q.getColumn(0).getInt64());
  });
}

}  // namespace deadline::store
