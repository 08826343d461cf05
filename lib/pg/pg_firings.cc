// PgStore: fan-outs as firings (store/scheduling_store.h start_firing, continue_firing), as
// sqlite_firings.cc does it. A firing is recorded first, in a short transaction, with its triggers
// and the highest endpoint id it covers; chunks of endpoints then add its messages in id order,
// each chunk one transaction that also moves the firing's done_through. Between chunks the store
// thread serves everything else, so no fan-out holds its locks for long. A chunk is a fixed
// number of statements whatever its number of endpoints: set-based, never one per endpoint.

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "pg/pg_firings.h"
#include "pg/pg_store_support.h"
#include "store/firing_support.h"

namespace deadline::pg {

namespace {

using std::int64_t;

// The work tables of a reminder chunk (SQLite's temp.fire_*, made once in SqliteStore::open).
// Here each call makes them if this connection has none yet: a reconnect replaces the connection,
// and its temporary tables with it. ON COMMIT DELETE ROWS empties them at the end of every
// transaction (and a rollback leaves none of its rows), so each chunk starts with them empty.
const char* const kFireTablesSql = R"sql(
CREATE TEMP TABLE IF NOT EXISTS fire_triggers (key text PRIMARY KEY, window_id text, programme_id text, lead text,
                                               due_at bigint, closes_at bigint, grp text, category text,
                                               authority_text text, role text, search_text text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS fire_matches (endpoint_id bigint, trigger_key text, window_id text, lead text,
                                              due_at bigint, closes_at bigint) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS fire_messages (endpoint_id bigint PRIMARY KEY, id text NOT NULL, due_at bigint,
                                               expires_at bigint) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS fire_replaced (message_id text NOT NULL, trigger_key text NOT NULL) ON COMMIT DELETE ROWS;
)sql";

// Only the triggers whose window is still open: a chunk never reminds of a closed window.
const char* const kStageFireTriggersSql =
    "INSERT INTO pg_temp.fire_triggers SELECT key, window_id, programme_id, lead, due_at, closes_at, "
    "grp, category, authority_text, role, search_text FROM firing_triggers "
    "WHERE firing_id = $1 AND closes_at > $2";

// Matches the chunk's endpoints against the firing's triggers still open, keeping per endpoint and
// window only the latest lead (catch-up after downtime sends one reminder, and two leads that fall
// together — closing-day moved to 2 h before — make one delivery). $1, $2: the chunk's endpoint id
// range (from, through]. The planner takes the chunk's endpoints by their primary key range itself
// (SQLite needs CROSS JOIN and unary + for that). The tie between two leads due together goes to
// the greater key in byte order (COLLATE "C"), as SQLite compares text.
const char* const kFireMatchSql = R"sql(
INSERT INTO pg_temp.fire_matches (endpoint_id, trigger_key, window_id, lead, due_at, closes_at)
SELECT endpoint_id, key, window_id, lead, due_at, closes_at FROM (
  SELECT e.id AS endpoint_id, t.key, t.window_id, t.lead, t.due_at, t.closes_at,
         row_number() OVER (PARTITION BY e.id, t.window_id ORDER BY t.due_at DESC, t.key COLLATE "C" DESC) AS rank
  FROM endpoints AS e
  JOIN subscribers AS s ON s.id = e.subscriber_id
  CROSS JOIN pg_temp.fire_triggers AS t
  WHERE e.id > $1 AND e.id <= $2 AND e.state = 'active' AND s.state = 'active'
    AND ((e.filter_fields & 1) = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'programme' AND f.value = t.programme_id))
    AND ((e.filter_fields & 2) = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'group' AND f.value = t.grp))
    AND ((e.filter_fields & 4) = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'category' AND f.value = t.category))
    AND ((e.filter_fields & 8) = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'authority' AND strpos(t.authority_text, f.value) > 0))
    AND ((e.filter_fields & 16) = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'role' AND f.value = t.role))
    AND ((e.filter_fields & 32) = 0 OR EXISTS (SELECT 1 FROM endpoint_filters f
           WHERE f.endpoint_id = e.id AND f.field = 'keyword' AND strpos(t.search_text, f.value) > 0))
    AND (e.all_leads = 1 OR EXISTS (SELECT 1 FROM endpoint_leads l
           WHERE l.endpoint_id = e.id AND l.lead = t.lead))
) AS ranked WHERE rank = 1
)sql";

