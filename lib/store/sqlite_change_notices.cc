// SqliteStore: the change notices of a released calendar revision (store/revision_store.h). They
// are a firing (sqlite_firings.cc): start_change_notices claims the change events and records the
// firing in one short transaction, once (the revision's notices_recorded flag, and one change
// event per window, from, to); each chunk of endpoints is then told in its own transaction.

#include <SQLiteCpp/SQLiteCpp.h>

#include <limits>
#include <map>

#include "domain/change_notice_json.h"
#include "domain/trigger.h"
#include "store/firing_support.h"
#include "store/sqlite_firings.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

// The endpoints that may be told, with ids in (from, through].
std::vector<NoticeCandidate> candidates(SQLite::Database& db, std::int64_t from, std::int64_t through) {
  SQLite::Statement q(db,
                      "SELECT e.id, e.state FROM endpoints AS e JOIN subscribers AS s ON s.id = e.subscriber_id "
                      "WHERE e.id > ?1 AND e.id <= ?2 AND s.state = 'active' "
                      "AND +e.state IN ('active', 'needs_attention', 'disabled') ORDER BY e.id");
  q.bind(1, from);
  q.bind(2, through);
  std::vector<NoticeCandidate> all;
  while (q.executeStep()) all.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString() == "active", {}, {}});
  attach_choices(all, read_endpoints_filters(db, from, through), read_endpoints_leads(db, from, through));
  return all;
}

std::optional<Instant> ledger_close(SQLite::Statement& q, std::int64_t endpoint_id, const std::string& window_id) {
  q.bind(1, endpoint_id);
  q.bind(2, window_id);
  std::optional<Instant> close;
  if (q.executeStep()) close = instant(q.getColumn(0).getInt64());
  q.reset();
  return close;
}

// Endpoint → the window as its unsent notice of `window_id` had it before (UnsentBases), for
// endpoints with ids in (from, through].
UnsentBases unsent_bases(SQLite::Database& db, const std::string& window_id,
                                                                    std::int64_t from, std::int64_t through) {
  // Driven from the chunk's endpoints' messages (messages_by_endpoint), so the cost follows the
  // chunk, not every unsent notice of the window.
  SQLite::Statement q(db,
                      "SELECT m.endpoint_id, c.change FROM messages AS m "
                      "CROSS JOIN message_changes AS c ON c.message_id = m.id AND c.window_id = ?1 "
                      "WHERE m.endpoint_id > ?2 AND m.endpoint_id <= ?3 AND +m.state IN ('pending', 'retry') "
                      "AND c.superseded = 0 ORDER BY c.revision_id DESC");
  q.bind(1, window_id);
  q.bind(2, from);
  q.bind(3, through);
  UnsentBases bases;
  while (q.executeStep()) {
    // The oldest unsent notice wins: read newest first, each older one overwrites.
    bases[q.getColumn(0).getInt64()] = told_before(q.getColumn(1).getString());
  }
  return bases;
}

// Unsent notices of `window_id` to endpoints in (from, through] are superseded by the newer
// release; for a window withdrawn, their unsent reminders too. Returns how many rows were set
// aside.
std::int64_t supersede_unsent(SQLite::Database& db, const WindowChange& change, std::int64_t from,
                              std::int64_t through) {
  // The unary + keeps SQLite on messages_by_endpoint (the chunk's range) rather than scanning every
  // unsent message through the state index, once per chunk.
  const std::string unsent =
      "message_id IN (SELECT id FROM messages WHERE +state IN ('pending', 'retry') "
      "AND endpoint_id > ?2 AND endpoint_id <= ?3)";
  SQLite::Statement notices(db, "UPDATE message_changes SET superseded = 1 WHERE window_id = ?1 "
                                "AND superseded = 0 AND " + unsent);
  notices.bind(1, change.window_id);
  notices.bind(2, from);
  notices.bind(3, through);
  std::int64_t n = notices.exec();
  const bool withdrawn = !change.after || change.after->status == WindowStatus::cancelled;
  if (withdrawn) {
    SQLite::Statement reminders(db, "UPDATE deliveries SET superseded = 1 WHERE window_id = ?1 "
                                    "AND superseded = 0 AND lead != 'test' AND " + unsent);
    reminders.bind(1, change.window_id);
    reminders.bind(2, from);
    reminders.bind(3, through);
    n += reminders.exec();
  }
  return n;
}

