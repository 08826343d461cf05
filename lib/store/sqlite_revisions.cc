// SqliteStore: calendar revisions (store/revision_store.h) — recording, staging, releasing and
// dropping them, and the files each came from. Windows and changes are kept as the JSON
// domain/revision_json.h writes, so what is read back is what was compared.

#include <SQLiteCpp/SQLiteCpp.h>

#include "domain/revision_json.h"
#include "store/revision_support.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using nlohmann::json;

constexpr const char* kRevisionColumns =
    "SELECT id, calendar_revision, recorded_at, cause, reason, baseline, state, base_id, release_at, released_at, "
    "closed_reason FROM calendar_revisions";

std::optional<Instant> optional_instant(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return instant(column.getInt64());
}

RevisionRecord read_revision(SQLite::Statement& row) {
  RevisionRecord r;
  r.id = row.getColumn(0).getInt64();
  r.calendar_revision = row.getColumn(1).getString();
  r.recorded_at = instant(row.getColumn(2).getInt64());
  r.cause = stored_as(kRevisionCauses, row.getColumn(3).getString());
  r.reason = row.getColumn(4).getString();
  r.baseline = row.getColumn(5).getInt() != 0;
  r.state = stored_as(kRevisionStates, row.getColumn(6).getString());
  r.base_id = row.getColumn(7).getInt64();
  r.release_at = optional_instant(row.getColumn(8));
  r.released_at = optional_instant(row.getColumn(9));
  r.closed_reason = row.getColumn(10).getString();
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

// Revision `id` with its changes; nullopt when there is none.
std::optional<RevisionRecord> revision_by_id(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement q(db, std::string(kRevisionColumns) + " WHERE id = ?1");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  RevisionRecord r = read_revision(q);
  r.changes = changes_of(db, r.id, "");
  return r;
}

// The id of the latest revision in `state`; 0 when there is none.
std::int64_t latest_in_state(SQLite::Database& db, RevisionState state) {
  SQLite::Statement q(db, "SELECT coalesce(max(id), 0) FROM calendar_revisions WHERE state = ?1");
  q.bind(1, std::string(to_string(state)));
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::vector<RevisionWindow> windows_of(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement q(db, "SELECT window FROM revision_windows WHERE revision_id = ?1 ORDER BY window_id");
  q.bind(1, id);
  std::vector<RevisionWindow> windows;
  while (q.executeStep()) windows.push_back(revision_window_from_json(json::parse(q.getColumn(0).getString())));
  return windows;
}

void keep_files(SQLite::Database& db, const std::string& calendar_revision, const CalendarFiles& files) {
  if (files.empty()) return;
  SQLite::Statement q(db, "INSERT OR IGNORE INTO calendar_sources (calendar_revision, files) VALUES (?1, ?2)");
  q.bind(1, calendar_revision);
  q.bind(2, calendar_files_json(files));
  q.exec();
}

// A staged revision set aside: `state` dropped or replaced, with why.
void close_staged(SQLite::Database& db, std::int64_t id, RevisionState state, const std::string& why) {
  SQLite::Statement q(db,
                      "UPDATE calendar_revisions SET state = ?2, closed_reason = ?3, release_at = NULL "
                      "WHERE id = ?1 AND state = 'staged'");
  q.bind(1, id);
  q.bind(2, std::string(to_string(state)));
  q.bind(3, why);
  q.exec();
}

std::int64_t insert_revision(SQLite::Database& db, const NewRevision& n, const RevisionRecord& r,
                             const std::vector<RevisionWindow>& sorted, Instant now) {
  SQLite::Statement insert(db,
                           "INSERT INTO calendar_revisions (calendar_revision, recorded_at, cause, reason, baseline, "
                           "last_close, state, base_id, release_at, released_at, notices_recorded) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  insert.bind(1, n.calendar_revision);
  insert.bind(2, seconds(now));
  insert.bind(3, std::string(to_string(n.cause)));
  insert.bind(4, n.reason);
  insert.bind(5, r.baseline ? 1 : 0);
  insert.bind(6, seconds(last_close_of(sorted, now)));
  insert.bind(7, std::string(to_string(r.state)));
  insert.bind(8, r.base_id);
  if (r.release_at) insert.bind(9, seconds(*r.release_at));
  if (r.released_at) insert.bind(10, seconds(*r.released_at));
  insert.bind(11, tells_of_changes(r.changes) ? 0 : 1);
  insert.exec();
  const std::int64_t id = db.getLastInsertRowid();
  SQLite::Statement window(db, "INSERT INTO revision_windows (revision_id, window_id, window) VALUES (?1, ?2, ?3)");
  for (const RevisionWindow& w : sorted) {
    window.bind(1, id);
    window.bind(2, w.id);
    window.bind(3, revision_window_json(w).dump());
    window.exec();
    window.reset();
  }
  SQLite::Statement change(db,
                           "INSERT INTO revision_changes (revision_id, window_id, programme_id, change) "
                           "VALUES (?1, ?2, ?3, ?4)");
  for (const WindowChange& c : r.changes) {
    change.bind(1, id);
    change.bind(2, c.window_id);
    change.bind(3, c.either().facts.programme_id);
    change.bind(4, window_change_json(c).dump());
    change.exec();
    change.reset();
  }
  return id;
}

}  // namespace

Result<RevisionOutcome> SqliteStore::record_revision(const NewRevision& n, Instant now) {
  return guarded("recording a calendar revision", [&] {
    using R = Result<RevisionOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::vector<RevisionWindow> sorted = windows_by_id(n.windows);
    const std::int64_t released_id = latest_in_state(db, RevisionState::released);
    const std::int64_t staged_id = latest_in_state(db, RevisionState::staged);
    RevisionOutcome outcome;
    // The same windows as the staged revision: the reload repeats it, its release time stands.
    if (staged_id != 0 && windows_of(db, staged_id) == sorted) {
      outcome.revision = *revision_by_id(db, staged_id);
      return R::success(std::move(outcome));
    }
    if (released_id != 0) {
      const std::vector<RevisionWindow> before = windows_of(db, released_id);
      if (before == sorted) {
        // Back to what is in force: whatever was staged is withdrawn.
        if (staged_id != 0) {
          close_staged(db, staged_id, RevisionState::replaced, back_to_released_reason(released_id));
          outcome.replaced = staged_id;
        }
        keep_files(db, n.calendar_revision, n.files);
        outcome.revision = *revision_by_id(db, released_id);
        transaction.commit();
        return R::success(std::move(outcome));
      }
      outcome.revision.changes = diff_revisions(before, sorted);
    }
    outcome.recorded = true;
    RevisionRecord& r = outcome.revision;
    compose_new_revision(r, n, released_id, now);
    r.id = insert_revision(db, n, r, sorted, now);
    if (staged_id != 0) {
      close_staged(db, staged_id, RevisionState::replaced, replaced_by_reason(r.id));
      outcome.replaced = staged_id;
    }
    keep_files(db, n.calendar_revision, n.files);
    transaction.commit();
    return R::success(std::move(outcome));
  });
}

Result<std::vector<RevisionRecord>> SqliteStore::revision_history(const std::string& programme, int limit) {
  return guarded("reading calendar revisions", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db);  // DEFERRED: one consistent read
    SQLite::Statement q(db, std::string(kRevisionColumns) +
                                " WHERE state = 'released' AND (?1 = '' OR id IN "
                                "(SELECT revision_id FROM revision_changes WHERE programme_id = ?1)) "
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

Result<std::optional<RevisionRecord>> SqliteStore::staged_revision() {
  return guarded("reading the staged calendar revision", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db);
    const std::int64_t id = latest_in_state(db, RevisionState::staged);
    std::optional<RevisionRecord> staged;
    if (id != 0) staged = revision_by_id(db, id);
    transaction.commit();
    return Result<std::optional<RevisionRecord>>::success(std::move(staged));
  });
}

Result<RevisionRecord> SqliteStore::release_revision(std::int64_t id, Instant now) {
  return guarded("releasing a calendar revision", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    auto staged = staged_for_decision(revision_by_id(db, id), id);
    if (!staged) return staged;
    SQLite::Statement q(db,
                        "UPDATE calendar_revisions SET state = 'released', released_at = ?2, release_at = NULL "
                        "WHERE id = ?1");
    q.bind(1, id);
    q.bind(2, seconds(now));
    q.exec();
    RevisionRecord released = *revision_by_id(db, id);
    transaction.commit();
    return Result<RevisionRecord>::success(std::move(released));
  });
}

Result<RevisionRecord> SqliteStore::drop_revision(std::int64_t id, const std::string& reason, Instant) {
  return guarded("dropping a calendar revision", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    auto staged = staged_for_decision(revision_by_id(db, id), id);
    if (!staged) return staged;
    close_staged(db, id, RevisionState::dropped, reason);
    RevisionRecord dropped = *revision_by_id(db, id);
    transaction.commit();
    return Result<RevisionRecord>::success(std::move(dropped));
  });
}

