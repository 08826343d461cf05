// PgStore: the change notices of a released calendar revision (store/revision_store.h), as
// sqlite_change_notices.cc does them. They are a firing (pg_firings.cc): start_change_notices
// claims the change events and records the firing in one short transaction, once (the revision's
// notices_recorded flag, and one change event per window, from, to); each chunk of endpoints is
// then told in its own transaction. What a chunk decides is store/firing_support.h's, shared with
// SQLite; here are its reads and writes, a few statements per changed window and per chunk, never
// one per endpoint.

#include <limits>
#include <map>
#include <set>

#include "domain/change_notice_json.h"
#include "pg/pg_firings.h"
#include "pg/pg_store_support.h"
#include "store/firing_support.h"

namespace deadline::pg {

namespace {

using std::int64_t;
using store::KeyedChange;
using store::KeyedNotices;
using store::NoticeCandidate;
using store::ToldByEndpoint;

// The endpoints that may be told, with ids in (from, through].
std::vector<NoticeCandidate> notice_candidates(PgTransaction& tx, int64_t from, int64_t through) {
  const PgResult r = tx.prepared(
      "SELECT e.id, e.state FROM endpoints AS e JOIN subscribers AS s ON s.id = e.subscriber_id "
      "WHERE e.id > $1 AND e.id <= $2 AND s.state = 'active' "
      "AND e.state IN ('active', 'needs_attention', 'disabled') ORDER BY e.id",
      args(from, through));
  std::vector<NoticeCandidate> all;
  for (int i = 0; i < r.rows(); ++i) all.push_back({r.integer(i, 0), r.text(i, 1) == "active", {}, {}});
  store::attach_choices(all, read_endpoints_filters(tx, from, through), read_endpoints_leads(tx, from, through));
  return all;
}

// Endpoint → the close the ledger says it was last told of `window_id`, for endpoints with ids in
// (from, through]: one read per window and chunk where SQLite looks up each endpoint.
std::map<int64_t, Instant> ledger_closes(PgTransaction& tx, const std::string& window_id, int64_t from,
                                         int64_t through) {
  const PgResult r = tx.prepared(
      "SELECT endpoint_id, close_told FROM told WHERE window_id = $1 AND endpoint_id > $2 AND endpoint_id <= $3",
      args(window_id, from, through));
  std::map<int64_t, Instant> closes;
  for (int i = 0; i < r.rows(); ++i) closes.emplace(r.integer(i, 0), instant_at(r, i, 1));
  return closes;
}

// Endpoint → the window as its unsent notice of `window_id` had it before (store::UnsentBases),
// for endpoints with ids in (from, through]. Driven from the chunk's endpoints' messages
// (messages_by_endpoint), so the cost follows the chunk, not every unsent notice of the window:
// `state || ''`, an expression where the column was, keeps the planner off the state index, as
// SQLite's unary + does (statistics a fan-out outgrows say few messages are unsent).
store::UnsentBases unsent_notice_bases(PgTransaction& tx, const std::string& window_id, int64_t from,
                                       int64_t through) {
  const PgResult r = tx.prepared(
      "SELECT m.endpoint_id, c.change FROM messages AS m "
      "JOIN message_changes AS c ON c.message_id = m.id AND c.window_id = $1 "
      "WHERE m.endpoint_id > $2 AND m.endpoint_id <= $3 AND m.state || '' IN ('pending', 'retry') "
      "AND c.superseded = 0 ORDER BY c.revision_id DESC",
      args(window_id, from, through));
  store::UnsentBases bases;
  // The oldest unsent notice wins: read newest first, each older one overwrites.
  for (int i = 0; i < r.rows(); ++i) bases[r.integer(i, 0)] = store::told_before(r.text(i, 1));
  return bases;
}

// Unsent notices of `change`'s window to endpoints in (from, through] are superseded by the newer
// release; for a window withdrawn, their unsent reminders too. Returns how many rows were set
// aside.
int64_t supersede_unsent_items(PgTransaction& tx, const WindowChange& change, int64_t from, int64_t through) {
  // The chunk's range through messages_by_endpoint, not every unsent message through the state
  // index (`state || ''`, as in unsent_notice_bases).
  const std::string unsent =
      "message_id IN (SELECT id FROM messages WHERE state || '' IN ('pending', 'retry') "
      "AND endpoint_id > $2 AND endpoint_id <= $3)";
  int64_t n = tx.prepared("UPDATE message_changes SET superseded = 1 WHERE window_id = $1 AND superseded = 0 AND " +
                              unsent,
                          args(change.window_id, from, through))
                  .affected();
  const bool withdrawn = !change.after || change.after->status == WindowStatus::cancelled;
  if (withdrawn) {
    n += tx.prepared("UPDATE deliveries SET superseded = 1 WHERE window_id = $1 AND superseded = 0 "
                     "AND lead <> 'test' AND " + unsent,
                     args(change.window_id, from, through))
             .affected();
  }
  return n;
}

// Revision `id`'s notice-worthy changes from `base_id`, by window; with `only_claimed`, those
// whose change event exists (claimed by start_change_notices), else those whose event does not
// (what a release would claim now). Windows in byte order, as SQLite sorts them.
std::vector<KeyedChange> notice_changes_of(PgTransaction& tx, int64_t id, int64_t base_id, bool only_claimed) {
  const PgResult r = tx.prepared(
      "SELECT change FROM revision_changes WHERE revision_id = $1 ORDER BY window_id COLLATE \"C\"", args(id));
  std::vector<KeyedChange> worthy;
  PgArray keys;
  for (int i = 0; i < r.rows(); ++i) {
    std::optional<KeyedChange> c = store::keyed_notice_change(r.text(i, 0), base_id, id);
    if (!c) continue;
    keys.add(c->key);
    worthy.push_back(std::move(*c));
  }
  if (worthy.empty()) return worthy;
  // Which were claimed: one statement for all of them.
  const PgResult seen = tx.prepared("SELECT key FROM change_events WHERE key = ANY($1::text[])", args(keys));
  std::set<std::string> claimed;
  for (int i = 0; i < seen.rows(); ++i) claimed.insert(seen.text(i, 0));
  std::vector<KeyedChange> changes;
  for (KeyedChange& c : worthy) {
    if ((claimed.count(c.key) > 0) == only_claimed) changes.push_back(std::move(c));
  }
  return changes;
}

// Endpoint → what it is told (with each notice's event key), for the endpoints `endpoints` (ids
// in (from, through]). With `supersede`, unsent items of those endpoints are set aside as each
// change is taken (counted in `superseded`); previewing, nothing is written.
ToldByEndpoint decide_chunk_notices(PgTransaction& tx, const std::vector<KeyedChange>& changes,
                                    const std::vector<NoticeCandidate>& endpoints, int64_t from, int64_t through,
                                    const NoticeDecider& decide, bool supersede, int64_t& superseded) {
  ToldByEndpoint told;
  for (const KeyedChange& keyed : changes) {
    const WindowChange& change = keyed.change;
    const store::UnsentBases bases = unsent_notice_bases(tx, change.window_id, from, through);
    if (supersede) superseded += supersede_unsent_items(tx, change, from, through);
    const std::map<int64_t, Instant> ledger = ledger_closes(tx, change.window_id, from, through);
    const store::LedgerClose close = [&ledger](int64_t endpoint_id) -> std::optional<Instant> {
      const auto found = ledger.find(endpoint_id);
      if (found == ledger.end()) return std::nullopt;
      return found->second;
    };
    store::decide_change(keyed, endpoints, bases, close, decide, told);
  }
  return told;
}

// The messages of a chunk, as array parameters: one per endpoint told.
struct ToldMessages {
  PgArray endpoint_ids, states, expiries, errors;
};

// The rows that go with them, as array parameters: each notice's item, its change event's count,
// and the overdue reminder a move put in the past.
struct ToldItems {
  PgArray messages, window_ids, keys, changes, closes_told, open_until;
  PgArray overdue_messages, overdue_endpoints, overdue_keys, overdue_windows, overdue_leads, overdue_closes;

