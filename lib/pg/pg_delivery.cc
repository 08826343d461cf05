// PgStore: the delivery side of the outbox — claiming messages and recording attempts
// (SqliteStore's sqlite_delivery.cc, statement for statement). What both backends decide in C++
// is in store/delivery_support.h. Claims and results are the delivery hot path: their statements
// are prepared once per connection, and a batch's rows travel as arrays, one statement per batch.

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_map>

#include "domain/change_notice_json.h"
#include "pg/pg_robot_sends.h"
#include "pg/pg_store_support.h"
#include "store/delivery_support.h"

namespace deadline::pg {

using std::int64_t;
using store::EndpointSlots;
using store::FailingStreak;
using store::TellReminder;

namespace {

// "claimsdl": claims run one at a time across the nodes of a database. A claim counts the
// messages every node is sending to each endpoint before it takes more (the per-endpoint cap),
// and that count is only right if no other claim is between its read and its commit. A claim
// is a few milliseconds, so serialising claims costs little against sending what they claim.
constexpr std::int64_t kClaimLockKey = 0x636c61696d73646c;

// Claims whose node stopped beating (its lease ended, node_registry.h): back to retry, to be
// sent again with the same id by whichever node claims them. A lease of NULL is a claim made
// before leases (or on a SQLite database moved here): ended. $1 now (the node's clock, as every
// next_attempt_at); the lease is the server's clock.
const std::string kRequeueExpiredClaimsSql =
    "UPDATE messages SET state = 'retry', next_attempt_at = $1, updated_at = $1, claimed_by = NULL, "
    "lease_until = NULL, last_error = 'interrupted while sending (its node stopped)' "
    "WHERE state = 'sending' AND (lease_until IS NULL OR lease_until < extract(epoch FROM clock_timestamp()))";

PgArray pg_kind_names(const std::vector<EndpointKind>& kinds) {
  PgArray names;
  for (const EndpointKind k : kinds) names.add(std::string(to_string(k)));
  return names;
}

// Candidates straight off the messages_ready index (state, next_attempt_at), with all that
// sending them needs: $1 the state, $2 now, $3 how many, $4 the kinds. In the index's order
// (oldest due first), which SQLite follows without being told. Locked as read (SKIP LOCKED: rows
// another claim holds are passed over, not waited for), so nothing changes them before the
// claim's UPDATE below.
const std::string kPgClaimCandidatesSql =
    "SELECT m.id, m.endpoint_id, m.attempts, m.due_at, m.expires_at, e.kind, e.address, coalesce(e.secret, ''), "
    "e.subscriber_id, s.token_generation FROM messages AS m JOIN endpoints AS e ON e.id = m.endpoint_id "
    "JOIN subscribers AS s ON s.id = e.subscriber_id "
    "WHERE m.state = $1 AND m.next_attempt_at <= $2 AND e.state = 'active' AND e.kind = ANY($4::text[]) "
    "ORDER BY m.next_attempt_at LIMIT $3 FOR UPDATE OF m SKIP LOCKED";

// Reads candidates of `state` into `picked` until `limit`, as many per endpoint as it has slots.
// A robot's message also needs a slot its platform's limits leave (pg_robot_sends.h).
void pg_pick_candidates(PgTransaction& tx, const char* state, Instant now, const PgArray& kinds, int limit,
                        EndpointSlots& slots, RobotSendSlots& robot_slots, std::vector<OutboundMessage>& picked,
                        std::unordered_map<std::string, std::size_t>& position, PgArray& ids) {
  // A few more than `limit` are read so that endpoints at their concurrency cap do not starve
  // the batch.
  const PgResult c = tx.prepared(kPgClaimCandidatesSql, args(state, now, 4 * limit, kinds));
  robot_slots.read(tx, c, 1, 5);
  for (int i = 0; i < c.rows() && static_cast<int>(picked.size()) < limit; ++i) {
    const int64_t endpoint_id = c.integer(i, 1);
    const EndpointKind kind = parse_endpoint_kind(c.text(i, 5)).value_or(EndpointKind::webhook);
    if (!robot_slots.available(endpoint_id, kind) || !slots.take(endpoint_id)) continue;
    robot_slots.take(endpoint_id, kind);
    OutboundMessage& m = picked.emplace_back();
    m.id = c.text(i, 0);
    m.endpoint_id = endpoint_id;
    m.attempts = static_cast<int>(c.integer(i, 2)) + 1;  // the claim below counts this one
    m.due = instant_at(c, i, 3);
    m.expires = instant_at(c, i, 4);
    m.kind = kind;
    m.address = c.text(i, 6);
    m.secret = c.text(i, 7);
    m.subscriber_id = c.integer(i, 8);
    m.token_generation = c.integer(i, 9);
    position.emplace(m.id, picked.size() - 1);
    ids.add(m.id);
  }
}

// The ledger (revision_store.h): an attempt is made now, so the endpoint counts as told of each
// window's close the messages in `sendable` carry — what change notices are later judged
// against. Two statements whatever the batch.
void pg_record_told(PgTransaction& tx, std::vector<TellReminder>& reminders, const std::vector<OutboundMessage>& picked,
                    const PgArray& sendable, Instant now) {
  // From the deliveries the claim read: the latest close per (endpoint, window) of the messages
  // sent now, their windows closed or not. One row per key (a map), as ON CONFLICT DO UPDATE
  // needs.
  PgArray endpoints, windows, closes;
  for (const auto& [key, close] : store::latest_closes(reminders, picked)) {
    endpoints.add(key.first);
    windows.add(key.second);
    closes.add(close);
  }
  if (!endpoints.empty()) {
    tx.prepared("INSERT INTO told (endpoint_id, window_id, close_told, revision_id, told_at) "
                "SELECT e, w, c, NULL, $4::bigint FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(e, w, c) "
                "ON CONFLICT (endpoint_id, window_id) DO UPDATE SET close_told = excluded.close_told, "
                "revision_id = NULL, told_at = excluded.told_at",
                args(endpoints, windows, closes, now));
  }
  // The changes the messages carry override their windows' reminders. Two messages of one claim
  // may carry a change of the same window to the same endpoint (one released from a claim after
  // a newer release came): SQLite's upsert lets the row it reads last win, PostgreSQL refuses a
  // second update of one row in a statement, so the newest revision's row is the one kept.
  tx.prepared("INSERT INTO told (endpoint_id, window_id, close_told, revision_id, told_at) "
              "SELECT DISTINCT ON (m.endpoint_id, c.window_id) m.endpoint_id, c.window_id, c.close_told, "
              "c.revision_id, $2::bigint FROM message_changes AS c JOIN messages AS m ON m.id = c.message_id "
              "WHERE c.message_id = ANY($1::text[]) AND c.superseded = 0 "
              "ORDER BY m.endpoint_id, c.window_id, c.revision_id DESC, c.message_id DESC "
              "ON CONFLICT (endpoint_id, window_id) DO UPDATE SET close_told = excluded.close_told, "
              "revision_id = excluded.revision_id, told_at = excluded.told_at",
              args(sendable, now));
}

// One more refusal of the endpoint's address; true when that makes enough in a row to need its
// owner's attention.
bool pg_count_hard_failure(PgTransaction& tx, int64_t endpoint_id, const EndpointHealthPolicy& policy) {
  const PgResult count = tx.prepared(
      "UPDATE endpoints SET hard_failures = hard_failures + 1 WHERE id = $1 RETURNING hard_failures",
      args(endpoint_id));
  return count.rows() > 0 && store::hard_failures_need_attention(count.integer(0, 0), policy);
}

}  // namespace

Result<int64_t> PgStore::requeue_interrupted(Instant now) {
  return transact(*this, "requeueing interrupted messages", [&](PgTransaction& tx) {
    // Only claims whose lease has ended: another node may be sending the rest right now.
    const int64_t requeued = tx.prepared(kRequeueExpiredClaimsSql, args(now)).affected();
    tx.commit();
    return Result<int64_t>::success(requeued);
  });
}

Status PgStore::release_claims(const std::vector<std::string>& ids, Instant now) {
  return transact(*this, "releasing unsent claims", [&](PgTransaction& tx) {
    PgArray list;
    for (const std::string& id : ids) list.add(id);
    tx.exec("UPDATE messages SET state = 'retry', attempts = greatest(attempts - 1, 0), next_attempt_at = $2, "
            "updated_at = $2 WHERE id = ANY($1::text[]) AND state = 'sending'",
            args(list, now));
    tx.commit();
    return ok_status();
  });
}

Result<std::vector<OutboundMessage>> PgStore::claim_ready(Instant now, const std::vector<EndpointKind>& kinds,
                                                          int limit, int per_endpoint) {
  return transact(*this, "claiming messages", [&](PgTransaction& tx) {
    // A claim lost in a crash leaves its messages ready to claim again (with the same ids): its
    // commit need not wait for the WAL to reach the disk, as SQLite's RelaxedDurability. It stays
    // atomic, and every later commit, flushed as usual, makes it durable too.
    tx.exec("SET LOCAL synchronous_commit = off");
    tx.prepared("SELECT pg_advisory_xact_lock($1::bigint)", args(kClaimLockKey));
    tx.prepared(kRequeueExpiredClaimsSql, args(now));
    // Endpoint → messages sending, including those claimed now. What is 'sending' is at most
    // what the nodes have in flight or claimed ahead: one query over the ready index.
    EndpointSlots slots(per_endpoint);
    {
      const PgResult sending =
          tx.prepared("SELECT endpoint_id, count(*) FROM messages WHERE state = 'sending' GROUP BY endpoint_id");
      for (int i = 0; i < sending.rows(); ++i) {
        slots.count_sending(sending.integer(i, 0), static_cast<int>(sending.integer(i, 1)));
      }
    }
    // The cost of a claim follows what it claims, not the size of the outbox.
    std::vector<OutboundMessage> picked;
    std::unordered_map<std::string, std::size_t> position;  // message id → index in picked
    PgArray ids;
    const PgArray kind_names = pg_kind_names(kinds);
    RobotSendSlots robot_slots;
    for (const char* state : {"retry", "pending"}) {
      if (static_cast<int>(picked.size()) >= limit) break;
      pg_pick_candidates(tx, state, now, kind_names, limit, slots, robot_slots, picked, position, ids);
    }
    if (picked.empty()) {  // nothing to read or mark: spare the round trips
      tx.commit();
      return Result<std::vector<OutboundMessage>>::success(std::vector<OutboundMessage>{});
    }

    // What each picked message reminds of, read and marked in a few set-based statements, not
    // a handful per message: the ids travel as one array. The same read gives the ledger's rows
    // below, closed windows included, so deliveries are read once per claim.
    std::vector<TellReminder> reminders;  // per delivery not superseded, not a test
    {
      const PgResult items = tx.prepared(
          "SELECT message_id, window_id, lead, closes_at, endpoint_id FROM deliveries "
          "WHERE message_id = ANY($1::text[]) AND superseded = 0",
          args(ids));
      for (int i = 0; i < items.rows(); ++i) {
        store::take_delivery(picked, reminders, position.at(items.text(i, 0)), items.integer(i, 4), items.text(i, 1),
                             items.text(i, 2), items.integer(i, 3), seconds(now));
      }
    }
    {
      // Byte order of the window ids, as SQLite's (BINARY), whatever the database's collation.
      const PgResult changes = tx.prepared(
          "SELECT message_id, change FROM message_changes "
          "WHERE message_id = ANY($1::text[]) AND superseded = 0 AND open_until > $2 "
          "ORDER BY window_id COLLATE \"C\"",
          args(ids, now));
      for (int i = 0; i < changes.rows(); ++i) {
        picked[position.at(changes.text(i, 0))].changes.push_back(
            told_change_from_json(nlohmann::json::parse(changes.text(i, 1))));
      }
    }
    // Nothing left to say (every delivery superseded or its window closed): expired, not sent.
    PgArray empty, sendable;
    for (OutboundMessage& m : picked) {
      (store::has_something_to_say(m) ? sendable : empty).add(m.id);
      store::sort_items_soonest_first(m);
    }
    if (!empty.empty()) {
      tx.prepared("UPDATE messages SET state = 'expired', updated_at = $2, last_error = 'every reminder in it was "
                  "superseded or closed' WHERE id = ANY($1::text[])",
                  args(empty, now));
    }
    if (!sendable.empty()) {
      // By primary key (PostgreSQL has no rowid to take from the candidates): the rows are
      // locked since they were read, so they are as read.
      tx.prepared("UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = $2, "
                  "claimed_by = $3, lease_until = extract(epoch FROM clock_timestamp())::bigint + $4::bigint "
                  "WHERE id = ANY($1::text[])",
                  args(sendable, now, claimant_, static_cast<int64_t>(claim_lease_.count())));
      pg_record_told(tx, reminders, picked, sendable, now);
    }
    std::vector<OutboundMessage> claimed = store::sendable_messages(picked);
    record_robot_sends(tx, claimed);
    tx.commit();
    return Result<std::vector<OutboundMessage>>::success(std::move(claimed));
  });
}

namespace {

// The statements record_attempts runs for a result that is not a plain delivery, prepared once
// per connection. A deferred result ($6 = 1) gives the claim's attempt back and keeps the last
// error.
const std::string kPgAttemptMessageSql =
    "UPDATE messages SET state = $2, next_attempt_at = $3, "
    "last_error = CASE WHEN $6::int = 1 THEN last_error ELSE nullif($4::text, '') END, "
    "attempts = attempts - $6::int, updated_at = $5 WHERE id = $1 AND state = 'sending'";
// The right-hand sides read the row as it was: a failure that finds no streak starts one.
const std::string kPgEndpointFailedSql =
    "UPDATE endpoints SET failing_since = coalesce(failing_since, $2::bigint), last_failure_at = $2::bigint, "
    "streak_failures = CASE WHEN failing_since IS NULL THEN 1 ELSE streak_failures + 1 END "
    "WHERE id = $1 RETURNING failing_since, streak_failures";
// Whether this streak's "failing" mail is already recorded: once per streak.
const std::string kPgToldFailingSql =
    "SELECT 1 FROM endpoint_notices WHERE endpoint_id = $1 AND what = 'failing' AND created_at >= $2";
const std::string kPgNoticeSql =
    "INSERT INTO endpoint_notices (endpoint_id, what, reason, created_at) VALUES ($1, $2, $3, $4)";
const std::string kPgDisableSql =
    "UPDATE endpoints SET state = 'disabled', state_reason = $2 WHERE id = $1 AND state = 'active'";
const std::string kPgAttentionSql =
    "UPDATE endpoints SET state = 'needs_attention', state_reason = $2 WHERE id = $1 AND state = 'active'";

void pg_tell(PgTransaction& tx, int64_t endpoint_id, const char* what, const std::string& reason, Instant now) {
  tx.prepared(kPgNoticeSql, args(endpoint_id, what, reason, now));
}

// Deliveries, the bulk of any batch, in two set-based statements.
void pg_record_deliveries(PgTransaction& tx, const std::vector<AttemptResult>& results, Instant now) {
  PgArray delivered_ids, delivered_endpoints;
  for (const AttemptResult& r : results) {
    if (r.outcome != AttemptResult::Outcome::delivered || r.deferred) continue;
    delivered_ids.add(r.message_id);
    delivered_endpoints.add(r.endpoint_id);
  }
  if (delivered_ids.empty()) return;
  tx.prepared("UPDATE messages SET state = 'delivered', next_attempt_at = $2, last_error = NULL, "
              "updated_at = $2 WHERE id = ANY($1::text[]) AND state = 'sending'",
              args(delivered_ids, now));
  // Only an endpoint with something to clear is written: most deliveries go to healthy ones.
  tx.prepared("UPDATE endpoints SET failing_since = NULL, last_failure_at = NULL, hard_failures = 0 "
              "WHERE id = ANY($1::bigint[]) AND (failing_since IS NOT NULL OR hard_failures <> 0)",
              args(delivered_endpoints));
}

// A failed attempt's endpoint: its streak, the owner's "failing" notice, and a disable when the
// result asks for one or the streak has lasted too long. True when the endpoint is disabled now.
bool pg_record_endpoint_failure(PgTransaction& tx, const AttemptResult& r, Instant now,
                                const EndpointHealthPolicy& policy) {
  FailingStreak streak{seconds(now), 1};
  const PgResult failed = tx.prepared(kPgEndpointFailedSql, args(r.endpoint_id, now));
  if (failed.rows() > 0) streak = {failed.integer(0, 0), failed.integer(0, 1)};
  const bool long_failing = store::failing_too_long(streak, seconds(now), policy);
  // The owner hears of a failing streak once (delivery_support.h failing_notice_due).
  if (store::failing_notice_due(r, streak, long_failing, seconds(now), policy)) {
    const bool told = tx.prepared(kPgToldFailingSql, args(r.endpoint_id, streak.since)).rows() > 0;
    if (!told) pg_tell(tx, r.endpoint_id, "failing", r.error, now);
  }
  if (!r.disable_endpoint && !long_failing) return false;
  if (tx.prepared(kPgDisableSql, args(r.endpoint_id, store::disable_reason(r, streak))).affected() == 0) return false;
  pg_tell(tx, r.endpoint_id, "disabled", r.error, now);
  // Nothing more goes to a disabled endpoint; what it missed can be replayed once it is
  // re-enabled, while its windows are open.
  tx.prepared(kExpireUnsentOfDisabledSql, args(r.endpoint_id, now));
  return true;
}

}  // namespace

Result<std::vector<int64_t>> PgStore::record_attempts(const std::vector<AttemptResult>& results, Instant now,
                                                      const EndpointHealthPolicy& policy) {
  return transact(*this, "recording delivery attempts", [&](PgTransaction& tx) {
    pg_record_deliveries(tx, results, now);
    finish_robot_sends(tx, results);
    // The rest one by one, in the batch's order, as on SQLite: each may change what the next
    // finds (a streak, a disable that expires the endpoint's unsent messages). They are the few.
    std::vector<int64_t> disabled;
    for (const AttemptResult& r : results) {
      if (r.outcome == AttemptResult::Outcome::delivered && !r.deferred) continue;  // done above
      const bool deferred = r.deferred && r.outcome == AttemptResult::Outcome::retry;
      tx.prepared(kPgAttemptMessageSql,
                  args(r.message_id, store::outcome_state(r.outcome),
                       r.outcome == AttemptResult::Outcome::retry ? r.next_attempt : now, r.error, now, deferred));
      if (deferred) continue;  // not an attempt: says nothing about the endpoint's health
      if (r.endpoint_needs_attention || (r.hard_failure && pg_count_hard_failure(tx, r.endpoint_id, policy))) {
        if (tx.prepared(kPgAttentionSql, args(r.endpoint_id, r.error)).affected() > 0) {
          pg_tell(tx, r.endpoint_id, "needs_attention", r.error, now);
        }
        continue;
      }
      if (!r.endpoint_failed) continue;
      if (pg_record_endpoint_failure(tx, r, now, policy)) disabled.push_back(r.endpoint_id);
    }
    tx.commit();
    return Result<std::vector<int64_t>>::success(std::move(disabled));
  });
}

Result<std::vector<PendingNotice>> PgStore::pending_notices(int limit) {
  return transact(
      *this, "reading endpoint notices",
      [&](PgTransaction& tx) {
        const PgResult q = tx.exec(
            "SELECT n.id, n.what, n.reason, e.id, e.kind, e.address, s.id, coalesce(s.email, ''), "
            "s.token_generation FROM endpoint_notices AS n JOIN endpoints AS e ON e.id = n.endpoint_id "
            "JOIN subscribers AS s ON s.id = e.subscriber_id WHERE n.sent_at IS NULL ORDER BY n.id LIMIT $1",
            args(limit));
        std::vector<PendingNotice> out;
        for (int i = 0; i < q.rows(); ++i) {
          out.push_back({q.integer(i, 0), q.text(i, 1), q.text(i, 2), q.integer(i, 3),
                         parse_endpoint_kind(q.text(i, 4)).value_or(EndpointKind::webhook), q.text(i, 5),
                         q.integer(i, 6), q.text(i, 7), q.integer(i, 8)});
        }
        return Result<std::vector<PendingNotice>>::success(std::move(out));
      },
      PgTransaction::Access::read_only);
}

Status PgStore::mark_notices_sent(const std::vector<int64_t>& ids, Instant now) {
  return transact(*this, "marking endpoint notices", [&](PgTransaction& tx) {
    // One statement for the batch where SQLite runs one per id: the same rows, the same value.
    PgArray list;
    for (const int64_t id : ids) list.add(id);
    tx.exec("UPDATE endpoint_notices SET sent_at = $2 WHERE id = ANY($1::bigint[])", args(list, now));
    tx.commit();
    return ok_status();
  });
}

Result<BounceOutcome> PgStore::record_bounce(const Bounce& bounce, Instant now, const EndpointHealthPolicy& policy) {
  return transact(*this, "recording a bounce", [&](PgTransaction& tx) {
    using R = Result<BounceOutcome>;
    const PgResult find = tx.exec("SELECT endpoint_id FROM messages WHERE id = $1", args(bounce.message_id));
    if (find.rows() == 0) return R::failure("no message " + bounce.message_id + " in the database");
    BounceOutcome outcome;
    outcome.endpoint_id = find.integer(0, 0);
    tx.exec("UPDATE messages SET last_error = $2, updated_at = $3, "
            "state = CASE WHEN $4::int = 1 THEN 'dead' ELSE state END WHERE id = $1",
            args(bounce.message_id, store::bounce_note(bounce), now, bounce.permanent));
    if (bounce.permanent && pg_count_hard_failure(tx, outcome.endpoint_id, policy)) {
      outcome.endpoint_needs_attention =
          tx.exec("UPDATE endpoints SET state = 'needs_attention', state_reason = $2 "
                  "WHERE id = $1 AND state = 'active'",
                  args(outcome.endpoint_id, store::bounce_attention_reason(bounce)))
              .affected() > 0;
    }
    tx.commit();
    return R::success(outcome);
  });
}

}  // namespace deadline::pg