// One message per endpoint: every trigger of this firing it matches is a delivery in it.
const std::string kFireMessagesSql =
    std::string("INSERT INTO pg_temp.fire_messages (endpoint_id, id, due_at, expires_at) SELECT endpoint_id, ") +
    kNewMessageIdSql + ", max(due_at), max(closes_at) FROM pg_temp.fire_matches GROUP BY endpoint_id";

const char* const kInsertFireMessagesSql =
    "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, expires_at, updated_at, "
    "firing_id) SELECT id, endpoint_id, due_at, $1::bigint, 'pending', $1::bigint, expires_at, $1::bigint, $2::bigint "
    "FROM pg_temp.fire_messages";

const char* const kInsertFireDeliveriesSql =
    "INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at) "
    "SELECT fm.id, m.endpoint_id, m.trigger_key, m.window_id, m.lead, m.closes_at "
    "FROM pg_temp.fire_matches AS m JOIN pg_temp.fire_messages AS fm USING (endpoint_id)";

// Older unsent deliveries of the same endpoint and window that the new ones replace. Driven
// from this chunk's matches through deliveries_by_window, so its cost follows the fan-out, not
// the size of the outbox (the statements on the outbox are planned per chunk: see reminder_chunk).
const char* const kFindFireReplacedSql = R"sql(
INSERT INTO pg_temp.fire_replaced (message_id, trigger_key)
SELECT d.message_id, d.trigger_key
FROM pg_temp.fire_matches AS m
JOIN deliveries AS d ON d.endpoint_id = m.endpoint_id AND d.window_id = m.window_id
JOIN messages AS msg ON msg.id = d.message_id
WHERE d.superseded = 0 AND d.trigger_key <> m.trigger_key AND msg.state IN ('pending', 'retry')
)sql";

const char* const kMarkFireReplacedSql = R"sql(
UPDATE deliveries SET superseded = 1
WHERE (message_id, trigger_key) IN (SELECT message_id, trigger_key FROM pg_temp.fire_replaced)
)sql";

// A message whose every delivery was replaced has nothing left to say. (`state || ''`, an
// expression where the column was, keeps the planner on the primary key instead of the state
// index, as SQLite's unary + does: the statistics a fan-out outgrows say few messages are unsent.)
const char* const kExpireFireReplacedSql = R"sql(
UPDATE messages SET state = 'expired', last_error = 'superseded by a newer reminder', updated_at = $1
WHERE id IN (SELECT DISTINCT message_id FROM pg_temp.fire_replaced)
  AND state || '' IN ('pending', 'retry')
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id AND d.superseded = 0)
)sql";

const char* const kCountFireTriggerMessagesSql =
    "UPDATE triggers SET messages = messages + c.n FROM "
    "(SELECT trigger_key, count(*) AS n FROM pg_temp.fire_matches GROUP BY trigger_key) AS c "
    "WHERE triggers.key = c.trigger_key";

// Triggers as array parameters, column by column: one statement records them all where SQLite
// binds one statement per trigger. $1-$5: key, window id, lead, due, close.
struct TriggerColumns {
  PgArray keys, window_ids, leads, dues, closes;
  void add(const Trigger& t) {
    keys.add(t.key());
    window_ids.add(t.window_id);
    leads.add(t.lead);
    dues.add(seconds(t.due));
    closes.add(seconds(t.closes));
  }
};

// Records the triggers not recorded before (by key) with `outcome`; $6 now. The first of two
// with one key is the one recorded (WITH ORDINALITY keeps the caller's order), as on SQLite.
const char* const kRecordTriggersSql =
    "INSERT INTO triggers (key, window_id, lead, due_at, closes_at, recorded_at, outcome) "
    "SELECT k, w, l, d, c, $6::bigint, $7::text "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS t(k, w, l, d, c, n) "
    "ORDER BY n ON CONFLICT (key) DO NOTHING RETURNING key";

PgResult record_triggers(PgTransaction& tx, const std::vector<Trigger>& triggers, const char* outcome, Instant now) {
  TriggerColumns c;
  for (const Trigger& t : triggers) c.add(t);
  return tx.exec(kRecordTriggersSql, args(c.keys, c.window_ids, c.leads, c.dues, c.closes, now, outcome));
}

