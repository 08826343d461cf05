// SqliteStore: versions of calendar feed events (feed_events, migration 7).

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

Result<std::vector<FeedEventVersion>> SqliteStore::sync_feed_events(const std::vector<FeedEventDigest>& events,
                                                                    Instant now) {
  using R = Result<std::vector<FeedEventVersion>>;
  return guarded("versioning feed events", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement read(db, "SELECT content_hash, sequence, last_modified FROM feed_events WHERE uid = ?1");
    SQLite::Statement insert(db,
                             "INSERT INTO feed_events (uid, content_hash, sequence, last_modified) VALUES (?1, ?2, 0, ?3)");
    SQLite::Statement change(db,
                             "UPDATE feed_events SET content_hash = ?2, sequence = sequence + 1, last_modified = ?3 "
                             "WHERE uid = ?1 RETURNING sequence");
    std::vector<FeedEventVersion> versions;
    versions.reserve(events.size());
    bool changed = false;
    for (const FeedEventDigest& e : events) {
      FeedEventVersion& v = versions.emplace_back();
      v.uid = e.uid;
      read.bind(1, e.uid);
      if (!read.executeStep()) {
        insert.bind(1, e.uid);
        insert.bind(2, e.content_hash);
        insert.bind(3, seconds(now));
        insert.exec();
        insert.reset();
        v.last_modified = now;
        changed = true;
      } else if (read.getColumn(0).getString() != e.content_hash) {
        change.bind(1, e.uid);
        change.bind(2, e.content_hash);
        change.bind(3, seconds(now));
        if (change.executeStep()) v.sequence = change.getColumn(0).getInt();
        change.reset();
        v.last_modified = now;
        changed = true;
      } else {
        v.sequence = read.getColumn(1).getInt();
        v.last_modified = instant(read.getColumn(2).getInt64());
      }
      read.reset();
    }
    // Nothing changed (every start and every reload of the same calendar): no write, no fsync.
    if (changed) transaction.commit();
    return R::success(std::move(versions));
  });
}

}  // namespace deadline::store
