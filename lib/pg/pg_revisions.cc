// PgStore: calendar revisions (store/revision_store.h) — recording, staging, releasing and
// dropping them, and the files each came from; as SqliteStore's (store/sqlite_revisions.cc).
// Windows and changes are kept as the JSON domain/revision_json.h writes, so what is read back is
// what was compared.

#include <nlohmann/json.hpp>

#include "domain/revision_json.h"
#include "pg/pg_store_support.h"
#include "store/revision_support.h"

namespace deadline::pg {

using store::RevisionState;

namespace {

constexpr const char* kPgRevisionColumns =
    "SELECT id, calendar_revision, recorded_at, cause, reason, baseline, state, base_id, release_at, released_at, "
    "closed_reason FROM calendar_revisions";

RevisionRecord pg_read_revision(const PgResult& r, int row) {
  RevisionRecord rev;
  rev.id = r.integer(row, 0);
  rev.calendar_revision = r.text(row, 1);
  rev.recorded_at = instant_at(r, row, 2);
  rev.cause = store::stored_as(kRevisionCauses, r.text(row, 3));
  rev.reason = r.text(row, 4);
  rev.baseline = r.integer(row, 5) != 0;
  rev.state = store::stored_as(store::kRevisionStates, r.text(row, 6));
  rev.base_id = r.integer(row, 7);
  rev.release_at = optional_instant_at(r, row, 8);
  rev.released_at = optional_instant_at(r, row, 9);
  rev.closed_reason = r.text(row, 10);
  return rev;
}

// The changes of revision `id` (of `programme` only, unless empty), by window id. Window ids in
// byte order (COLLATE "C"), as SQLite's BINARY and diff_revisions order them.
std::vector<WindowChange> pg_changes_of(PgTransaction& tx, std::int64_t id, const std::string& programme) {
  const PgResult r = tx.exec(
      "SELECT change FROM revision_changes WHERE revision_id = $1 AND ($2::text = '' OR programme_id = $2) "
      "ORDER BY window_id COLLATE \"C\"",
      args(id, programme));
  std::vector<WindowChange> changes;
  for (int i = 0; i < r.rows(); ++i) changes.push_back(window_change_from_json(nlohmann::json::parse(r.text(i, 0))));
  return changes;
}

// Revision `id` with its changes; nullopt when there is none. `lock`: the row is locked until
// the transaction ends (FOR UPDATE), for a call that decides on its state and then writes it.
std::optional<RevisionRecord> pg_revision_by_id(PgTransaction& tx, std::int64_t id, bool lock = false) {
  const PgResult r =
      tx.exec(std::string(kPgRevisionColumns) + " WHERE id = $1" + (lock ? " FOR UPDATE" : ""), args(id));
  if (r.rows() == 0) return std::nullopt;
  RevisionRecord rev = pg_read_revision(r, 0);
  rev.changes = pg_changes_of(tx, rev.id, "");
  return rev;
}

// The id of the latest revision in `state`; 0 when there is none.
std::int64_t pg_latest_in_state(PgTransaction& tx, RevisionState state) {
  return tx
      .exec("SELECT coalesce(max(id), 0) FROM calendar_revisions WHERE state = $1", args(store::to_string(state)))
      .integer(0, 0);
}

// By window id in byte order: compared with windows_by_id's order.
std::vector<RevisionWindow> pg_windows_of(PgTransaction& tx, std::int64_t id) {
  const PgResult r = tx.exec(
      "SELECT \"window\" FROM revision_windows WHERE revision_id = $1 ORDER BY window_id COLLATE \"C\"", args(id));
  std::vector<RevisionWindow> windows;
  for (int i = 0; i < r.rows(); ++i) windows.push_back(revision_window_from_json(nlohmann::json::parse(r.text(i, 0))));
  return windows;
}

void pg_keep_files(PgTransaction& tx, const std::string& calendar_revision, const CalendarFiles& files) {
  if (files.empty()) return;
  tx.exec("INSERT INTO calendar_sources (calendar_revision, files) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          args(calendar_revision, store::calendar_files_json(files)));
}

// A staged revision set aside: `state` dropped or replaced, with why.
void pg_close_staged(PgTransaction& tx, std::int64_t id, RevisionState state, const std::string& why) {
  tx.exec("UPDATE calendar_revisions SET state = $2, closed_reason = $3, release_at = NULL "
          "WHERE id = $1 AND state = 'staged'",
          args(id, store::to_string(state), why));
}

// The revision's row, then its windows and its changes, one statement each whatever their number.
std::int64_t pg_insert_revision(PgTransaction& tx, const NewRevision& n, const RevisionRecord& r,
                                const std::vector<RevisionWindow>& sorted, Instant now) {
  const std::int64_t id =
      tx.exec("INSERT INTO calendar_revisions (calendar_revision, recorded_at, cause, reason, baseline, "
              "last_close, state, base_id, release_at, released_at, notices_recorded) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
              args(n.calendar_revision, now, to_string(n.cause), n.reason, r.baseline, store::last_close_of(sorted, now),
                   store::to_string(r.state), r.base_id, r.release_at, r.released_at,
                   !store::tells_of_changes(r.changes)))
          .integer(0, 0);
  PgArray window_ids, windows;
  for (const RevisionWindow& w : sorted) {
    window_ids.add(w.id);
    windows.add(revision_window_json(w).dump());
  }
  if (!window_ids.empty()) {
    tx.exec("INSERT INTO revision_windows (revision_id, window_id, \"window\") "
            "SELECT $1, w, j FROM unnest($2::text[], $3::text[]) AS t(w, j)",
            args(id, window_ids, windows));
  }
  PgArray change_ids, programmes, changes;
  for (const WindowChange& c : r.changes) {
    change_ids.add(c.window_id);
    programmes.add(c.either().facts.programme_id);
    changes.add(window_change_json(c).dump());
  }
  if (!change_ids.empty()) {
    tx.exec("INSERT INTO revision_changes (revision_id, window_id, programme_id, change) "
            "SELECT $1, w, p, c FROM unnest($2::text[], $3::text[], $4::text[]) AS t(w, p, c)",
            args(id, change_ids, programmes, changes));
  }
  return id;
}

}  // namespace

Result<RevisionOutcome> PgStore::record_revision(const NewRevision& n, Instant now) {
  return transact(*this, "recording a calendar revision", [&](PgTransaction& tx) {
    using R = Result<RevisionOutcome>;
    // What is recorded depends on the latest released and staged revisions, which a row lock
    // cannot hold still (a new row is not locked): writers of the table wait for this call, as
    // SQLite's IMMEDIATE transaction makes them; readers do not.
    tx.exec("LOCK TABLE calendar_revisions IN SHARE ROW EXCLUSIVE MODE");
    const std::vector<RevisionWindow> sorted = store::windows_by_id(n.windows);
    const std::int64_t released_id = pg_latest_in_state(tx, RevisionState::released);
    const std::int64_t staged_id = pg_latest_in_state(tx, RevisionState::staged);
    RevisionOutcome outcome;
    // The same windows as the staged revision: the reload repeats it, its release time stands.
    if (staged_id != 0 && pg_windows_of(tx, staged_id) == sorted) {
      outcome.revision = *pg_revision_by_id(tx, staged_id);
      return R::success(std::move(outcome));
    }
    if (released_id != 0) {
      const std::vector<RevisionWindow> before = pg_windows_of(tx, released_id);
      if (before == sorted) {
        // Back to what is in force: whatever was staged is withdrawn.
        if (staged_id != 0) {
          pg_close_staged(tx, staged_id, RevisionState::replaced, store::back_to_released_reason(released_id));
          outcome.replaced = staged_id;
        }
        pg_keep_files(tx, n.calendar_revision, n.files);
        outcome.revision = *pg_revision_by_id(tx, released_id);
        tx.commit();
        return R::success(std::move(outcome));
      }
      outcome.revision.changes = diff_revisions(before, sorted);
    }
    outcome.recorded = true;
    RevisionRecord& r = outcome.revision;
    store::compose_new_revision(r, n, released_id, now);
    r.id = pg_insert_revision(tx, n, r, sorted, now);
    if (staged_id != 0) {
      pg_close_staged(tx, staged_id, RevisionState::replaced, store::replaced_by_reason(r.id));
      outcome.replaced = staged_id;
    }
    pg_keep_files(tx, n.calendar_revision, n.files);
    tx.commit();
    return R::success(std::move(outcome));
  });
}

Result<std::vector<RevisionRecord>> PgStore::revision_history(const std::string& programme, int limit) {
  return transact(
      *this, "reading calendar revisions",
      [&](PgTransaction& tx) {
        const PgResult q = tx.exec(std::string(kPgRevisionColumns) +
                                       " WHERE state = 'released' AND ($1::text = '' OR id IN "
                                       "(SELECT revision_id FROM revision_changes WHERE programme_id = $1)) "
                                       "ORDER BY id DESC LIMIT $2",
                                   args(programme, limit));
        std::vector<RevisionRecord> history;
        for (int i = 0; i < q.rows(); ++i) history.push_back(pg_read_revision(q, i));
        for (RevisionRecord& r : history) r.changes = pg_changes_of(tx, r.id, programme);
        tx.commit();
        return Result<std::vector<RevisionRecord>>::success(std::move(history));
      },
      PgTransaction::Access::read_only);  // one snapshot: the revisions and their changes agree
}

Result<std::optional<RevisionRecord>> PgStore::staged_revision() {
  return transact(
      *this, "reading the staged calendar revision",
      [&](PgTransaction& tx) {
        const std::int64_t id = pg_latest_in_state(tx, RevisionState::staged);
        std::optional<RevisionRecord> staged;
        if (id != 0) staged = pg_revision_by_id(tx, id);
        tx.commit();
        return Result<std::optional<RevisionRecord>>::success(std::move(staged));
      },
      PgTransaction::Access::read_only);
}

Result<RevisionRecord> PgStore::release_revision(std::int64_t id, Instant now) {
  return transact(*this, "releasing a calendar revision", [&](PgTransaction& tx) {
    // Locked: it is still staged when it is released.
    auto staged = store::staged_for_decision(pg_revision_by_id(tx, id, true), id);
    if (!staged) return staged;
    tx.exec("UPDATE calendar_revisions SET state = 'released', released_at = $2, release_at = NULL WHERE id = $1",
            args(id, now));
    RevisionRecord released = *pg_revision_by_id(tx, id);
    tx.commit();
    return Result<RevisionRecord>::success(std::move(released));
  });
}

Result<RevisionRecord> PgStore::drop_revision(std::int64_t id, const std::string& reason, Instant) {
  return transact(*this, "dropping a calendar revision", [&](PgTransaction& tx) {
    auto staged = store::staged_for_decision(pg_revision_by_id(tx, id, true), id);
    if (!staged) return staged;
    pg_close_staged(tx, id, RevisionState::dropped, reason);
    RevisionRecord dropped = *pg_revision_by_id(tx, id);
    tx.commit();
    return Result<RevisionRecord>::success(std::move(dropped));
  });
}

Result<std::optional<RevisionSources>> PgStore::revision_sources(std::int64_t id) {
  return transact(*this, "reading the released calendar's files", [&](PgTransaction& tx) {
    using R = Result<std::optional<RevisionSources>>;
    const PgResult q = tx.exec(
        "SELECT r.id, r.calendar_revision, s.files FROM calendar_revisions AS r "
        "JOIN calendar_sources AS s ON s.calendar_revision = r.calendar_revision "
        "WHERE r.id = CASE WHEN $1::bigint = 0 THEN (SELECT max(id) FROM calendar_revisions WHERE state = 'released') "
        "ELSE $1::bigint END",
        args(id));
    std::optional<RevisionSources> sources;
    if (q.rows() > 0) {
      RevisionSources s;
      s.id = q.integer(0, 0);
      s.calendar_revision = q.text(0, 1);
      s.files = store::calendar_files_from_json(q.text(0, 2));
      sources = std::move(s);
    }
    tx.commit();
    return R::success(std::move(sources));
  });
}

Result<std::vector<AwaitingNotices>> PgStore::revisions_awaiting_notices() {
  return transact(*this, "reading revisions awaiting their notices", [&](PgTransaction& tx) {
    const PgResult q = tx.exec(
        "SELECT id, coalesce(base_id, 0) FROM calendar_revisions "
        "WHERE state = 'released' AND notices_recorded = 0 ORDER BY id");
    std::vector<AwaitingNotices> awaiting;
    for (int i = 0; i < q.rows(); ++i) awaiting.push_back({q.integer(i, 0), q.integer(i, 1)});
    tx.commit();
    return Result<std::vector<AwaitingNotices>>::success(std::move(awaiting));
  });
}

}  // namespace deadline::pg
