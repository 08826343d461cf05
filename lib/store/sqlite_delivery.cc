// SqliteStore: the delivery side of the outbox — claiming messages and recording attempts.

#include <SQLiteCpp/SQLiteCpp.h>

#include <unordered_map>

#include "domain/change_notice_json.h"
#include "store/delivery_support.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

using std::int64_t;

std::string kind_list(const std::vector<EndpointKind>& kinds) {
  std::string list;
  for (const EndpointKind k : kinds) list += (list.empty() ? "'" : ",'") + std::string(to_string(k)) + "'";
  return list.empty() ? "''" : list;
}

}  // namespace

Result<int64_t> SqliteStore::requeue_interrupted(Instant now) {
  return guarded("requeueing interrupted messages", [&] {
    SQLite::Transaction transaction(database(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(database(),
                        "UPDATE messages SET state = 'retry', next_attempt_at = ?1, updated_at = ?1, "
                        "last_error = 'interrupted while sending (restart)' WHERE state = 'sending'");
    q.bind(1, seconds(now));
    const int64_t requeued = q.exec();
    transaction.commit();
    return Result<int64_t>::success(requeued);
  });
}

Status SqliteStore::release_claims(const std::vector<std::string>& ids, Instant now) {
  return guarded("releasing unsent claims", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    JsonIdList list;
    for (const std::string& id : ids) list.add(id);
    SQLite::Statement q(db,
                        "UPDATE messages SET state = 'retry', attempts = max(attempts - 1, 0), next_attempt_at = ?2, "
                        "updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND state = 'sending'");
    q.bind(1, list.text());
    q.bind(2, seconds(now));
    q.exec();
    transaction.commit();
    return ok_status();
  });
}

Result<std::vector<OutboundMessage>> SqliteStore::claim_ready(Instant now, const std::vector<EndpointKind>& kinds,
                                                              int limit, int per_endpoint) {
  return guarded("claiming messages", [&] {
    SQLite::Database& db = database();
    // A claim lost in a power cut leaves its messages ready to claim again: no fsync needed.
    const RelaxedDurability relaxed(statements());
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Endpoint → messages sending, including those claimed now. What is 'sending' is at most
    // what this process has in flight or claimed ahead: one query over the ready index.
    EndpointSlots slots(per_endpoint);
    {
      const auto sending = statements().get(
        "SELECT endpoint_id, count(*) FROM messages WHERE state = 'sending' GROUP BY endpoint_id");
      while (sending->executeStep()) {
        slots.count_sending(sending->getColumn(0).getInt64(), sending->getColumn(1).getInt());
      }
    }
    // Candidates straight off the messages_ready index (state, next_attempt_at), with all that
    // sending them needs: the cost of a claim follows what it claims, not the size of the
    // outbox. A few more than `limit` are read so that endpoints at their concurrency cap do not
    // starve the batch.
    std::vector<OutboundMessage> picked;
    std::unordered_map<std::string, std::size_t> position;  // message id → index in picked
    std::vector<int64_t> rowids;                            // of picked, in the same order
    JsonIdList ids;
    {
      const auto candidates = statements().get(
        "SELECT m.id, m.endpoint_id, m.attempts, m.due_at, m.expires_at, e.kind, e.address, coalesce(e.secret, ''), "
        "e.subscriber_id, s.token_generation, m.rowid FROM messages AS m CROSS JOIN endpoints AS e ON e.id = m.endpoint_id "
        "CROSS JOIN subscribers AS s ON s.id = e.subscriber_id "
        "WHERE m.state = ?1 AND m.next_attempt_at <= ?2 AND e.state = 'active' AND e.kind IN (" + kind_list(kinds) +
          ") LIMIT ?3");
      for (const char* state : {"retry", "pending"}) {
        if (static_cast<int>(picked.size()) >= limit) break;
        candidates->bind(1, state);
        candidates->bind(2, seconds(now));
        candidates->bind(3, 4 * limit);
        while (static_cast<int>(picked.size()) < limit && candidates->executeStep()) {
          const int64_t endpoint_id = candidates->getColumn(1).getInt64();
          if (!slots.take(endpoint_id)) continue;
          OutboundMessage& m = picked.emplace_back();
          m.id = candidates->getColumn(0).getString();
          m.endpoint_id = endpoint_id;
          m.attempts = candidates->getColumn(2).getInt() + 1;  // the claim below counts this one
          m.due = instant(candidates->getColumn(3).getInt64());
          m.expires = instant(candidates->getColumn(4).getInt64());
          m.kind = parse_endpoint_kind(candidates->getColumn(5).getString()).value_or(EndpointKind::webhook);
          m.address = candidates->getColumn(6).getString();
          m.secret = candidates->getColumn(7).getString();
          m.subscriber_id = candidates->getColumn(8).getInt64();
          m.token_generation = candidates->getColumn(9).getInt64();
          position.emplace(m.id, picked.size() - 1);
          rowids.push_back(candidates->getColumn(10).getInt64());
          ids.add(m.id);
        }
        candidates->reset();
      }
    }

    // What each picked message reminds of, read and marked in a few set-based statements, not
    // a handful per message: the ids travel as one JSON array (json_each). The same read gives
    // the ledger's rows below, closed windows included, so deliveries are read once per claim.
    std::vector<TellReminder> reminders;  // per delivery not superseded, not a test
    {
      const auto items = statements().get(
        "SELECT message_id, window_id, lead, closes_at, endpoint_id FROM deliveries "
        "WHERE message_id IN (SELECT value FROM json_each(?1)) AND superseded = 0");
      items->bind(1, ids.text());
      const int64_t now_s = seconds(now);
      while (items->executeStep()) {
        take_delivery(picked, reminders, position.at(items->getColumn(0).getString()), items->getColumn(4).getInt64(),
                      items->getColumn(1).getString(), items->getColumn(2).getString(), items->getColumn(3).getInt64(),
                      now_s);
      }
    }
    {
      const auto changes = statements().get(
        "SELECT message_id, change FROM message_changes "
        "WHERE message_id IN (SELECT value FROM json_each(?1)) AND superseded = 0 AND open_until > ?2 "
        "ORDER BY window_id");
      changes->bind(1, ids.text());
      changes->bind(2, seconds(now));
      while (changes->executeStep()) {
        picked[position.at(changes->getColumn(0).getString())].changes.push_back(
            told_change_from_json(nlohmann::json::parse(changes->getColumn(1).getString())));
      }
    }
    // Nothing left to say (every delivery superseded or its window closed): expired, not sent.
    JsonIdList empty, sendable, sendable_rows;
    for (std::size_t i = 0; i < picked.size(); ++i) {
      OutboundMessage& m = picked[i];
      const bool nothing = !has_something_to_say(m);
      (nothing ? empty : sendable).add(m.id);
      if (!nothing) sendable_rows.add(rowids[i]);
      sort_items_soonest_first(m);
    }
    {
      const auto expire = statements().get(
        "UPDATE messages SET state = 'expired', updated_at = ?2, last_error = 'every reminder in it was superseded or "
        "closed' WHERE id IN (SELECT value FROM json_each(?1))");
      expire->bind(1, empty.text());
      expire->bind(2, seconds(now));
      expire->exec();
    }
    {
      // By rowid, read with the candidates: no lookup through the id index.
      const auto claim = statements().get(
        "UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = ?2 "
        "WHERE rowid IN (SELECT value FROM json_each(?1))");
      claim->bind(1, sendable_rows.text());
      claim->bind(2, seconds(now));
      claim->exec();
    }
    {
      // The ledger (revision_store.h): an attempt is made now, so the endpoint counts as told of
      // each window's close it carries — what change notices are later judged against.
      // From the deliveries read above: the latest close per (endpoint, window) of the messages
      // sent now, their windows closed or not.
      const auto latest_close = latest_closes(reminders, picked);
      const auto reminded = statements().get(
        "INSERT INTO told (endpoint_id, window_id, close_told, revision_id, told_at) VALUES (?1, ?2, ?3, NULL, ?4) "
        "ON CONFLICT (endpoint_id, window_id) DO UPDATE SET close_told = excluded.close_told, "
        "revision_id = NULL, told_at = excluded.told_at");
      for (const auto& [key, close] : latest_close) {
        reminded->bind(1, key.first);
        reminded->bind(2, key.second);
        reminded->bind(3, close);
        reminded->bind(4, seconds(now));
        reminded->exec();
        reminded->reset();
      }
      const auto noticed = statements().get(
        "INSERT INTO told (endpoint_id, window_id, close_told, revision_id, told_at) "
        "SELECT m.endpoint_id, c.window_id, c.close_told, c.revision_id, ?2 "
        "FROM message_changes AS c JOIN messages AS m ON m.id = c.message_id "
        "WHERE c.message_id IN (SELECT value FROM json_each(?1)) AND c.superseded = 0 "
        "ON CONFLICT (endpoint_id, window_id) DO UPDATE SET close_told = excluded.close_told, "
        "revision_id = excluded.revision_id, told_at = excluded.told_at");
      noticed->bind(1, sendable.text());
      noticed->bind(2, seconds(now));
      noticed->exec();
    }
    transaction.commit();
    return Result<std::vector<OutboundMessage>>::success(sendable_messages(picked));
  });
}

namespace {

// One more refusal of the endpoint's address; true when that makes enough in a row to need its
// owner's attention.
bool count_hard_failure(SQLite::Database& db, int64_t endpoint_id, const EndpointHealthPolicy& policy) {
  SQLite::Statement count(db, "UPDATE endpoints SET hard_failures = hard_failures + 1 WHERE id = ?1 "
                              "RETURNING hard_failures");
  count.bind(1, endpoint_id);
  return count.executeStep() && hard_failures_need_attention(count.getColumn(0).getInt64(), policy);
}

}  // namespace

Result<std::vector<int64_t>> SqliteStore::record_attempts(const std::vector<AttemptResult>& results, Instant now,
                                                          const EndpointHealthPolicy& policy) {
  return guarded("recording delivery attempts", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    // A deferred result (?6 = 1) gives the claim's attempt back and keeps the last error.
    const auto message = statements().get(
        "UPDATE messages SET state = ?2, next_attempt_at = ?3, "
        "last_error = CASE WHEN ?6 THEN last_error ELSE nullif(?4, '') END, "
        "attempts = attempts - ?6, updated_at = ?5 WHERE id = ?1 AND state = 'sending'");
    // The right-hand sides read the row as it was: a failure that finds no streak starts one.
    const auto failed = statements().get(
        "UPDATE endpoints SET failing_since = coalesce(failing_since, ?2), last_failure_at = ?2, "
        "streak_failures = CASE WHEN failing_since IS NULL THEN 1 ELSE streak_failures + 1 END "
        "WHERE id = ?1 RETURNING failing_since, streak_failures");
    // Whether this streak's "failing" mail is already recorded: once per streak.
    const auto told_failing = statements().get(
        "SELECT 1 FROM endpoint_notices WHERE endpoint_id = ?1 AND what = 'failing' AND created_at >= ?2");
    const auto notice = statements().get(
        "INSERT INTO endpoint_notices (endpoint_id, what, reason, created_at) VALUES (?1, ?2, ?3, ?4)");
    const auto tell = [&](int64_t endpoint_id, const char* what, const std::string& reason) {
      notice->bind(1, endpoint_id);
      notice->bind(2, what);
      notice->bind(3, reason);
      notice->bind(4, seconds(now));
      notice->exec();
      notice->reset();
    };
    const auto disable = statements().get(
        "UPDATE endpoints SET state = 'disabled', state_reason = ?2 "
        "WHERE id = ?1 AND state = 'active'");
    const auto attention = statements().get(
        "UPDATE endpoints SET state = 'needs_attention', state_reason = ?2 "
        "WHERE id = ?1 AND state = 'active'");
    const auto expire_unsent = statements().get(kExpireUnsentOfDisabledSql);
    // Deliveries, the bulk of any batch, in two set-based statements.
    JsonIdList delivered_ids, delivered_endpoints;
    for (const AttemptResult& r : results) {
      if (r.outcome != AttemptResult::Outcome::delivered || r.deferred) continue;
      delivered_ids.add(r.message_id);
      delivered_endpoints.add(r.endpoint_id);
    }
    const auto delivered = statements().get(
        "UPDATE messages SET state = 'delivered', next_attempt_at = ?2, last_error = NULL, "
        "updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND state = 'sending'");
    delivered->bind(1, delivered_ids.text());
    delivered->bind(2, seconds(now));
    delivered->exec();
    // Only an endpoint with something to clear is written: most deliveries go to healthy ones.
    const auto all_healthy = statements().get(
        "UPDATE endpoints SET failing_since = NULL, last_failure_at = NULL, hard_failures = 0 "
        "WHERE id IN (SELECT value FROM json_each(?1)) "
        "AND (failing_since IS NOT NULL OR hard_failures != 0)");
    all_healthy->bind(1, delivered_endpoints.text());
    all_healthy->exec();
    std::vector<int64_t> disabled;
    for (const AttemptResult& r : results) {
      if (r.outcome == AttemptResult::Outcome::delivered && !r.deferred) continue;  // done above
      message->bind(1, r.message_id);
      message->bind(2, outcome_state(r.outcome));
      message->bind(3, seconds(r.outcome == AttemptResult::Outcome::retry ? r.next_attempt : now));
      message->bind(4, r.error);
      message->bind(5, seconds(now));
      const bool deferred = r.deferred && r.outcome == AttemptResult::Outcome::retry;
      message->bind(6, deferred ? 1 : 0);
      message->exec();
      message->reset();
      if (deferred) continue;  // not an attempt: says nothing about the endpoint's health
      if (r.endpoint_needs_attention || (r.hard_failure && count_hard_failure(db, r.endpoint_id, policy))) {
        attention->bind(1, r.endpoint_id);
        attention->bind(2, r.error);
        if (attention->exec() > 0) tell(r.endpoint_id, "needs_attention", r.error);
        attention->reset();
        continue;
      }
      if (!r.endpoint_failed) continue;
      failed->bind(1, r.endpoint_id);
      failed->bind(2, seconds(now));
      FailingStreak streak{seconds(now), 1};
      if (failed->executeStep()) streak = {failed->getColumn(0).getInt64(), failed->getColumn(1).getInt64()};
      failed->reset();
      const bool long_failing = failing_too_long(streak, seconds(now), policy);
      // The owner hears of a failing streak once (delivery_support.h failing_notice_due).
      if (failing_notice_due(r, streak, long_failing, seconds(now), policy)) {
        told_failing->bind(1, r.endpoint_id);
        told_failing->bind(2, streak.since);
        const bool told = told_failing->executeStep();
        told_failing->reset();
        if (!told) tell(r.endpoint_id, "failing", r.error);
      }
      if (r.disable_endpoint || long_failing) {
        disable->bind(1, r.endpoint_id);
        disable->bind(2, disable_reason(r, streak));
        if (disable->exec() > 0) {
          disabled.push_back(r.endpoint_id);
          tell(r.endpoint_id, "disabled", r.error);
          // Nothing more goes to a disabled endpoint; what it missed can be replayed once it
          // is re-enabled, while its windows are open.
          expire_unsent->bind(1, r.endpoint_id);
          expire_unsent->bind(2, seconds(now));
          expire_unsent->exec();
          expire_unsent->reset();
        }
        disable->reset();
      }
    }
    transaction.commit();
    return Result<std::vector<int64_t>>::success(std::move(disabled));
  });
}