// The triggers of `triggers` that `recorded` (RETURNING key) holds, each key once, in order.
std::vector<const Trigger*> fresh_triggers(const std::vector<Trigger>& triggers, const PgResult& recorded) {
  std::set<std::string> keys;
  for (int i = 0; i < recorded.rows(); ++i) keys.insert(recorded.text(i, 0));
  std::vector<const Trigger*> fresh;
  for (const Trigger& t : triggers) {
    if (keys.erase(t.key()) > 0) fresh.push_back(&t);
  }
  return fresh;
}

// A firing's triggers with what their window's filters match, kept for its chunks.
void keep_firing_triggers(PgTransaction& tx, int64_t firing_id, const std::vector<const Trigger*>& fresh) {
  TriggerColumns c;
  PgArray programmes, groups, categories, authorities, roles, search_texts;
  for (const Trigger* t : fresh) {
    c.add(*t);
    programmes.add(t->window.programme_id);
    groups.add(t->window.group);
    categories.add(t->window.category);
    authorities.add(t->window.authority_text);
    roles.add(t->window.role);
    search_texts.add(t->window.search_text);
  }
  tx.exec("INSERT INTO firing_triggers (firing_id, key, window_id, lead, due_at, closes_at, "
          "programme_id, grp, category, authority_text, role, search_text) "
          "SELECT $12::bigint, k, w, l, d, c, p, g, cat, a, r, s FROM unnest($1::text[], $2::text[], $3::text[], "
          "$4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) "
          "AS t(k, w, l, d, c, p, g, cat, a, r, s)",
          args(c.keys, c.window_ids, c.leads, c.dues, c.closes, programmes, groups, categories, authorities, roles,
               search_texts, firing_id));
}

const char* const kFiringRecordColumns =
    "SELECT id, kind, created_at, last_endpoint_id, done_through, messages, revision_id, base_id FROM firings";

FiringRecord read_firing_row(const PgResult& r, int row) {
  FiringRecord f;
  f.id = r.integer(row, 0);
  f.kind = store::stored_as(store::kFiringKinds, r.text(row, 1));
  f.created_at = instant_at(r, row, 2);
  f.last_endpoint_id = r.integer(row, 3);
  f.done_through = r.integer(row, 4);
  f.messages = r.integer(row, 5);
  f.revision_id = r.integer(row, 6);
  f.base_id = r.integer(row, 7);
  return f;
}

// The end of the next chunk: the id of the `max_endpoints`-th endpoint after done_through, or the
// firing's last endpoint id when fewer are left. Endpoints, not matches: a chunk's cost is bounded
// however few of them a filter lets through.
int64_t firing_chunk_end(PgTransaction& tx, const FiringRecord& firing, int max_endpoints) {
  const PgResult r = tx.prepared("SELECT id FROM endpoints WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 1 OFFSET $3",
                                 args(firing.done_through, firing.last_endpoint_id, std::max(max_endpoints, 1) - 1));
  return r.rows() > 0 ? r.integer(0, 0) : firing.last_endpoint_id;
}

// The messages and deliveries of a reminder firing for the endpoints in (from, through].
void reminder_chunk(PgTransaction& tx, const FiringRecord& firing, Instant now, store::ChunkOutcome& outcome) {
  if (const Status made = tx.connection().exec_script(kFireTablesSql); !made) {
    throw PgError(made.error(), tx.connection().last_sqlstate());
  }
  if (tx.prepared(kStageFireTriggersSql, args(firing.id, now)).affected() == 0) return;
  if (tx.prepared(kFireMatchSql, args(outcome.endpoints_from, outcome.endpoints_through)).affected() == 0) return;
  tx.prepared(kFireMessagesSql);
  outcome.messages = tx.prepared(kInsertFireMessagesSql, args(now, firing.id)).affected();
  outcome.deliveries = tx.prepared(kInsertFireDeliveriesSql).affected();
  // Not prepared: these join the outbox and the triggers, which the fan-out itself grows, and a
  // plan kept from its first chunk (made for a small outbox) scans all of them in every chunk
  // after. Planned per chunk, they see the tables' sizes as they are.
  tx.exec(kFindFireReplacedSql);
  tx.exec(kMarkFireReplacedSql);
  outcome.superseded = tx.exec(kExpireFireReplacedSql, args(now)).affected();
  tx.exec(kCountFireTriggerMessagesSql);
}

