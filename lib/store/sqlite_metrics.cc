// SqliteStore: the outbox's figures for /metrics. Group-bys over indexed columns; the admin
// listener's scrape interval (seconds) bounds how often they run.

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

Result<OutboxMetrics> SqliteStore::outbox_metrics() {
  return guarded("reading outbox metrics", [&] {
    SQLite::Database& db = database();
    OutboxMetrics out;
    SQLite::Statement messages(db,
                               "SELECT e.kind, m.state, count(*) FROM messages AS m JOIN endpoints AS e "
                               "ON e.id = m.endpoint_id GROUP BY e.kind, m.state");
    while (messages.executeStep()) {
      out.messages[{messages.getColumn(0).getString(), stored_as(kMessageStates, messages.getColumn(1).getString())}] =
          messages.getColumn(2).getInt64();
    }
    SQLite::Statement triggers(db, "SELECT outcome, count(*) FROM triggers GROUP BY outcome");
    while (triggers.executeStep()) out.triggers[triggers.getColumn(0).getString()] = triggers.getColumn(1).getInt64();
    SQLite::Statement oldest(db, "SELECT min(created_at) FROM messages WHERE state IN ('pending', 'retry')");
    if (oldest.executeStep() && !oldest.getColumn(0).isNull()) out.oldest_unsent = instant(oldest.getColumn(0).getInt64());
    return Result<OutboxMetrics>::success(std::move(out));
  });
}

}  // namespace deadline::store