Result<std::vector<PendingNotice>> SqliteStore::pending_notices(int limit) {
  return guarded("reading endpoint notices", [&] {
    SQLite::Statement q(database(),
                        "SELECT n.id, n.what, n.reason, e.id, e.kind, e.address, s.id, coalesce(s.email, ''), "
                        "s.token_generation FROM endpoint_notices AS n JOIN endpoints AS e ON e.id = n.endpoint_id "
                        "JOIN subscribers AS s ON s.id = e.subscriber_id WHERE n.sent_at IS NULL ORDER BY n.id LIMIT ?1");
    q.bind(1, limit);
    std::vector<PendingNotice> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                     q.getColumn(3).getInt64(),
                     parse_endpoint_kind(q.getColumn(4).getString()).value_or(EndpointKind::webhook),
                     q.getColumn(5).getString(), q.getColumn(6).getInt64(), q.getColumn(7).getString(),
                     q.getColumn(8).getInt64()});
    }
    return Result<std::vector<PendingNotice>>::success(std::move(out));
  });
}

Status SqliteStore::mark_notices_sent(const std::vector<int64_t>& ids, Instant now) {
  return guarded("marking endpoint notices", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(db, "UPDATE endpoint_notices SET sent_at = ?2 WHERE id = ?1");
    for (const int64_t id : ids) {
      q.bind(1, id);
      q.bind(2, seconds(now));
      q.exec();
      q.reset();
    }
    transaction.commit();
    return ok_status();
  });
}