// A chunk's progress on its firing: done through its last endpoint, its messages counted, and
// finished with the last chunk.
void record_chunk_progress(PgTransaction& tx, const store::ChunkOutcome& outcome, Instant now) {
  tx.prepared("UPDATE firings SET done_through = $2, messages = $3, "
              "finished_at = CASE WHEN $4::integer = 1 THEN $5::bigint END WHERE id = $1",
              args(outcome.firing_id, outcome.endpoints_through, outcome.firing_messages, outcome.finished, now));
}

// The database's calendar when the plan's (`plan_revision`) is no longer it: the latest
// released revision; nullopt when the plan is that revision, or no revision is released yet, or
// no plan was named. The table is locked in SHARE mode first (a release's UPDATE and a
// recording's INSERT wait for it; other firings do not), so no release commits between this
// check and the caller's commit: every trigger is recorded from the calendar in force then.
std::optional<std::string> newer_calendar(PgTransaction& tx, const std::string& plan_revision) {
  if (plan_revision.empty()) return std::nullopt;
  tx.exec("LOCK TABLE calendar_revisions IN SHARE MODE");
  const PgResult r = tx.exec(
      "SELECT calendar_revision FROM calendar_revisions WHERE state = 'released' ORDER BY id DESC LIMIT 1");
  if (r.rows() == 0 || r.text(0, 0) == plan_revision) return std::nullopt;
  return r.text(0, 0);
}

std::string stale_plan(const std::string& plan_revision, const std::string& released) {
  return "not recording reminder points from calendar revision " + plan_revision +
         ": the database's calendar is revision " + released +
         " (released since, on another node); this node fires again once it follows it";
}

}  // namespace

void PgStore::plan_from(const std::string& calendar_revision) { plan_revision_ = calendar_revision; }

void set_cursor(PgTransaction& tx, Instant cursor) {
  tx.prepared("INSERT INTO scheduler_state (name, value) VALUES ('cursor', $1::bigint) "
              "ON CONFLICT (name) DO UPDATE SET value = greatest(scheduler_state.value, excluded.value)",
              args(cursor));
}

int64_t record_firing(PgTransaction& tx, store::FiringKind kind, Instant now, int64_t revision_id, int64_t base_id) {
  const PgResult r = tx.exec("INSERT INTO firings (kind, created_at, last_endpoint_id, revision_id, base_id) "
                             "VALUES ($1, $2, coalesce((SELECT max(id) FROM endpoints), 0), $3, $4) RETURNING id",
                             args(to_string(kind), now, revision_id, base_id));
  return r.integer(0, 0);
}

Result<FireOutcome> PgStore::start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                          Instant cursor) {
  return transact(*this, "recording a firing", [&](PgTransaction& tx) {
    if (const auto released = newer_calendar(tx, plan_revision_)) {
      return Result<FireOutcome>::failure(stale_plan(plan_revision_, *released));
    }
    FireOutcome outcome;
    const PgResult recorded = record_triggers(tx, triggers, kind == FireKind::late ? "late" : "fired", now);
    const std::vector<const Trigger*> fresh = fresh_triggers(triggers, recorded);
    outcome.new_triggers = static_cast<int>(fresh.size());
    outcome.already_recorded = static_cast<int>(triggers.size() - fresh.size());
    if (!fresh.empty()) {
      outcome.firing_id = record_firing(
          tx, kind == FireKind::late ? store::FiringKind::late : store::FiringKind::on_time, now, 0, 0);
      keep_firing_triggers(tx, outcome.firing_id, fresh);
    }
    set_cursor(tx, cursor);
    tx.commit();
    return Result<FireOutcome>::success(outcome);
  });
}

Result<int> PgStore::record_missed(const std::vector<Trigger>& triggers, Instant now, Instant cursor) {
  return transact(*this, "recording missed triggers", [&](PgTransaction& tx) {
    if (const auto released = newer_calendar(tx, plan_revision_)) {
      return Result<int>::failure(stale_plan(plan_revision_, *released));
    }
    const auto recorded = static_cast<int>(record_triggers(tx, triggers, "missed", now).rows());
    set_cursor(tx, cursor);
    tx.commit();
    return Result<int>::success(recorded);
  });
}