// Revision `id`'s notice-worthy changes from `base_id`, by window; with `only_claimed`, those
// whose change event exists (claimed by start_change_notices), else those whose event does not
// (what a release would claim now).
std::vector<KeyedChange> notice_changes(SQLite::Database& db, std::int64_t id, std::int64_t base_id,
                                        bool only_claimed) {
  SQLite::Statement q(db, "SELECT change FROM revision_changes WHERE revision_id = ?1 ORDER BY window_id");
  q.bind(1, id);
  SQLite::Statement seen(db, "SELECT 1 FROM change_events WHERE key = ?1");
  std::vector<KeyedChange> changes;
  while (q.executeStep()) {
    std::optional<KeyedChange> c = keyed_notice_change(q.getColumn(0).getString(), base_id, id);
    if (!c) continue;
    seen.bind(1, c->key);
    const bool claimed = seen.executeStep();
    seen.reset();
    if (claimed == only_claimed) changes.push_back(std::move(*c));
  }
  return changes;
}

// Endpoint → what it is told (with each notice's event key), for the endpoints `endpoints` (ids
// in (from, through]). With `supersede`, unsent items of those endpoints are set aside as each
// change is taken (counted in `superseded`); previewing, nothing is written.
ToldByEndpoint decide_notices(SQLite::Database& db, const std::vector<KeyedChange>& changes,
                              const std::vector<NoticeCandidate>& endpoints, std::int64_t from, std::int64_t through,
                              const NoticeDecider& decide, bool supersede, std::int64_t& superseded) {
  SQLite::Statement ledger(db, "SELECT close_told FROM told WHERE endpoint_id = ?1 AND window_id = ?2");
  ToldByEndpoint told;
  for (const KeyedChange& keyed : changes) {
    const WindowChange& change = keyed.change;
    const auto bases = unsent_bases(db, change.window_id, from, through);
    if (supersede) superseded += supersede_unsent(db, change, from, through);
    const LedgerClose close = [&](std::int64_t endpoint_id) {
      return ledger_close(ledger, endpoint_id, change.window_id);
    };
    decide_change(keyed, endpoints, bases, close, decide, told);
  }
  return told;
}