  void add(const std::string& message_id, int64_t endpoint_id, const std::string& key, const ToldChange& notice,
           Instant now) {
    messages.add(message_id);
    window_ids.add(notice.window_id);
    keys.add(key);
    changes.add(told_change_json(notice).dump());
    closes_told.add(seconds(store::close_told(notice)));
    open_until.add(seconds(store::open_until(notice)));
    if (const std::optional<Trigger> trigger = store::overdue_reminder(notice, now)) {
      // The reminder the move put in the past travels with the notice; its trigger key is
      // taken for this endpoint, so the scheduler never sends it as well.
      overdue_messages.add(message_id);
      overdue_endpoints.add(endpoint_id);
      overdue_keys.add(trigger->key());
      overdue_windows.add(notice.window_id);
      overdue_leads.add(notice.overdue_lead);
      overdue_closes.add(seconds(trigger->closes));
    }
  }
};

// Inserts the messages of `list` made at `now` for `firing`: endpoint id → the new message's id.
std::map<int64_t, std::string> insert_told_messages(PgTransaction& tx, const FiringRecord& firing,
                                                    const ToldMessages& list, Instant now) {
  const PgResult made = tx.prepared(
      std::string("INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                  "expires_at, updated_at, last_error, firing_id) SELECT ") +
          kNewMessageIdSql +
          ", e, $1::bigint, $1::bigint, s, $1::bigint, x, $1::bigint, nullif(err, ''), $2::bigint "
          "FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[]) AS t(e, s, x, err) "
          "RETURNING endpoint_id, id",
      args(now, firing.id, list.endpoint_ids, list.states, list.expiries, list.errors));
  std::map<int64_t, std::string> ids;
  for (int i = 0; i < made.rows(); ++i) ids.emplace(made.integer(i, 0), made.text(i, 1));
  return ids;
}

void insert_told_items(PgTransaction& tx, const FiringRecord& firing, const ToldItems& items) {
  tx.prepared("INSERT INTO message_changes (message_id, window_id, event_key, revision_id, change, close_told, "
              "open_until) SELECT m, w, k, $7::bigint, c, ct, ou FROM unnest($1::text[], $2::text[], $3::text[], "
              "$4::text[], $5::bigint[], $6::bigint[]) AS t(m, w, k, c, ct, ou)",
              args(items.messages, items.window_ids, items.keys, items.changes, items.closes_told, items.open_until,
                   firing.revision_id));
  tx.prepared("UPDATE change_events SET messages = messages + c.n "
              "FROM (SELECT k, count(*) AS n FROM unnest($1::text[]) AS t(k) GROUP BY k) AS c "
              "WHERE change_events.key = c.k",
              args(items.keys));
  if (items.overdue_messages.empty()) return;
  tx.prepared("INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at) "
              "SELECT m, e, k, w, l, c FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
              "$6::bigint[]) AS t(m, e, k, w, l, c) ON CONFLICT DO NOTHING",
              args(items.overdue_messages, items.overdue_endpoints, items.overdue_keys, items.overdue_windows,
                   items.overdue_leads, items.overdue_closes));
}

// Records the messages of `told`, each with its items (and the overdue reminder a move put in
// the past); messages to endpoints not active are created expired. Returns how many.
int64_t record_told_notices(PgTransaction& tx, const FiringRecord& firing, const ToldByEndpoint& told,
                            const std::vector<NoticeCandidate>& endpoints, Instant now) {
  std::map<int64_t, bool> active;
  for (const NoticeCandidate& c : endpoints) active[c.id] = c.active;
  ToldMessages list;
  std::map<int64_t, KeyedNotices> sent;  // endpoint → the notices its message carries
  for (const auto& [endpoint_id, all_notices] : told) {
    KeyedNotices notices = store::still_open(all_notices, now);
    if (notices.empty()) continue;
    const bool sendable = active[endpoint_id];
    list.endpoint_ids.add(endpoint_id);
    list.states.add(std::string(sendable ? "pending" : "expired"));
    list.expiries.add(seconds(store::notices_expire(notices, now)));
    // Replayed on re-enable while its windows are open ('' is stored as NULL).
    list.errors.add(std::string(sendable ? "" : "endpoint disabled"));
    sent.emplace(endpoint_id, std::move(notices));
  }
  if (sent.empty()) return 0;
  const std::map<int64_t, std::string> message_ids = insert_told_messages(tx, firing, list, now);
  ToldItems items;
  for (const auto& [endpoint_id, notices] : sent) {
    const std::string& message_id = message_ids.at(endpoint_id);
    for (const auto& [key, notice] : notices) items.add(message_id, endpoint_id, key, notice, now);
  }
  insert_told_items(tx, firing, items);
  return static_cast<int64_t>(sent.size());
}

}  // namespace

void notice_chunk(PgTransaction& tx, const FiringRecord& firing, const NoticeDecider& decide, Instant now,
                  ChunkOutcome& outcome) {
  const std::vector<KeyedChange> changes = notice_changes_of(tx, firing.revision_id, firing.base_id, true);
  if (changes.empty()) return;
  const std::vector<NoticeCandidate> endpoints = notice_candidates(tx, outcome.endpoints_from, outcome.endpoints_through);
  const ToldByEndpoint told = decide_chunk_notices(tx, changes, endpoints, outcome.endpoints_from,
                                                   outcome.endpoints_through, decide, true, outcome.superseded);
  outcome.messages = record_told_notices(tx, firing, told, endpoints, now);
}

Result<NoticeOutcome> PgStore::preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return transact(
      *this, "previewing change notices",
      [&](PgTransaction& tx) {
        using R = Result<NoticeOutcome>;
        const PgResult revision = tx.exec("SELECT base_id FROM calendar_revisions WHERE id = $1", args(id));
        if (revision.rows() == 0) return R::failure("no calendar revision #" + std::to_string(id));
        const std::vector<KeyedChange> changes = notice_changes_of(tx, id, revision.integer(0, 0), false);
        const int64_t everyone = std::numeric_limits<int64_t>::max();
        NoticeOutcome outcome;
        outcome.events = static_cast<int64_t>(changes.size());
        int64_t unused = 0;
        outcome.messages = store::endpoints_told(
            decide_chunk_notices(tx, changes, notice_candidates(tx, 0, everyone), 0, everyone, decide, false, unused),
            now);
        tx.commit();
        return R::success(outcome);
      },
      PgTransaction::Access::read_only);  // one consistent read, nothing written
}

