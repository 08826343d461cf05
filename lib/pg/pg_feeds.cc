// PgStore: versions of calendar feed events (feed_events), and the events withdrawn from the
// calendar that the feeds still show as cancelled. The SQL mirrors SqliteStore's
// (lib/store/sqlite_feeds.cc).

#include <stdexcept>
#include <string>
#include <vector>

#include "pg/pg_store_support.h"

namespace deadline::pg {

namespace {

// One event's row: its hash, SEQUENCE, LAST-MODIFIED, whether its record and close are as given
// (1/0), whether it is shown as gone (1/0). $1 uid, $2 record, $3 ends.
constexpr const char* kPgReadFeedEvent =
    "SELECT content_hash, sequence, last_modified, "
    "coalesce((coalesce(record, '') = $2::text AND ends_at = $3::bigint)::int, 0), (gone_at IS NOT NULL)::int "
    "FROM feed_events WHERE uid = $1";
// A new event. Another sync of the same calendar (the daemon's and deadlinectl's) may have added
// it since the read: then nothing is inserted, and the row it added is read again.
constexpr const char* kPgInsertFeedEvent =
    "INSERT INTO feed_events (uid, content_hash, sequence, last_modified, record, ends_at) "
    "VALUES ($1, $2, 0, $3, NULLIF($4::text, ''), $5) ON CONFLICT (uid) DO NOTHING";
// A changed event (or one back after it was shown cancelled). The condition is the read's, checked
// again on the row as it is when the update runs: when another sync made the same change since
// the read, SEQUENCE rises once, not twice, and no row comes back.
constexpr const char* kPgChangeFeedEvent =
    "UPDATE feed_events SET content_hash = $2, sequence = sequence + 1, last_modified = $3, "
    "record = NULLIF($4::text, ''), ends_at = $5, gone_at = NULL "
    "WHERE uid = $1 AND (content_hash <> $2 OR gone_at IS NOT NULL) RETURNING sequence";
// The same event as a subscriber sees it, with its record brought up to date (a row from before
// records were kept).
constexpr const char* kPgRefreshFeedEvent =
    "UPDATE feed_events SET record = NULLIF($2::text, ''), ends_at = $3 WHERE uid = $1";

// Brings one given event's row up to date and sets its version `v`; true when it wrote. A row
// the read finds missing or changed may be written by a concurrent sync before this one writes
// it; the write then does nothing, and the next pass goes on from that sync's row.
bool pg_sync_feed_event(PgTransaction& tx, const FeedEventDigest& e, Instant now, FeedEventVersion& v) {
  for (int pass = 0; pass < 3; ++pass) {
    const PgResult read = tx.prepared(kPgReadFeedEvent, args(e.uid, e.record, e.ends));
    if (read.rows() == 0) {
      if (tx.prepared(kPgInsertFeedEvent, args(e.uid, e.content_hash, now, e.record, e.ends)).affected() == 0) continue;
      v.last_modified = now;
      return true;
    }
    if (read.text(0, 0) != e.content_hash || read.integer(0, 4) != 0) {
      // Changed — or back after it was shown cancelled: apps must see it again, so SEQUENCE rises.
      const PgResult changed = tx.prepared(kPgChangeFeedEvent, args(e.uid, e.content_hash, now, e.record, e.ends));
      if (changed.rows() == 0) continue;
      v.sequence = static_cast<int>(changed.integer(0, 0));
      v.last_modified = now;
      return true;
    }
    v.sequence = static_cast<int>(read.integer(0, 1));
    v.last_modified = instant_at(read, 0, 2);
    if (read.integer(0, 3) != 0) return false;
    tx.prepared(kPgRefreshFeedEvent, args(e.uid, e.record, e.ends));
    return true;
  }
  throw std::runtime_error("feed event '" + e.uid + "' kept changing under this sync");
}

}  // namespace

Result<FeedSync> PgStore::sync_feed_events(const std::vector<FeedEventDigest>& events, Instant now) {
  using R = Result<FeedSync>;
  return transact(*this, "versioning feed events", [&](PgTransaction& tx) {
    FeedSync sync;
    sync.versions.reserve(events.size());
    bool changed = false;
    PgArray given;
    for (const FeedEventDigest& e : events) {
      given.add(e.uid);
      FeedEventVersion& v = sync.versions.emplace_back();
      v.uid = e.uid;
      if (pg_sync_feed_event(tx, e, now, v)) changed = true;
    }
    // Withdrawn: stored with a record, not given now. Its SEQUENCE goes up once, when it goes.
    const PgResult gone = tx.exec(
        "UPDATE feed_events SET gone_at = $2, sequence = sequence + 1, last_modified = $2 "
        "WHERE gone_at IS NULL AND record IS NOT NULL AND uid <> ALL($1::text[])",
        args(given, now));
    if (gone.affected() > 0) changed = true;
    const PgResult shown = tx.exec(
        // By uid in byte order (COLLATE "C"), as SQLite's BINARY, whatever the database's collation.
        "SELECT uid, sequence, last_modified, record FROM feed_events "
        "WHERE gone_at IS NOT NULL AND ends_at > $1 ORDER BY uid COLLATE \"C\"",
        args(now - kWithdrawnInFeedsFor));
    for (int i = 0; i < shown.rows(); ++i) {
      sync.gone.push_back(
          {{shown.text(i, 0), static_cast<int>(shown.integer(i, 1)), instant_at(shown, i, 2)}, shown.text(i, 3)});
    }
    // Nothing changed (every start and every reload of the same calendar): no write, and the
    // transaction ends without a commit to flush.
    if (changed) tx.commit();
    return R::success(std::move(sync));
  });
}

}  // namespace deadline::pg
