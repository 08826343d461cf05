// SqliteStore: the change notices of a released calendar revision (store/revision_store.h,
// record_change_notices). One transaction: the revision's notices are recorded whole or not at
// all, and once (its notices_recorded flag, and one change event per window, from, to).

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>

#include "domain/change_notice_json.h"
#include "domain/revision_json.h"
#include "domain/trigger.h"
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

std::vector<Candidate> candidates(SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT e.id, e.state FROM endpoints AS e JOIN subscribers AS s ON s.id = e.subscriber_id "
                      "WHERE s.state = 'active' AND e.state IN ('active', 'needs_attention', 'disabled') ORDER BY e.id");
  std::vector<Candidate> all;
  while (q.executeStep()) all.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString() == "active", {}, {}});
  auto filters = read_every_endpoints_filters(db);
  auto leads = read_every_endpoints_leads(db);
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
// told it as added). A newer release supersedes those notices, and the endpoint is then told the
// net change from what it was last told, not the step between the two releases.
std::map<std::int64_t, std::optional<RevisionWindow>> unsent_bases(SQLite::Database& db, const std::string& window_id) {
  SQLite::Statement q(db,
                      "SELECT m.endpoint_id, c.change FROM message_changes AS c JOIN messages AS m ON m.id = c.message_id "
                      "WHERE c.window_id = ?1 AND c.superseded = 0 AND m.state IN ('pending', 'retry') "
                      "ORDER BY c.revision_id DESC");
  q.bind(1, window_id);
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

// Unsent notices of `window_id` are superseded by the newer release; for a window withdrawn, its
// unsent reminders too. Returns how many rows were set aside.
std::int64_t supersede_unsent(SQLite::Database& db, const WindowChange& change) {
  const char* unsent = "message_id IN (SELECT id FROM messages WHERE state IN ('pending', 'retry'))";
  SQLite::Statement notices(db, std::string("UPDATE message_changes SET superseded = 1 WHERE window_id = ?1 "
                                            "AND superseded = 0 AND ") + unsent);
  notices.bind(1, change.window_id);
  std::int64_t n = notices.exec();
  const bool withdrawn = !change.after || change.after->status == WindowStatus::cancelled;
  if (withdrawn) {
    SQLite::Statement reminders(db, std::string("UPDATE deliveries SET superseded = 1 WHERE window_id = ?1 "
                                                "AND superseded = 0 AND lead != 'test' AND ") + unsent);
    reminders.bind(1, change.window_id);
    n += reminders.exec();
  }
  return n;
}

// Endpoint → what it is told (with each notice's event key), for revision `id`'s notice-worthy
// changes from `base_id`. Recording, each change event is claimed (a window's from → to told
// before is skipped) and unsent items superseded; previewing, nothing is written.
using ToldByEndpoint = std::map<std::int64_t, std::vector<std::pair<std::string, ToldChange>>>;
ToldByEndpoint decide_notices(SQLite::Database& db, std::int64_t id, std::int64_t base_id,
                              const std::vector<Candidate>& endpoints, const NoticeDecider& decide, Instant now,
                              bool record, NoticeOutcome& outcome) {
  std::vector<WindowChange> changes;
  {
    SQLite::Statement q(db, "SELECT change FROM revision_changes WHERE revision_id = ?1 ORDER BY window_id");
    q.bind(1, id);
    while (q.executeStep()) {
      WindowChange c = window_change_from_json(json::parse(q.getColumn(0).getString()));
      if (is_notice_worthy(c)) changes.push_back(std::move(c));
    }
  }
  SQLite::Statement ledger(db, "SELECT close_told FROM told WHERE endpoint_id = ?1 AND window_id = ?2");
  SQLite::Statement seen(db, "SELECT 1 FROM change_events WHERE key = ?1");
  SQLite::Statement event(db,
                          "INSERT INTO change_events (key, window_id, from_revision, to_revision, recorded_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)");
  ToldByEndpoint told;
  for (const WindowChange& change : changes) {
    const std::string key = change.window_id + "|" + std::to_string(base_id) + "|" + std::to_string(id);
    seen.bind(1, key);
    const bool told_before = seen.executeStep();
    seen.reset();
    if (told_before) continue;  // this window's from → to was told before
    const auto bases = unsent_bases(db, change.window_id);
    if (record) {
      event.bind(1, key);
      event.bind(2, change.window_id);
      event.bind(3, base_id);
      event.bind(4, id);
      event.bind(5, seconds(now));
      event.exec();
      event.reset();
      outcome.superseded += supersede_unsent(db, change);
    }
    ++outcome.events;
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
  outcome.messages = static_cast<std::int64_t>(told.size());
  return told;
}

}  // namespace

Result<NoticeOutcome> SqliteStore::preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
  return guarded("previewing change notices", [&] {
    using R = Result<NoticeOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db);  // DEFERRED: one consistent read, nothing written
    SQLite::Statement revision(db, "SELECT base_id FROM calendar_revisions WHERE id = ?1");
    revision.bind(1, id);
    if (!revision.executeStep()) return R::failure("no calendar revision #" + std::to_string(id));
    NoticeOutcome outcome;
    decide_notices(db, id, revision.getColumn(0).getInt64(), candidates(db), decide, now, false, outcome);
    transaction.commit();
    return R::success(outcome);
  });
}

Result<NoticeOutcome> SqliteStore::record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) {
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
    const std::vector<Candidate> endpoints = candidates(db);
    const ToldByEndpoint told =
        decide_notices(db, id, revision.getColumn(2).getInt64(), endpoints, decide, now, true, outcome);
    std::map<std::int64_t, bool> active;
    for (const Candidate& c : endpoints) active[c.id] = c.active;
    SQLite::Statement message(db,
                              "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                              "expires_at, updated_at, last_error) VALUES (lower(hex(randomblob(16))), ?1, ?2, ?2, ?3, ?2, "
                              "?4, ?2, ?5) RETURNING id");
    SQLite::Statement item(db,
                           "INSERT INTO message_changes (message_id, window_id, event_key, revision_id, change, close_told, "
                           "open_until) VALUES (?1, ?2, ?3, ?7, ?4, ?5, ?6)");
    SQLite::Statement overdue(db,
                              "INSERT OR IGNORE INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, "
                              "closes_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    SQLite::Statement counted(db, "UPDATE change_events SET messages = messages + 1 WHERE key = ?1");
    for (const auto& [endpoint_id, notices] : told) {
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
      message.executeStep();
      const std::string message_id = message.getColumn(0).getString();
      message.reset();
      for (const auto& [key, notice] : notices) {
        item.bind(1, message_id);
        item.bind(2, notice.window_id);
        item.bind(3, key);
        item.bind(4, told_change_json(notice).dump());
        item.bind(5, seconds(close_told(notice)));
        item.bind(6, seconds(open_until(notice)));
        item.bind(7, id);
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
    SQLite::Statement done(db, "UPDATE calendar_revisions SET notices_recorded = 1 WHERE id = ?1");
    done.bind(1, id);
    done.exec();
    transaction.commit();
    return R::success(outcome);
  });
}

}  // namespace deadline::store
