// SqliteStore: versions of calendar feed events (feed_events, migrations 7 and 9), and the events
// withdrawn from the calendar that the feeds still show as cancelled.

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

Result<FeedSync> SqliteStore::sync_feed_events(const std::vector<FeedEventDigest>& events, Instant now) {
  using R = Result<FeedSync>;
  return guarded("versioning feed events", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement read(db,
                           "SELECT content_hash, sequence, last_modified, coalesce(record, '') = ?2 "
                           "AND ends_at = ?3, gone_at IS NOT NULL FROM feed_events WHERE uid = ?1");
    SQLite::Statement insert(db,
                             "INSERT INTO feed_events (uid, content_hash, sequence, last_modified, record, ends_at) "
                             "VALUES (?1, ?2, 0, ?3, NULLIF(?4, ''), ?5)");
    SQLite::Statement change(db,
                             "UPDATE feed_events SET content_hash = ?2, sequence = sequence + 1, last_modified = ?3, "
                             "record = NULLIF(?4, ''), ends_at = ?5, gone_at = NULL WHERE uid = ?1 RETURNING sequence");
    // The same event as a subscriber sees it, with its record brought up to date (a row from
    // before records were kept).
    SQLite::Statement refresh(db, "UPDATE feed_events SET record = NULLIF(?2, ''), ends_at = ?3 WHERE uid = ?1");
    FeedSync sync;
    sync.versions.reserve(events.size());
    bool changed = false;
    JsonIdList given;
    for (const FeedEventDigest& e : events) {
      given.add_text(e.uid);
      FeedEventVersion& v = sync.versions.emplace_back();
      v.uid = e.uid;
      read.bind(1, e.uid);
      read.bind(2, e.record);
      read.bind(3, seconds(e.ends));
      if (!read.executeStep()) {
        insert.bind(1, e.uid);
        insert.bind(2, e.content_hash);
        insert.bind(3, seconds(now));
        insert.bind(4, e.record);
        insert.bind(5, seconds(e.ends));
        insert.exec();
        insert.reset();
        v.last_modified = now;
        changed = true;
      } else if (read.getColumn(0).getString() != e.content_hash || read.getColumn(4).getInt() != 0) {
        // Changed — or back after it was shown cancelled: apps must see it again, so SEQUENCE rises.
        change.bind(1, e.uid);
        change.bind(2, e.content_hash);
        change.bind(3, seconds(now));
        change.bind(4, e.record);
        change.bind(5, seconds(e.ends));
        if (change.executeStep()) v.sequence = change.getColumn(0).getInt();
        change.reset();
        v.last_modified = now;
        changed = true;
      } else {
        v.sequence = read.getColumn(1).getInt();
        v.last_modified = instant(read.getColumn(2).getInt64());
        if (read.getColumn(3).getInt() == 0) {
          refresh.bind(1, e.uid);
          refresh.bind(2, e.record);
          refresh.bind(3, seconds(e.ends));
          refresh.exec();
          refresh.reset();
          changed = true;
        }
      }
      read.reset();
    }
    // Withdrawn: stored with a record, not given now. Its SEQUENCE goes up once, when it goes.
    SQLite::Statement gone(db,
                           "UPDATE feed_events SET gone_at = ?2, sequence = sequence + 1, last_modified = ?2 "
                           "WHERE gone_at IS NULL AND record IS NOT NULL AND uid NOT IN "
                           "(SELECT value FROM json_each(?1))");
    gone.bind(1, given.text());
    gone.bind(2, seconds(now));
    if (gone.exec() > 0) changed = true;
    SQLite::Statement shown(db,
                            "SELECT uid, sequence, last_modified, record FROM feed_events "
                            "WHERE gone_at IS NOT NULL AND ends_at > ?1 ORDER BY uid");
    shown.bind(1, seconds(now - kWithdrawnInFeedsFor));
    while (shown.executeStep()) {
      sync.gone.push_back({{shown.getColumn(0).getString(), shown.getColumn(1).getInt(),
                            instant(shown.getColumn(2).getInt64())},
                           shown.getColumn(3).getString()});
    }
    // Nothing changed (every start and every reload of the same calendar): no write, no fsync.
    if (changed) transaction.commit();
    return R::success(std::move(sync));
  });
}

}  // namespace deadline::store
