// SqliteStore: fan-outs as firings (store/scheduling_store.h start_firing, continue_firing). A
// firing is recorded first, in a short transaction, with its triggers and the highest endpoint id
// it covers; chunks of endpoints then add its messages in id order, each chunk one transaction
// that also moves the firing's done_through. Between chunks the store thread serves everything
// else (subscriptions, pages, delivery results), so no fan-out holds the write lock for long.

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/firing_support.h"
#include "store/sqlite_firings.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using std::int64_t;

// Matches the chunk's endpoints against the firing's triggers still open, keeping per endpoint and
// window only the latest lead (catch-up after downtime sends one reminder, and two leads that fall
// together — closing-day moved to 2 h before — make one delivery). ?1, ?2: the chunk's endpoint id
// range (from, through]. CROSS JOIN fixes the order (the chunk's endpoints by rowid range, then
// each one's subscriber by primary key) and the unary + keeps the state columns' indexes out:
// left to itself, SQLite builds an automatic index over every active subscriber and drives from
// it, which costs the whole table per chunk.
const char* const kMatchSql = R"sql(
INSERT INTO temp.fire_matches (endpoint_id, trigger_key, window_id, lead, due_at, closes_at)
SELECT endpoint_id, key, window_id, lead, due_at, closes_at FROM (
  SELECT e.id AS endpoint_id, t.key, t.window_id, t.lead, t.due_at, t.closes_at,
         row_number() OVER (PARTITION BY e.id, t.window_id ORDER BY t.due_at DESC, t.key DESC) AS rank
  FROM endpoints AS e
  CROSS JOIN subscribers AS s ON s.id = e.subscriber_id
  CROSS JOIN temp.fire_triggers AS t
  WHERE e.id > ?1 AND e.id <= ?2 AND +e.state = 'active' AND +s.state = 'active'
    AND (e.filter_fields & 1 = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'programme' AND f.value = t.programme_id))
    AND (e.filter_fields & 2 = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'group' AND f.value = t.grp))
    AND (e.filter_fields & 4 = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'category' AND f.value = t.category))
    AND (e.filter_fields & 8 = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'authority' AND instr(t.authority_text, f.value) > 0))
    AND (e.filter_fields & 16 = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'role' AND f.value = t.role))
    AND (e.filter_fields & 32 = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'keyword' AND instr(t.search_text, f.value) > 0))
    AND (e.all_leads = 1 OR EXISTS (SELECT 1 FROM endpoint_leads l
           WHERE l.endpoint_id = e.id AND l.lead = t.lead))
) WHERE rank = 1
)sql";

// Older unsent deliveries of the same endpoint and window that the new ones replace. Driven
// from this chunk's matches through deliveries_by_window, so its cost follows the fan-out, not
// the size of the outbox (CROSS JOIN fixes that order: SQLite's planner, without statistics,
// would rather scan every pending message).
const char* const kFindReplacedSql = R"sql(
INSERT INTO temp.fire_replaced (message_id, trigger_key)
SELECT d.message_id, d.trigger_key
FROM temp.fire_matches AS m
CROSS JOIN deliveries AS d ON d.endpoint_id = m.endpoint_id AND d.window_id = m.window_id
CROSS JOIN messages AS msg ON msg.id = d.message_id
WHERE d.superseded = 0 AND d.trigger_key != m.trigger_key AND msg.state IN ('pending', 'retry')
)sql";

const char* const kMarkReplacedSql = R"sql(
UPDATE deliveries SET superseded = 1
WHERE (message_id, trigger_key) IN (SELECT message_id, trigger_key FROM temp.fire_replaced)
)sql";

// A message whose every delivery was replaced has nothing left to say. (The unary + keeps the
// planner on the primary key instead of scanning the state index.)
const char* const kExpireReplacedSql = R"sql(
UPDATE messages SET state = 'expired', last_error = 'superseded by a newer reminder', updated_at = ?1
WHERE id IN (SELECT DISTINCT message_id FROM temp.fire_replaced)
  AND +state IN ('pending', 'retry')
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id AND d.superseded = 0)
)sql";

void bind_trigger(SQLite::Statement& q, const Trigger& t) {
  q.bind(1, t.key());
  q.bind(2, t.window_id);
  q.bind(3, t.lead);
  q.bind(4, seconds(t.due));
  q.bind(5, seconds(t.closes));
}

const char* const kFiringColumns =
    "SELECT id, kind, created_at, last_endpoint_id, done_through, messages, revision_id, base_id FROM firings";

