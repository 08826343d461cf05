// SqliteStore: calendar revisions (store/revision_store.h). Windows and changes are kept as the
// JSON domain/revision_json.h writes, so what is read back is what was compared.

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "domain/revision_json.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using nlohmann::json;

// The windows of the latest stored revision; nullopt when none is stored.
std::optional<std::vector<RevisionWindow>> latest_windows(SQLite::Database& db, std::int64_t& latest_id) {
  SQLite::Statement last(db, "SELECT max(id) FROM calendar_revisions");
  if (!last.executeStep() || last.getColumn(0).isNull()) return std::nullopt;
  latest_id = last.getColumn(0).getInt64();
  SQLite::Statement q(db, "SELECT window FROM revision_windows WHERE revision_id = ?1 ORDER BY window_id");
  q.bind(1, latest_id);
  std::vector<RevisionWindow> windows;
  while (q.executeStep()) windows.push_back(revision_window_from_json(json::parse(q.getColumn(0).getString())));
  return windows;
}

RevisionRecord read_revision(SQLite::Statement& row) {
  RevisionRecord r;
  r.id = row.getColumn(0).getInt64();
  r.calendar_revision = row.getColumn(1).getString();
  r.recorded_at = instant(row.getColumn(2).getInt64());
  r.cause = stored_as(kRevisionCauses, row.getColumn(3).getString());
  r.reason = row.getColumn(4).getString();
  r.baseline = row.getColumn(5).getInt() != 0;
  return r;
}

// The changes of revision `id` (of `programme` only, unless empty), by window id.
std::vector<WindowChange> changes_of(SQLite::Database& db, std::int64_t id, const std::string& programme) {
  SQLite::Statement q(db,
                      "SELECT change FROM revision_changes WHERE revision_id = ?1 AND (?2 = '' OR programme_id = ?2) "
                      "ORDER BY window_id");
  q.bind(1, id);
  q.bind(2, programme);
  std::vector<WindowChange> changes;
  while (q.executeStep()) changes.push_back(window_change_from_json(json::parse(q.getColumn(0).getString())));
  return changes;
}

}  // namespace

Result<RevisionOutcome> SqliteStore::record_revision(const std::vector<RevisionWindow>& windows,
                                                     const std::string& calendar_revision, RevisionCause cause,
                                                     const std::string& reason, Instant now) {
  return guarded("recording a calendar revision", [&] {
    using R = Result<RevisionOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<RevisionWindow> sorted = windows;
    std::sort(sorted.begin(), sorted.end(), [](const RevisionWindow& a, const RevisionWindow& b) { return a.id < b.id; });
    std::int64_t latest_id = 0;
    const std::optional<std::vector<RevisionWindow>> before = latest_windows(db, latest_id);
    RevisionOutcome outcome;
    if (before && *before == sorted) {
      SQLite::Statement last(db,
                             "SELECT id, calendar_revision, recorded_at, cause, reason, baseline FROM calendar_revisions "
                             "WHERE id = ?1");
      last.bind(1, latest_id);
      last.executeStep();
      outcome.revision = read_revision(last);
      outcome.revision.changes = changes_of(db, latest_id, "");
      return R::success(std::move(outcome));  // nothing new: the transaction rolls back empty
    }
    outcome.recorded = true;
    RevisionRecord& r = outcome.revision;
    r.calendar_revision = calendar_revision;
    r.recorded_at = now;
    r.cause = cause;
    r.reason = reason;
    r.baseline = !before.has_value();
    if (before) r.changes = diff_revisions(*before, sorted);
    Instant last_close = now;
    for (const RevisionWindow& w : sorted) last_close = std::max(last_close, w.closes_at);
    SQLite::Statement insert(db,
                             "INSERT INTO calendar_revisions (calendar_revision, recorded_at, cause, reason, baseline, "
                             "last_close) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    insert.bind(1, calendar_revision);
    insert.bind(2, seconds(now));
    insert.bind(3, std::string(to_string(cause)));
    insert.bind(4, reason);
    insert.bind(5, r.baseline ? 1 : 0);
    insert.bind(6, seconds(last_close));
    insert.exec();
    r.id = db.getLastInsertRowid();
    SQLite::Statement window(db, "INSERT INTO revision_windows (revision_id, window_id, window) VALUES (?1, ?2, ?3)");
    for (const RevisionWindow& w : sorted) {
      window.bind(1, r.id);
      window.bind(2, w.id);
      window.bind(3, revision_window_json(w).dump());
      window.exec();
      window.reset();
    }
    SQLite::Statement change(db,
                             "INSERT INTO revision_changes (revision_id, window_id, programme_id, change) "
                             "VALUES (?1, ?2, ?3, ?4)");
    for (const WindowChange& c : r.changes) {
      change.bind(1, r.id);
      change.bind(2, c.window_id);
      change.bind(3, c.either().facts.programme_id);
      change.bind(4, window_change_json(c).dump());
      change.exec();
      change.reset();
    }
    transaction.commit();
    return R::success(std::move(outcome));
  });
}

Result<std::vector<RevisionRecord>> SqliteStore::revision_history(const std::string& programme, int limit) {
  return guarded("reading calendar revisions", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db);  // DEFERRED: one consistent read
    SQLite::Statement q(db,
                        "SELECT id, calendar_revision, recorded_at, cause, reason, baseline FROM calendar_revisions "
                        "WHERE ?1 = '' OR id IN (SELECT revision_id FROM revision_changes WHERE programme_id = ?1) "
                        "ORDER BY id DESC LIMIT ?2");
    q.bind(1, programme);
    q.bind(2, limit);
    std::vector<RevisionRecord> history;
    while (q.executeStep()) history.push_back(read_revision(q));
    for (RevisionRecord& r : history) r.changes = changes_of(db, r.id, programme);
    transaction.commit();
    return Result<std::vector<RevisionRecord>>::success(std::move(history));
  });
}

}  // namespace deadline::store
