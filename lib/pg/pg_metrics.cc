// PgStore: the outbox's figures for /metrics (SqliteStore's sqlite_metrics.cc). Group-bys over
// indexed columns; the admin listener's scrape interval (seconds) bounds how often they run.

#include "pg/pg_store_support.h"

namespace deadline::pg {

Result<OutboxMetrics> PgStore::outbox_metrics() {
  return transact(
      *this, "reading outbox metrics",
      [&](PgTransaction& tx) {
        OutboxMetrics out;
        const PgResult messages = tx.exec(
            "SELECT e.kind, m.state, count(*) FROM messages AS m JOIN endpoints AS e "
            "ON e.id = m.endpoint_id GROUP BY e.kind, m.state");
        for (int i = 0; i < messages.rows(); ++i) {
          out.messages[{messages.text(i, 0), store::stored_as(kMessageStates, messages.text(i, 1))}] =
              messages.integer(i, 2);
        }
        const PgResult triggers = tx.exec("SELECT outcome, count(*) FROM triggers GROUP BY outcome");
        for (int i = 0; i < triggers.rows(); ++i) out.triggers[triggers.text(i, 0)] = triggers.integer(i, 1);
        const PgResult oldest = tx.exec("SELECT min(created_at) FROM messages WHERE state IN ('pending', 'retry')");
        if (oldest.rows() > 0 && !oldest.is_null(0, 0)) out.oldest_unsent = instant_at(oldest, 0, 0);
        return Result<OutboxMetrics>::success(std::move(out));
      },
      // One snapshot for the three figures (SQLite reads them in three).
      PgTransaction::Access::read_only);
}

}  // namespace deadline::pg