FiringRecord read_firing(SQLite::Statement& q) {
  FiringRecord f;
  f.id = q.getColumn(0).getInt64();
  f.kind = stored_as(kFiringKinds, q.getColumn(1).getString());
  f.created_at = instant(q.getColumn(2).getInt64());
  f.last_endpoint_id = q.getColumn(3).getInt64();
  f.done_through = q.getColumn(4).getInt64();
  f.messages = q.getColumn(5).getInt64();
  f.revision_id = q.getColumn(6).getInt64();
  f.base_id = q.getColumn(7).getInt64();
  return f;
}

// The end of the next chunk: the id of the `max_endpoints`-th endpoint after done_through, or the
// firing's last endpoint id when fewer are left. Endpoints, not matches: a chunk's cost is bounded
// however few of them a filter lets through.
int64_t chunk_end(SQLite::Database& db, const FiringRecord& firing, int max_endpoints) {
  SQLite::Statement q(db, "SELECT id FROM endpoints WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT 1 OFFSET ?3");
  q.bind(1, firing.done_through);
  q.bind(2, firing.last_endpoint_id);
  q.bind(3, std::max(max_endpoints, 1) - 1);
  return q.executeStep() ? q.getColumn(0).getInt64() : firing.last_endpoint_id;
}

// The messages and deliveries of a reminder firing for the endpoints in (from, through].
void reminder_chunk(SQLite::Database& db, const FiringRecord& firing, Instant now, ChunkOutcome& outcome) {
  db.exec("DELETE FROM temp.fire_triggers; DELETE FROM temp.fire_matches; DELETE FROM temp.fire_messages; "
          "DELETE FROM temp.fire_replaced");
  // Only the triggers whose window is still open: a chunk never reminds of a closed window.
  SQLite::Statement stage(db,
                          "INSERT INTO temp.fire_triggers SELECT key, window_id, programme_id, lead, due_at, closes_at, "
                          "grp, category, authority_text, role, search_text FROM firing_triggers "
                          "WHERE firing_id = ?1 AND closes_at > ?2");
  stage.bind(1, firing.id);
  stage.bind(2, seconds(now));
  if (stage.exec() == 0) return;
  SQLite::Statement match(db, kMatchSql);
  match.bind(1, outcome.endpoints_from);
  match.bind(2, outcome.endpoints_through);
  if (match.exec() == 0) return;
  // One message per endpoint: every trigger of this firing it matches is a delivery in it.
  db.exec(std::string("INSERT INTO temp.fire_messages (endpoint_id, id, due_at, expires_at) SELECT endpoint_id, ") +
          kNewMessageIdSql + ", max(due_at), max(closes_at) FROM temp.fire_matches GROUP BY endpoint_id");
  SQLite::Statement messages(db,
                             "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                             "expires_at, updated_at, firing_id) SELECT id, endpoint_id, due_at, ?1, 'pending', ?1, "
                             "expires_at, ?1, ?2 FROM temp.fire_messages");
  messages.bind(1, seconds(now));
  messages.bind(2, firing.id);
  outcome.messages = messages.exec();
  outcome.deliveries = db.exec(
      "INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at) "
      "SELECT fm.id, m.endpoint_id, m.trigger_key, m.window_id, m.lead, m.closes_at "
      "FROM temp.fire_matches AS m JOIN temp.fire_messages AS fm USING (endpoint_id)");
  db.exec(kFindReplacedSql);
  db.exec(kMarkReplacedSql);
  SQLite::Statement expire(db, kExpireReplacedSql);
  expire.bind(1, seconds(now));
  outcome.superseded = expire.exec();
  db.exec("UPDATE triggers SET messages = messages + c.n FROM "
          "(SELECT trigger_key, count(*) AS n FROM temp.fire_matches GROUP BY trigger_key) AS c "
          "WHERE triggers.key = c.trigger_key");
}

}  // namespace

void set_cursor(SQLite::Database& db, Instant cursor) {
  SQLite::Statement q(db,
                      "INSERT INTO scheduler_state (name, value) VALUES ('cursor', ?1) "
                      "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)");
  q.bind(1, seconds(cursor));
  q.exec();
}

int64_t record_firing(SQLite::Database& db, FiringKind kind, Instant now, int64_t revision_id, int64_t base_id) {
  SQLite::Statement q(db,
                      "INSERT INTO firings (kind, created_at, last_endpoint_id, revision_id, base_id) "
                      "VALUES (?1, ?2, coalesce((SELECT max(id) FROM endpoints), 0), ?3, ?4)");
  q.bind(1, std::string(to_string(kind)));
  q.bind(2, seconds(now));
  q.bind(3, revision_id);
  q.bind(4, base_id);
  q.exec();
  return db.getLastInsertRowid();
}