Result<BounceOutcome> SqliteStore::record_bounce(const Bounce& bounce, Instant now, const EndpointHealthPolicy& policy) {
  return guarded("recording a bounce", [&] {
    using R = Result<BounceOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db, "SELECT endpoint_id FROM messages WHERE id = ?1");
    find.bind(1, bounce.message_id);
    if (!find.executeStep()) return R::failure("no message " + bounce.message_id + " in the database");
    BounceOutcome outcome;
    outcome.endpoint_id = find.getColumn(0).getInt64();
    SQLite::Statement note(db,
                           "UPDATE messages SET last_error = ?2, updated_at = ?3, "
                           "state = CASE WHEN ?4 THEN 'dead' ELSE state END WHERE id = ?1");
    note.bind(1, bounce.message_id);
    note.bind(2, bounce_note(bounce));
    note.bind(3, seconds(now));
    note.bind(4, bounce.permanent ? 1 : 0);
    note.exec();
    if (bounce.permanent && count_hard_failure(db, outcome.endpoint_id, policy)) {
      SQLite::Statement attention(db,
                                  "UPDATE endpoints SET state = 'needs_attention', state_reason = ?2 "
                                  "WHERE id = ?1 AND state = 'active'");
      attention.bind(1, outcome.endpoint_id);
      attention.bind(2, bounce_attention_reason(bounce));
      outcome.endpoint_needs_attention = attention.exec() > 0;
    }
    transaction.commit();
    return R::success(outcome);
  });
}

}  // namespace deadline::store
