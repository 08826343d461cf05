// SqliteStore: the change notices of a released calendar revision (store/revision_store.h). They
// are a firing (sqlite_firings.cc): start_change_notices claims the change events and records the
// firing in one short transaction, once (the revision's notices_recorded flag, and one change
// event per window, from, to); each chunk of endpoints is then told in its own transaction.

#include <SQLiteCpp/SQLiteCpp.h>

#include <limits>
#include <map>

#include "domain/change_notice_json.h"
#include "domain/revision_json.h"
#include "domain/trigger.h"
#include "store/sqlite_firings.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using nlohmann::json;

// Nothing is said about a window from this instant on: the new close for a window that is still
// there, the old close for one withdrawn.
Instant open_until(const ToldChange& told) { return told.current && told.current->status != WindowStatus::cancelled
                                                        ? told.current->closes_at
                                                        : told.previous->closes_at; }

// The close the ledger records once the notice is sent.
Instant close_told(const ToldChange& told) { return told.current ? told.current->closes_at : told.previous->closes_at; }

struct Candidate {
  std::int64_t id = 0;
  bool active = false;                    // endpoint active (else its notices are created expired)
  EndpointFilters filters;
  std::vector<std::string> leads;
};

// The endpoints that may be told, with ids in (from, through].
std::vector<Candidate> candidates(SQLite::Database& db, std::int64_t from, std::int64_t through) {
  SQLite::Statement q(db,
                      "SELECT e.id, e.state FROM endpoints AS e JOIN subscribers AS s ON s.id = e.subscriber_id "
                      "WHERE e.id > ?1 AND e.id <= ?2 AND s.state = 'active' "
                      "AND +e.state IN ('active', 'needs_attention', 'disabled') ORDER BY e.id");
  q.bind(1, from);
  q.bind(2, through);
  std::vector<Candidate> all;
  while (q.executeStep()) all.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString() == "active", {}, {}});
  auto filters = read_endpoints_filters(db, from, through);
  auto leads = read_endpoints_leads(db, from, through);
  for (Candidate& c : all) {
    if (auto f = filters.find(c.id); f != filters.end()) c.filters = std::move(f->second);
    if (auto l = leads.find(c.id); l != leads.end()) c.leads = std::move(l->second);
  }
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

// Endpoint → the window as its unsent notice of `window_id` had it before (nullopt: that notice
// told it as added), for endpoints with ids in (from, through]. A newer release supersedes those
// notices, and the endpoint is then told the net change from what it was last told, not the step
// between the two releases.
std::map<std::int64_t, std::optional<RevisionWindow>> unsent_bases(SQLite::Database& db, const std::string& window_id,
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
  std::map<std::int64_t, std::optional<RevisionWindow>> bases;
  while (q.executeStep()) {
    // The oldest unsent notice wins: read newest first, each older one overwrites.
    bases[q.getColumn(0).getInt64()] = told_change_from_json(json::parse(q.getColumn(1).getString())).previous;
  }
  return bases;
}

// The change from `base` (what an endpoint was last told) to the window as released now; nullopt
// when there is nothing notice-worthy between them.
std::optional<WindowChange> net_change(const std::optional<RevisionWindow>& base, const WindowChange& latest) {
  std::vector<RevisionWindow> before, after;
  if (base) before.push_back(*base);
  if (latest.after) after.push_back(*latest.after);
  std::vector<WindowChange> net = diff_revisions(before, after);
  if (net.empty() || !is_notice_worthy(net.front())) return std::nullopt;
  return std::move(net.front());
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

// A notice-worthy change of a revision with the key of its change event.
struct KeyedChange {
  std::string key;                        // window id | from revision | to revision
  WindowChange change;
};

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
    WindowChange c = window_change_from_json(json::parse(q.getColumn(0).getString()));
    if (!is_notice_worthy(c)) continue;
    std::string key = c.window_id + "|" + std::to_string(base_id) + "|" + std::to_string(id);
    seen.bind(1, key);
    const bool claimed = seen.executeStep();
    seen.reset();
    if (claimed == only_claimed) changes.push_back({std::move(key), std::move(c)});
  }
  return changes;
}