Result<FireOutcome> SqliteStore::start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                              Instant cursor) {
  return guarded("recording a firing", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    FireOutcome outcome;
    SQLite::Statement record(db,
                             "INSERT INTO triggers (key, window_id, lead, due_at, closes_at, recorded_at, outcome) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (key) DO NOTHING");
    std::vector<const Trigger*> fresh;
    for (const Trigger& t : triggers) {
      bind_trigger(record, t);
      record.bind(6, seconds(now));
      record.bind(7, kind == FireKind::late ? "late" : "fired");
      record.exec();
      record.reset();
      if (db.getChanges() == 0) {
        ++outcome.already_recorded;
        continue;
      }
      fresh.push_back(&t);
    }
    outcome.new_triggers = static_cast<int>(fresh.size());
    if (!fresh.empty()) {
      outcome.firing_id = record_firing(db, kind == FireKind::late ? FiringKind::late : FiringKind::on_time, now, 0, 0);
      SQLite::Statement keep(db,
                             "INSERT INTO firing_triggers (firing_id, key, window_id, lead, due_at, closes_at, "
                             "programme_id, grp, category, authority_text, role, search_text) "
                             "VALUES (?12, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      for (const Trigger* t : fresh) {
        bind_trigger(keep, *t);
        keep.bind(6, t->window.programme_id);
        keep.bind(7, t->window.group);
        keep.bind(8, t->window.category);
        keep.bind(9, t->window.authority_text);
        keep.bind(10, t->window.role);
        keep.bind(11, t->window.search_text);
        keep.bind(12, outcome.firing_id);
        keep.exec();
        keep.reset();
      }
    }
    set_cursor(db, cursor);
    transaction.commit();
    return Result<FireOutcome>::success(outcome);
  });
}

Result<int> SqliteStore::record_missed(const std::vector<Trigger>& triggers, Instant now,
                                       Instant cursor) {
  return guarded("recording missed triggers", [&] {
    SQLite::Transaction transaction(database(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement record(database(),
                             "INSERT INTO triggers (key, window_id, lead, due_at, closes_at, recorded_at, outcome) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'missed') ON CONFLICT (key) DO NOTHING");
    int recorded = 0;
    for (const Trigger& t : triggers) {
      bind_trigger(record, t);
      record.bind(6, seconds(now));
      recorded += record.exec();
      record.reset();
    }
    set_cursor(database(), cursor);
    transaction.commit();
    return Result<int>::success(recorded);
  });
}


Result<ChunkOutcome> SqliteStore::continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) {
  return guarded("continuing a firing", [&] {
    using R = Result<ChunkOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement oldest(db, std::string(kFiringColumns) + " WHERE finished_at IS NULL ORDER BY id LIMIT 1");
    ChunkOutcome outcome;
    if (!oldest.executeStep()) return R::success(outcome);
    const FiringRecord firing = read_firing(oldest);
    outcome.firing_id = firing.id;
    outcome.kind = firing.kind;
    outcome.revision_id = firing.revision_id;
    outcome.endpoints_from = firing.done_through;
    outcome.endpoints_through = chunk_end(db, firing, max_endpoints);
    if (firing.kind == FiringKind::notices) {
      const NoticeDecider* decide = notice_rule_for(deciders, firing);
      if (!decide) return R::failure(missing_notice_rule(firing));
      notice_chunk(db, firing, *decide, now, outcome);
    } else {
      reminder_chunk(db, firing, now, outcome);
    }
    conclude_chunk(firing, outcome);
    SQLite::Statement progress(db,
                               "UPDATE firings SET done_through = ?2, messages = ?3, "
                               "finished_at = CASE WHEN ?4 THEN ?5 END WHERE id = ?1");
    progress.bind(1, firing.id);
    progress.bind(2, outcome.endpoints_through);
    progress.bind(3, outcome.firing_messages);
    progress.bind(4, outcome.finished ? 1 : 0);
    progress.bind(5, seconds(now));
    progress.exec();
    transaction.commit();
    return R::success(outcome);
  });
}

Result<std::vector<FiringRecord>> SqliteStore::unfinished_firings() {
  return guarded("reading unfinished firings", [&] {
    SQLite::Statement q(database(), std::string(kFiringColumns) + " WHERE finished_at IS NULL ORDER BY id");
    std::vector<FiringRecord> all;
    while (q.executeStep()) all.push_back(read_firing(q));
    return Result<std::vector<FiringRecord>>::success(std::move(all));
  });
}

}  // namespace deadline::store