Result<NoticeOutcome> PgStore::start_change_notices(std::int64_t id, Instant now) {
  return transact(*this, "recording change notices", [&](PgTransaction& tx) {
    using R = Result<NoticeOutcome>;
    const PgResult revision =
        tx.exec("SELECT state, notices_recorded, base_id FROM calendar_revisions WHERE id = $1", args(id));
    if (revision.rows() == 0) return R::failure("no calendar revision #" + std::to_string(id));
    if (revision.text(0, 0) != "released") {
      return R::failure("calendar revision #" + std::to_string(id) + " is not released");
    }
    NoticeOutcome outcome;
    if (revision.integer(0, 1) != 0) {
      outcome.already_recorded = true;
      return R::success(outcome);
    }
    const int64_t base_id = revision.integer(0, 2);
    // A window's from → to is told once: its change event is claimed here, and a change whose
    // event exists was told before.
    PgArray keys, window_ids;
    for (const auto& [key, change] : notice_changes_of(tx, id, base_id, false)) {
      keys.add(key);
      window_ids.add(change.window_id);
      ++outcome.events;
    }
    if (outcome.events > 0) {
      tx.exec("INSERT INTO change_events (key, window_id, from_revision, to_revision, recorded_at) "
              "SELECT k, w, $3::bigint, $4::bigint, $5::bigint FROM unnest($1::text[], $2::text[]) AS t(k, w)",
              args(keys, window_ids, base_id, id, now));
      outcome.firing_id = record_firing(tx, store::FiringKind::notices, now, id, base_id);
    }
    tx.exec("UPDATE calendar_revisions SET notices_recorded = 1 WHERE id = $1", args(id));
    tx.commit();
    return R::success(outcome);
  });
}

Result<NoticeOutcome> PgStore::record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return store::record_change_notices_in_chunks(*this, id, decide, now);
}

}  // namespace deadline::pg