// Records the messages of `told`, each with its items (and the overdue reminder a move put in
// the past); messages to endpoints not active are created expired. Returns how many.
std::int64_t record_told(SQLite::Database& db, const FiringRecord& firing, const ToldByEndpoint& told,
                         const std::vector<NoticeCandidate>& endpoints, Instant now) {
  std::map<std::int64_t, bool> active;
  for (const NoticeCandidate& c : endpoints) active[c.id] = c.active;
  SQLite::Statement message(db,
                            std::string("INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                                        "expires_at, updated_at, last_error, firing_id) VALUES (") +
                                kNewMessageIdSql + ", ?1, ?2, ?2, ?3, ?2, ?4, ?2, ?5, ?6) RETURNING id");
  SQLite::Statement item(db,
                         "INSERT INTO message_changes (message_id, window_id, event_key, revision_id, change, close_told, "
                         "open_until) VALUES (?1, ?2, ?3, ?7, ?4, ?5, ?6)");
  SQLite::Statement overdue(db,
                            "INSERT OR IGNORE INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, "
                            "closes_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  SQLite::Statement counted(db, "UPDATE change_events SET messages = messages + 1 WHERE key = ?1");
  std::int64_t messages = 0;
  for (const auto& [endpoint_id, all_notices] : told) {
    const KeyedNotices notices = still_open(all_notices, now);
    if (notices.empty()) continue;
    const Instant expires = notices_expire(notices, now);
    const bool sendable = active[endpoint_id];
    message.bind(1, endpoint_id);
    message.bind(2, seconds(now));
    message.bind(3, sendable ? "pending" : "expired");
    message.bind(4, seconds(expires));
    if (sendable) {
      message.bind(5);
    } else {
      message.bind(5, "endpoint disabled");  // replayed on re-enable while its windows are open
    }
    message.bind(6, firing.id);
    message.executeStep();
    const std::string message_id = message.getColumn(0).getString();
    message.reset();
    ++messages;
    for (const auto& [key, notice] : notices) {
      item.bind(1, message_id);
      item.bind(2, notice.window_id);
      item.bind(3, key);
      item.bind(4, told_change_json(notice).dump());
      item.bind(5, seconds(close_told(notice)));
      item.bind(6, seconds(open_until(notice)));
      item.bind(7, firing.revision_id);
      item.exec();
      item.reset();
      counted.bind(1, key);
      counted.exec();
      counted.reset();
      if (const std::optional<Trigger> trigger = overdue_reminder(notice, now)) {
        overdue.bind(1, message_id);
        overdue.bind(2, endpoint_id);
        overdue.bind(3, trigger->key());
        overdue.bind(4, notice.window_id);
        overdue.bind(5, notice.overdue_lead);
        overdue.bind(6, seconds(trigger->closes));
        overdue.exec();
        overdue.reset();
      }
    }
  }
  return messages;
}

}  // namespace

void notice_chunk(SQLite::Database& db, const FiringRecord& firing, const NoticeDecider& decide, Instant now,
                  ChunkOutcome& outcome) {
  const std::vector<KeyedChange> changes = notice_changes(db, firing.revision_id, firing.base_id, true);
  if (changes.empty()) return;
  const std::vector<NoticeCandidate> endpoints = candidates(db, outcome.endpoints_from, outcome.endpoints_through);
  const ToldByEndpoint told = decide_notices(db, changes, endpoints, outcome.endpoints_from,
                                             outcome.endpoints_through, decide, true, outcome.superseded);
  outcome.messages = record_told(db, firing, told, endpoints, now);
}

Result<NoticeOutcome> SqliteStore::preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return guarded("previewing change notices", [&] {
    using R = Result<NoticeOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db);  // DEFERRED: one consistent read, nothing written
    SQLite::Statement revision(db, "SELECT base_id FROM calendar_revisions WHERE id = ?1");
    revision.bind(1, id);
    if (!revision.executeStep()) return R::failure("no calendar revision #" + std::to_string(id));
    const std::vector<KeyedChange> changes = notice_changes(db, id, revision.getColumn(0).getInt64(), false);
    const std::int64_t everyone = std::numeric_limits<std::int64_t>::max();
    NoticeOutcome outcome;
    outcome.events = static_cast<std::int64_t>(changes.size());
    std::int64_t unused = 0;
    outcome.messages =
        endpoints_told(decide_notices(db, changes, candidates(db, 0, everyone), 0, everyone, decide, false, unused), now);
    transaction.commit();
    return R::success(outcome);
  });
}

Result<NoticeOutcome> SqliteStore::start_change_notices(std::int64_t id, Instant now) {
  return guarded("recording change notices", [&] {
    using R = Result<NoticeOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement revision(db, "SELECT state, notices_recorded, base_id FROM calendar_revisions WHERE id = ?1");
    revision.bind(1, id);
    if (!revision.executeStep()) return R::failure("no calendar revision #" + std::to_string(id));
    if (revision.getColumn(0).getString() != "released") {
      return R::failure("calendar revision #" + std::to_string(id) + " is not released");
    }
    NoticeOutcome outcome;
    if (revision.getColumn(1).getInt() != 0) {
      outcome.already_recorded = true;
      return R::success(outcome);
    }
    const std::int64_t base_id = revision.getColumn(2).getInt64();
    // A window's from → to is told once: its change event is claimed here, and a change whose
    // event exists was told before.
    SQLite::Statement event(db,
                            "INSERT INTO change_events (key, window_id, from_revision, to_revision, recorded_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const auto& [key, change] : notice_changes(db, id, base_id, false)) {
      event.bind(1, key);
      event.bind(2, change.window_id);
      event.bind(3, base_id);
      event.bind(4, id);
      event.bind(5, seconds(now));
      event.exec();
      event.reset();
      ++outcome.events;
    }
    if (outcome.events > 0) outcome.firing_id = record_firing(db, FiringKind::notices, now, id, base_id);
    SQLite::Statement done(db, "UPDATE calendar_revisions SET notices_recorded = 1 WHERE id = ?1");
    done.bind(1, id);
    done.exec();
    transaction.commit();
    return R::success(outcome);
  });
}

Result<NoticeOutcome> SqliteStore::record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return record_change_notices_in_chunks(*this, id, decide, now);
}

}  // namespace deadline::store