Result<std::optional<RevisionSources>> SqliteStore::revision_sources(std::int64_t id) {
  return guarded("reading the released calendar's files", [&] {
    using R = Result<std::optional<RevisionSources>>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db);
    SQLite::Statement q(db,
                        "SELECT r.id, r.calendar_revision, s.files FROM calendar_revisions AS r "
                        "JOIN calendar_sources AS s ON s.calendar_revision = r.calendar_revision "
                        "WHERE r.id = CASE WHEN ?1 = 0 THEN (SELECT max(id) FROM calendar_revisions WHERE state = 'released') "
                        "ELSE ?1 END");
    q.bind(1, id);
    std::optional<RevisionSources> sources;
    if (q.executeStep()) {
      RevisionSources s;
      s.id = q.getColumn(0).getInt64();
      s.calendar_revision = q.getColumn(1).getString();
      s.files = calendar_files_from_json(q.getColumn(2).getString());
      sources = std::move(s);
    }
    transaction.commit();
    return R::success(std::move(sources));
  });
}

Result<std::vector<AwaitingNotices>> SqliteStore::revisions_awaiting_notices() {
  return guarded("reading revisions awaiting their notices", [&] {
    SQLite::Statement q(database(),
                        "SELECT id, coalesce(base_id, 0) FROM calendar_revisions "
                        "WHERE state = 'released' AND notices_recorded = 0 ORDER BY id");
    std::vector<AwaitingNotices> awaiting;
    while (q.executeStep()) awaiting.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64()});
    return Result<std::vector<AwaitingNotices>>::success(std::move(awaiting));
  });
}

}  // namespace deadline::store