namespace {

// Whether a fan-out that had made `before` messages and now has `after` crossed one of the marks
// 16,384, 32,768, 65,536, ...: the outbox's statistics are refreshed each time it doubles, a
// handful of times for the largest fan-out (six for a million).
bool outgrew_statistics(std::int64_t before, std::int64_t after) {
  constexpr std::int64_t kFirstMark = 16384;
  for (std::int64_t mark = kFirstMark; mark <= after; mark *= 2) {
    if (mark > before) return true;
  }
  return false;
}

}  // namespace

Result<ChunkOutcome> PgStore::continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) {
  return transact(*this, "continuing a firing", [&](PgTransaction& tx) {
    using R = Result<ChunkOutcome>;
    // The oldest unfinished firing, locked for this chunk. Another node running a chunk of it
    // holds the lock: SKIP LOCKED, so this node is told so at once rather than waiting (its store
    // thread serves requests too), and tries again shortly; firings still complete in order. When
    // that node dies mid-chunk, its transaction ends with its connection and the next try here
    // resumes the firing. The outer `finished_at IS NULL` is checked again on the row as locked.
    const PgResult oldest = tx.prepared(std::string(kFiringRecordColumns) +
                                        " WHERE id = (SELECT min(id) FROM firings WHERE finished_at IS NULL) "
                                        "AND finished_at IS NULL FOR UPDATE SKIP LOCKED");
    ChunkOutcome outcome;
    if (oldest.rows() == 0) {
      outcome.elsewhere = tx.prepared("SELECT 1 FROM firings WHERE finished_at IS NULL LIMIT 1").rows() > 0;
      return R::success(outcome);
    }
    const FiringRecord firing = read_firing_row(oldest, 0);
    outcome.firing_id = firing.id;
    outcome.kind = firing.kind;
    outcome.revision_id = firing.revision_id;
    outcome.endpoints_from = firing.done_through;
    outcome.endpoints_through = firing_chunk_end(tx, firing, max_endpoints);
    if (firing.kind == store::FiringKind::notices) {
      const NoticeDecider* decide = store::notice_rule_for(deciders, firing);
      if (!decide) return R::failure(store::missing_notice_rule(firing));
      notice_chunk(tx, firing, *decide, now, outcome);
    } else {
      reminder_chunk(tx, firing, now, outcome);
    }
    store::conclude_chunk(firing, outcome);
    record_chunk_progress(tx, outcome, now);
    tx.commit();
    // A fan-out adds its messages in bulk, sooner than autovacuum's next look at the tables: the
    // claims that follow would be planned from statistics of the outbox before it. Seen: after
    // 10,000 messages a claim planned for "33 active endpoints" ran a nested loop over all of
    // them, 2 s a claim instead of milliseconds. Its own statement, after the commit: it only
    // samples (a few hundred milliseconds at a million rows), and a failure changes nothing.
    if (outcome.finished) {
      (void)tx.connection().exec("ANALYZE messages, deliveries, endpoints");
    } else if (outgrew_statistics(outcome.firing_messages - outcome.messages, outcome.firing_messages)) {
      // The fan-out's own chunks too: planned from an outbox it has since doubled, a
      // 1,000,000-endpoint fan-out took 175 µs of server CPU per message instead of 35 (173 s
      // against 36 s; with autovacuum on, as fast or as slow as its autoanalyze happened to come).
      (void)tx.connection().exec("ANALYZE messages, deliveries");
    }
    return R::success(outcome);
  });
}

Result<std::vector<FiringRecord>> PgStore::unfinished_firings() {
  return transact(
      *this, "reading unfinished firings",
      [&](PgTransaction& tx) {
        const PgResult r = tx.exec(std::string(kFiringRecordColumns) + " WHERE finished_at IS NULL ORDER BY id");
        std::vector<FiringRecord> all;
        for (int i = 0; i < r.rows(); ++i) all.push_back(read_firing_row(r, i));
        return Result<std::vector<FiringRecord>>::success(std::move(all));
      },
      PgTransaction::Access::read_only);
}

}  // namespace deadline::pg