// Endpoint → what it is told (with each notice's event key), for the endpoints `endpoints` (ids
// in (from, through]). With `supersede`, unsent items of those endpoints are set aside as each
// change is taken (counted in `superseded`); previewing, nothing is written.
using ToldByEndpoint = std::map<std::int64_t, std::vector<std::pair<std::string, ToldChange>>>;
ToldByEndpoint decide_notices(SQLite::Database& db, const std::vector<KeyedChange>& changes,
                              const std::vector<Candidate>& endpoints, std::int64_t from, std::int64_t through,
                              const NoticeDecider& decide, bool supersede, std::int64_t& superseded) {
  SQLite::Statement ledger(db, "SELECT close_told FROM told WHERE endpoint_id = ?1 AND window_id = ?2");
  ToldByEndpoint told;
  for (const auto& [key, change] : changes) {
    const auto bases = unsent_bases(db, change.window_id, from, through);
    if (supersede) superseded += supersede_unsent(db, change, from, through);
    const WindowFacts& facts = change.either().facts;  // a removed window: as it was
    for (const Candidate& c : endpoints) {
      if (!filters_match(c.filters, facts)) continue;
      const std::optional<Instant> close = ledger_close(ledger, c.id, change.window_id);
      std::optional<ToldChange> notice;
      if (const auto base = bases.find(c.id); base != bases.end()) {
        if (const auto net = net_change(base->second, change)) notice = decide(*net, close, c.leads);
      } else {
        notice = decide(change, close, c.leads);
      }
      if (notice) told[c.id].emplace_back(key, std::move(*notice));
    }
  }
  return told;
}

// Records the messages of `told`, each with its items (and the overdue reminder a move put in
// the past); messages to endpoints not active are created expired. Returns how many.
std::int64_t record_told(SQLite::Database& db, const FiringRecord& firing, const ToldByEndpoint& told,
                         const std::vector<Candidate>& endpoints, Instant now) {
  std::map<std::int64_t, bool> active;
  for (const Candidate& c : endpoints) active[c.id] = c.active;
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
    // A chunk never tells of a window nothing is sent about any more (its close has passed).
    std::vector<std::pair<std::string, ToldChange>> notices;
    for (const auto& keyed : all_notices) {
      if (open_until(keyed.second) > now) notices.push_back(keyed);
    }
    if (notices.empty()) continue;
    Instant expires = now;
    for (const auto& [key, notice] : notices) expires = std::max(expires, open_until(notice));
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
      if (!notice.overdue_lead.empty() && notice.current) {
        // The reminder the move put in the past travels with the notice; its trigger key is
        // taken for this endpoint, so the scheduler never sends it as well.
        const Trigger trigger{notice.window_id, notice.overdue_lead, now, notice.current->closes_at, {}};
        overdue.bind(1, message_id);
        overdue.bind(2, endpoint_id);
        overdue.bind(3, trigger.key());
        overdue.bind(4, notice.window_id);
        overdue.bind(5, notice.overdue_lead);
        overdue.bind(6, seconds(notice.current->closes_at));
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
  const std::vector<Candidate> endpoints = candidates(db, outcome.endpoints_from, outcome.endpoints_through);
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
    std::int64_t told = 0;
    for (const auto& [endpoint, notices] :
         decide_notices(db, changes, candidates(db, 0, everyone), 0, everyone, decide, false, unused)) {
      for (const auto& keyed : notices) {
        if (open_until(keyed.second) > now) {
          ++told;
          break;
        }
      }
    }
    outcome.messages = told;
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
  const auto started = start_change_notices(id, now);
  if (!started || started->firing_id == 0) return started;
  NoticeOutcome outcome = *started;
  const NoticeDeciders deciders{{id, decide}};
  for (;;) {
    const auto chunk = continue_firing(now, 1000, deciders);
    if (!chunk) return Result<NoticeOutcome>::failure(chunk.error());
    if (chunk->firing_id == 0) return Result<NoticeOutcome>::success(outcome);
    if (chunk->firing_id != outcome.firing_id) continue;
    outcome.messages += chunk->messages;
    outcome.superseded += chunk->superseded;
  }
}

}  // namespace deadline::store
