// PgStore: subscribers, endpoints and messages as the admin API and the scheduler's simple calls
// see them; store/sqlite_store.cc on SQLite.

#include <date/date.h>

#include "pg/pg_firings.h"
#include "pg/pg_store_support.h"

namespace deadline::pg {

using std::int64_t;

namespace {

using Access = PgTransaction::Access;

// A call on one row by id refuses, naming it, when the row is not there (nothing changed).
Status require_one_change(const PgResult& changed, const std::string& what) {
  if (changed.affected() == 0) return Status::failure(what + " not found");
  return ok_status();
}

}  // namespace

Result<std::optional<Instant>> PgStore::cursor() {
  return transact(*this, "reading the cursor", [&](PgTransaction& tx) {
    const PgResult r = tx.exec("SELECT value FROM scheduler_state WHERE name = 'cursor'");
    std::optional<Instant> at;
    if (r.rows() > 0) at = instant_at(r, 0, 0);
    tx.commit();
    return Result<std::optional<Instant>>::success(at);
  });
}

Result<int64_t> PgStore::expire_closed(Instant now) {
  return transact(*this, "expiring messages", [&](PgTransaction& tx) {
    const int64_t expired =
        tx.exec("UPDATE messages SET state = 'expired', last_error = 'window closed before it could be sent', "
                "updated_at = $1 WHERE state IN ('pending', 'retry') AND expires_at <= $1",
                args(now))
            .affected();
    tx.commit();
    return Result<int64_t>::success(expired);
  });
}

Result<PurgeOutcome> PgStore::purge(Instant now, const RetentionPolicy& policy) {
  return transact(*this, "purging", [&](PgTransaction& tx) {
    PurgeOutcome outcome;
    const Instant finished = now - date::days{policy.finished_message_days};
    outcome.messages =
        tx.exec("DELETE FROM messages WHERE state IN ('delivered', 'dead', 'expired') AND updated_at <= $1",
                args(finished))
            .affected();
    // Unsubscribed long enough: the address and endpoints go; the hash stays so the address is
    // known to have unsubscribed if it ever shows up again.
    const Instant cutoff = now - date::days{policy.unsubscribed_days};
    tx.exec("DELETE FROM endpoints WHERE subscriber_id IN (SELECT id FROM subscribers "
            "WHERE state = 'unsubscribed' AND email IS NOT NULL AND unsubscribed_at <= $1)",
            args(cutoff));
    outcome.subscribers = tx.exec("UPDATE subscribers SET email = NULL WHERE state = 'unsubscribed' "
                                  "AND email IS NOT NULL AND unsubscribed_at <= $1",
                                  args(cutoff))
                              .affected();
    // Calendar revisions whose every window closed long enough ago; never the latest released,
    // which is in force and the next revision is compared with, nor a staged one. The files kept
    // for them go with the last revision that needed them.
    outcome.revisions = tx.exec("DELETE FROM calendar_revisions WHERE last_close <= $1 AND state != 'staged' "
                                "AND id < (SELECT max(id) FROM calendar_revisions WHERE state = 'released')",
                                args(finished))
                            .affected();
    tx.exec("DELETE FROM calendar_sources WHERE calendar_revision NOT IN "
            "(SELECT calendar_revision FROM calendar_revisions)");
    // Finished firings: their messages keep the id, nothing else needs them. The ledger of what
    // each endpoint was told outlives the messages: until its close is finished_message_days past.
    tx.exec("DELETE FROM firings WHERE finished_at <= $1", args(finished));
    tx.exec("DELETE FROM told WHERE close_told <= $1", args(finished));
    tx.commit();
    return Result<PurgeOutcome>::success(outcome);
  });
}

Result<int64_t> PgStore::add_subscriber(const std::string& email, SubscriberState state, Instant now) {
  if (state != SubscriberState::pending && state != SubscriberState::active) {
    return Result<int64_t>::failure("subscriber state must be pending or active");
  }
  return transact(*this, "adding a subscriber", [&](PgTransaction& tx) {
    const std::string hash = store::email_hash(email);
    // ON CONFLICT: an address another transaction adds at the same moment is refused like one
    // already there, not with a unique-violation error.
    const PgResult inserted = tx.exec(
        "INSERT INTO subscribers (email, email_hash, state, created_at, confirmed_at) "
        "VALUES ($1, $2, $3, $4::bigint, CASE WHEN $3 = 'active' THEN $4::bigint END) "
        "ON CONFLICT DO NOTHING RETURNING id",
        args(email, hash, to_string(state), now));
    if (inserted.rows() == 0) {
      const PgResult existing = tx.exec("SELECT id FROM subscribers WHERE email_hash = $1", args(hash));
      return Result<int64_t>::failure("a subscriber with this address exists (id " +
                                      (existing.rows() > 0 ? existing.text(0, 0) : std::string("?")) + ")");
    }
    tx.commit();
    return Result<int64_t>::success(inserted.integer(0, 0));
  });
}

Result<std::optional<SubscriberRecord>> PgStore::find_subscriber(int64_t id) {
  return transact(*this, "reading a subscriber", [&](PgTransaction& tx) {
    const PgResult r = tx.exec(std::string(kSubscriberColumns) + " WHERE id = $1", args(id));
    std::optional<SubscriberRecord> found;
    if (r.rows() > 0) found = read_subscriber(r, 0);
    tx.commit();
    return Result<std::optional<SubscriberRecord>>::success(found);
  });
}

Status PgStore::unsubscribe(int64_t subscriber_id, Instant now) {
  return transact(*this, "unsubscribing", [&](PgTransaction& tx) {
    const PgResult changed = tx.exec("UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = $2, "
                                     "token_generation = token_generation + 1 WHERE id = $1",
                                     args(subscriber_id, now));
    if (Status found = require_one_change(changed, "subscriber " + std::to_string(subscriber_id)); !found) {
      return found;
    }
    tx.exec("UPDATE endpoints SET state = 'unsubscribed' WHERE subscriber_id = $1", args(subscriber_id));
    tx.exec("UPDATE messages SET state = 'expired', last_error = 'unsubscribed', updated_at = $2 "
            "WHERE state IN ('pending', 'retry') AND endpoint_id IN "
            "(SELECT id FROM endpoints WHERE subscriber_id = $1)",
            args(subscriber_id, now));
    tx.commit();
    return ok_status();
  });
}

Status PgStore::remove_subscriber(int64_t id) {
  return transact(*this, "removing a subscriber", [&](PgTransaction& tx) {
    if (delete_subscriber(tx, id) == 0) return Status::failure("subscriber " + std::to_string(id) + " not found");
    tx.commit();
    return ok_status();
  });
}

Result<int64_t> PgStore::add_endpoint(const NewEndpoint& endpoint, Instant now) {
  return transact(*this, "adding an endpoint", [&](PgTransaction& tx) {
    const int64_t id = insert_endpoint(tx, endpoint, now);
    tx.commit();
    return Result<int64_t>::success(id);
  });
}

Result<std::optional<Subscription>> PgStore::load_subscription(int64_t subscriber_id, int64_t generation) {
  using R = Result<std::optional<Subscription>>;
  return transact(
      *this, "reading a subscription",
      [&](PgTransaction& tx) {
        const PgResult s = tx.exec(std::string(kSubscriberColumns) + " WHERE id = $1", args(subscriber_id));
        if (s.rows() == 0) return R::success(std::nullopt);
        Subscription found{read_subscriber(s, 0), {}};
        if (found.subscriber.token_generation != generation ||
            found.subscriber.state == SubscriberState::unsubscribed || !found.subscriber.email) {
          return R::success(std::nullopt);
        }
        // Endpoints left unsubscribed by an earlier subscription of the same address are history,
        // not part of this one (the store keeps them only until they are purged).
        const PgResult e = tx.exec(
            std::string(kEndpointColumns) + " WHERE subscriber_id = $1 AND state != 'unsubscribed' ORDER BY id",
            args(subscriber_id));
        for (int i = 0; i < e.rows(); ++i) found.endpoints.push_back(read_endpoint(tx, e, i));
        tx.commit();
        return R::success(std::move(found));
      },
      Access::read_only);  // one snapshot: the subscriber and endpoints as they were together
}

Result<std::optional<EndpointRecord>> PgStore::find_endpoint(int64_t id) {
  return transact(
      *this, "reading an endpoint",
      [&](PgTransaction& tx) {
        const PgResult r = tx.exec(std::string(kEndpointColumns) + " WHERE id = $1", args(id));
        std::optional<EndpointRecord> found;
        if (r.rows() > 0) found = read_endpoint(tx, r, 0);
        tx.commit();
        return Result<std::optional<EndpointRecord>>::success(found);
      },
      Access::read_only);
}

Status PgStore::remove_endpoint(int64_t id) {
  return transact(*this, "removing an endpoint", [&](PgTransaction& tx) {
    const PgResult changed = tx.exec("DELETE FROM endpoints WHERE id = $1", args(id));
    if (Status found = require_one_change(changed, "endpoint " + std::to_string(id)); !found) return found;
    tx.commit();
    return ok_status();
  });
}

// An endpoint's secret column holds the current secret, then during a rotation the previous one,
// separated by one space (whsec_ secrets hold no spaces): split_part(secret, ' ', 1) is the current.
Status PgStore::start_secret_rotation(int64_t id, const std::string& new_secret) {
  return transact(*this, "rotating a webhook secret", [&](PgTransaction& tx) {
    const PgResult changed = tx.exec(
        "UPDATE endpoints SET secret = $2 || ' ' || split_part(secret, ' ', 1) "
        "WHERE id = $1 AND kind = 'webhook'",
        args(id, new_secret));
    if (Status found = require_one_change(changed, "webhook endpoint " + std::to_string(id)); !found) return found;
    tx.commit();
    return ok_status();
  });
}

Status PgStore::finish_secret_rotation(int64_t id) {
  return transact(*this, "finishing a webhook secret rotation", [&](PgTransaction& tx) {
    const PgResult changed = tx.exec(
        "UPDATE endpoints SET secret = split_part(secret, ' ', 1) WHERE id = $1 AND kind = 'webhook'", args(id));
    if (Status found = require_one_change(changed, "webhook endpoint " + std::to_string(id)); !found) return found;
    tx.commit();
    return ok_status();
  });
}

Result<MessageCounts> PgStore::message_counts() {
  return transact(*this, "counting messages", [&](PgTransaction& tx) {
    const PgResult r = tx.exec("SELECT state, count(*) FROM messages GROUP BY state");
    MessageCounts counts;
    for (int i = 0; i < r.rows(); ++i) counts[store::stored_as(kMessageStates, r.text(i, 0))] = r.integer(i, 1);
    tx.commit();
    return Result<MessageCounts>::success(counts);
  });
}

Result<std::vector<MessageRecord>> PgStore::list_messages(std::optional<MessageState> state, int limit) {
  return transact(*this, "listing messages", [&](PgTransaction& tx) {
    const PgResult r = tx.exec(std::string(kMessageColumns) +
                                   " WHERE $1::text = '' OR state = $1 ORDER BY updated_at DESC, id LIMIT $2",
                               args(store::state_filter(state), limit));
    std::vector<MessageRecord> result;
    for (int i = 0; i < r.rows(); ++i) result.push_back(read_message(r, i));
    tx.commit();
    return Result<std::vector<MessageRecord>>::success(std::move(result));
  });
}

Result<int64_t> PgStore::trigger_count(TriggerOutcome outcome) {
  return transact(*this, "counting triggers", [&](PgTransaction& tx) {
    const PgResult r = tx.exec("SELECT count(*) FROM triggers WHERE outcome = $1", args(to_string(outcome)));
    tx.commit();
    return Result<int64_t>::success(r.integer(0, 0));
  });
}

Status PgStore::advance_cursor(Instant to) {
  return transact(*this, "advancing the cursor", [&](PgTransaction& tx) {
    set_cursor(tx, to);
    tx.commit();
    return ok_status();
  });
}

}  // namespace deadline::pg
