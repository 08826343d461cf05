// PgStore: self-service subscription (request and confirm), as the web pages use it. The SQL
// mirrors SqliteStore's (lib/store/sqlite_subscription.cc). Where SQLite's BEGIN IMMEDIATE
// kept a read and the write that follows it together, the subscriber's row is read FOR UPDATE:
// a concurrent deadlinectl (or a second request for the same address) waits for this call
// instead of racing it.

#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pg/pg_store_support.h"
#include "store/account_mail_allowance.h"

namespace deadline::pg {

using std::int64_t;

namespace {

// The subscriber's confirmation-mail counters, as store::mail_allowance reads them; the row is
// locked until the call ends, so that the mail counted is the one this call decides on.
store::AccountMailCounters pg_stored_mail_counters(PgTransaction& tx, int64_t subscriber_id) {
  const PgResult r = tx.exec(
      "SELECT confirm_mailed_at, confirm_window_start, confirm_mails_in_window FROM subscribers "
      "WHERE id = $1 FOR UPDATE",
      args(subscriber_id));
  if (r.rows() == 0) throw std::runtime_error("no subscriber " + std::to_string(subscriber_id));
  store::AccountMailCounters counters;
  if (!r.is_null(0, 0)) counters.mailed_at = r.integer(0, 0);
  if (!r.is_null(0, 1)) counters.window_start = r.integer(0, 1);
  counters.sent_in_window = static_cast<int>(r.integer(0, 2));
  return counters;
}

// Mails the subscriber now if `policy` allows (counting it, nothing left due), else leaves one
// mail due at the first allowed moment. True when it may go now.
bool pg_mail_now_or_later(PgTransaction& tx, int64_t subscriber_id, Instant now, const ConfirmationMailPolicy& policy) {
  const store::MailAllowance allowed = store::mail_allowance(pg_stored_mail_counters(tx, subscriber_id), now, policy);
  const bool now_ok = allowed.at <= seconds(now);
  if (now_ok) {
    tx.exec("UPDATE subscribers SET confirm_mailed_at = $2, confirm_window_start = $3, "
            "confirm_mails_in_window = $4, account_mail_due_at = NULL WHERE id = $1",
            args(subscriber_id, now, allowed.window_start, allowed.sent_in_window + 1));
  } else {
    tx.exec("UPDATE subscribers SET account_mail_due_at = $2 WHERE id = $1", args(subscriber_id, allowed.at));
  }
  return now_ok;
}

int64_t pg_token_generation(PgTransaction& tx, int64_t subscriber_id) {
  return tx.exec("SELECT token_generation FROM subscribers WHERE id = $1", args(subscriber_id)).integer(0, 0);
}

// The subscriber with this address (id and state, the row locked), added as pending when there
// is none (state "new"). Two requests for one new address at once: the second one's insert
// waits for the first and then does nothing (ON CONFLICT), and it finds the first one's row,
// as it would have after SQLite's BEGIN IMMEDIATE, instead of failing on the unique key.
std::pair<int64_t, std::string> pg_find_or_add_subscriber(PgTransaction& tx, const std::string& email, Instant now) {
  const std::string hash = store::email_hash(email);
  const auto find = [&]() {
    return tx.exec("SELECT id, state FROM subscribers WHERE email_hash = $1 FOR UPDATE", args(hash));
  };
  if (const PgResult found = find(); found.rows() > 0) return {found.integer(0, 0), found.text(0, 1)};
  const PgResult inserted = tx.exec(
      "INSERT INTO subscribers (email, email_hash, state, created_at) VALUES ($1, $2, 'pending', $3) "
      "ON CONFLICT DO NOTHING RETURNING id",
      args(email, hash, now));
  if (inserted.rows() > 0) return {inserted.integer(0, 0), "new"};
  const PgResult found = find();
  if (found.rows() == 0) throw std::runtime_error("the address's subscriber vanished while it was added");
  return {found.integer(0, 0), found.text(0, 1)};
}

}  // namespace

Result<SubscribeOutcome> PgStore::request_subscription(const SubscribeRequest& request, Instant now,
                                                       const ConfirmationMailPolicy& policy) {
  return transact(*this, "recording a subscription request", [&](PgTransaction& tx) {
    SubscribeOutcome outcome;
    std::string state;
    std::tie(outcome.subscriber_id, state) = pg_find_or_add_subscriber(tx, request.email, now);
    if (state == "active") {  // nothing changes without the owner's confirmation: the manage link is mailed
      outcome.mail = store::AccountMailKind::manage_link;
      outcome.send_now = pg_mail_now_or_later(tx, outcome.subscriber_id, now, policy);
      outcome.token_generation = pg_token_generation(tx, outcome.subscriber_id);
      tx.commit();
      return Result<SubscribeOutcome>::success(outcome);
    }
    if (state == "unsubscribed") {
      // Starting again: the address comes back (it may have been purged), links made before
      // stay revoked (the generation moved on at the unsubscribe).
      tx.exec("UPDATE subscribers SET state = 'pending', email = $2, unsubscribed_at = NULL WHERE id = $1",
              args(outcome.subscriber_id, request.email));
    }
    if (state != "new") {
      // The latest request's choices replace the earlier unconfirmed (or unsubscribed) ones.
      tx.exec("DELETE FROM endpoints WHERE subscriber_id = $1 AND kind = 'email'", args(outcome.subscriber_id));
    }
    insert_endpoint(tx, {outcome.subscriber_id, EndpointKind::email, request.email, "", request.filters, request.leads},
                    now);
    outcome.send_now = pg_mail_now_or_later(tx, outcome.subscriber_id, now, policy);
    outcome.token_generation = pg_token_generation(tx, outcome.subscriber_id);
    tx.commit();
    return Result<SubscribeOutcome>::success(outcome);
  });
}

Result<std::vector<AccountMail>> PgStore::take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) {
  return transact(*this, "taking due subscribe mails", [&](PgTransaction& tx) {
    const PgResult due = tx.exec(
        "SELECT id, state, email, token_generation FROM subscribers "
        "WHERE account_mail_due_at IS NOT NULL AND account_mail_due_at <= $1 ORDER BY account_mail_due_at FOR UPDATE",
        args(now));
    std::vector<AccountMail> candidates;
    PgArray dropped;
    for (int i = 0; i < due.rows(); ++i) {
      const std::string state = due.text(i, 1);
      if (due.is_null(i, 2) || (state != "pending" && state != "active")) {
        dropped.add(due.integer(i, 0));
        continue;
      }
      candidates.push_back({due.integer(i, 0), due.text(i, 2), due.integer(i, 3),
                            state == "active" ? store::AccountMailKind::manage_link
                                              : store::AccountMailKind::confirmation});
    }
    if (!dropped.empty()) {
      tx.exec("UPDATE subscribers SET account_mail_due_at = NULL WHERE id = ANY($1::bigint[])", args(dropped));
    }
    std::vector<AccountMail> mails;
    for (AccountMail& mail : candidates) {
      if (pg_mail_now_or_later(tx, mail.subscriber_id, now, policy)) mails.push_back(std::move(mail));
    }
    tx.commit();
    return Result<std::vector<AccountMail>>::success(std::move(mails));
  });
}

Result<ConfirmOutcome> PgStore::confirm_subscription(int64_t subscriber_id, int64_t generation, Instant now) {
  return transact(*this, "confirming a subscription", [&](PgTransaction& tx) {
    using R = Result<ConfirmOutcome>;
    const PgResult find =
        tx.exec("SELECT state, token_generation FROM subscribers WHERE id = $1 FOR UPDATE", args(subscriber_id));
    if (find.rows() == 0 || find.integer(0, 1) != generation) return R::success(ConfirmOutcome::revoked);
    const std::string state = find.text(0, 0);
    if (state == "active") return R::success(ConfirmOutcome::already_active);
    if (state != "pending") return R::success(ConfirmOutcome::revoked);
    tx.exec("UPDATE subscribers SET state = 'active', confirmed_at = $2 WHERE id = $1", args(subscriber_id, now));
    tx.commit();
    return R::success(ConfirmOutcome::confirmed);
  });
}

namespace {

// The subscriber exists, is not unsubscribed, and `generation` is still theirs. Their row stays
// locked until the call ends: an unsubscribe or a new link cannot slip in between this check and
// the change it allows.
Status pg_check_generation(PgTransaction& tx, int64_t subscriber_id, int64_t generation) {
  const PgResult q =
      tx.exec("SELECT state, token_generation FROM subscribers WHERE id = $1 FOR UPDATE", args(subscriber_id));
  if (q.rows() == 0 || q.integer(0, 1) != generation || q.text(0, 0) == "unsubscribed") {
    return Status::failure("the link is no longer valid");
  }
  return ok_status();
}

}  // namespace

Status PgStore::set_email_choices(int64_t subscriber_id, int64_t generation, const EndpointFilters& filters,
                                  const std::vector<std::string>& leads) {
  return transact(*this, "changing email choices", [&](PgTransaction& tx) {
    if (Status valid = pg_check_generation(tx, subscriber_id, generation); !valid) return valid;
    const PgResult q =
        tx.exec("SELECT id FROM endpoints WHERE subscriber_id = $1 AND kind = 'email'", args(subscriber_id));
    for (int i = 0; i < q.rows(); ++i) replace_choices(tx, q.integer(i, 0), filters, leads);
    tx.commit();
    return ok_status();
  });
}

Result<int64_t> PgStore::reenable_endpoint(int64_t subscriber_id, int64_t generation, int64_t endpoint_id,
                                           Instant now) {
  return transact(*this, "re-enabling an endpoint", [&](PgTransaction& tx) {
    using R = Result<int64_t>;
    if (Status valid = pg_check_generation(tx, subscriber_id, generation); !valid) return R::failure(valid.error());
    const PgResult reenabled = tx.exec(
        "UPDATE endpoints SET state = 'active', state_reason = NULL, failing_since = NULL, "
        "last_failure_at = NULL, hard_failures = 0 "
        "WHERE id = $1 AND subscriber_id = $2 AND state IN ('needs_attention', 'disabled')",
        args(endpoint_id, subscriber_id));
    if (reenabled.affected() == 0) return R::failure("no such endpoint needing attention");
    // Replay: what failed (dead), expired because the endpoint was disabled, or waits unsent goes
    // out again now (same ids) while its window is open; the attempts start afresh.
    const PgResult replay = tx.exec(
        "UPDATE messages SET state = 'retry', next_attempt_at = $2, attempts = 0, updated_at = $2 "
        "WHERE endpoint_id = $1 AND expires_at > $2 AND (state IN ('pending', 'retry', 'dead') OR "
        "(state = 'expired' AND last_error = 'endpoint disabled'))",
        args(endpoint_id, now));
    tx.commit();
    return R::success(replay.affected());
  });
}

Result<std::string> PgStore::queue_test_message(int64_t subscriber_id, int64_t generation, int64_t endpoint_id,
                                               const std::string& window_id, Instant closes, Instant now) {
  return transact(*this, "queueing a test message", [&](PgTransaction& tx) {
    using R = Result<std::string>;
    if (Status valid = pg_check_generation(tx, subscriber_id, generation); !valid) return R::failure(valid.error());
    const PgResult owned = tx.exec("SELECT 1 FROM endpoints WHERE id = $1 AND subscriber_id = $2 AND state = 'active'",
                                   args(endpoint_id, subscriber_id));
    if (owned.rows() == 0) return R::failure("no such active endpoint");
    const std::string id = tx.exec(std::string("SELECT ") + kNewMessageIdSql).text(0, 0);
    tx.exec("INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
            "expires_at, updated_at) VALUES ($1, $2, $3, $3, 'pending', $3, $4, $3)",
            args(id, endpoint_id, now, closes));
    tx.exec("INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at) "
            "VALUES ($1, $2, 'test|' || $1::text, $3, 'test', $4)",
            args(id, endpoint_id, window_id, closes));
    tx.commit();
    return R::success(id);
  });
}

Result<OwnEndpointAdded> PgStore::add_own_endpoint(int64_t generation, const NewEndpoint& endpoint, Instant now) {
  return transact(*this, "adding an endpoint", [&](PgTransaction& tx) {
    using R = Result<OwnEndpointAdded>;
    // The subscriber's row stays locked (pg_check_generation): two adds at once cannot both
    // find room for one more.
    if (!pg_check_generation(tx, endpoint.subscriber_id, generation)) {
      return R::success({OwnEndpointChange::revoked, 0});
    }
    const PgResult count = tx.exec(
        "SELECT count(*) FROM endpoints WHERE subscriber_id = $1 AND state != 'unsubscribed'",
        args(endpoint.subscriber_id));
    if (count.integer(0, 0) >= kMaxEndpointsPerSubscriber) return R::success({OwnEndpointChange::too_many, 0});
    const int64_t id = insert_endpoint(tx, endpoint, now);
    tx.commit();
    return R::success({OwnEndpointChange::done, id});
  });
}

namespace {

// The kind of the subscriber's endpoint `endpoint_id`, or nullopt when it is not theirs; the
// endpoint is locked until the call ends, so that an operator cannot remove it under the change.
std::optional<std::string> pg_own_endpoint_kind(PgTransaction& tx, int64_t subscriber_id, int64_t endpoint_id) {
  const PgResult q = tx.exec(
      "SELECT kind FROM endpoints WHERE id = $1 AND subscriber_id = $2 AND state != 'unsubscribed' FOR UPDATE",
      args(endpoint_id, subscriber_id));
  if (q.rows() == 0) return std::nullopt;
  return q.text(0, 0);
}

}  // namespace

Result<OwnEndpointChange> PgStore::set_own_endpoint_choices(int64_t subscriber_id, int64_t generation,
                                                            int64_t endpoint_id, const EndpointFilters& filters,
                                                            const std::vector<std::string>& leads) {
  return transact(*this, "changing an endpoint's choices", [&](PgTransaction& tx) {
    using R = Result<OwnEndpointChange>;
    if (!pg_check_generation(tx, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    if (!pg_own_endpoint_kind(tx, subscriber_id, endpoint_id)) return R::success(OwnEndpointChange::not_found);
    replace_choices(tx, endpoint_id, filters, leads);
    tx.commit();
    return R::success(OwnEndpointChange::done);
  });
}

Result<OwnEndpointChange> PgStore::rename_own_endpoint(int64_t subscriber_id, int64_t generation, int64_t endpoint_id,
                                                       const std::string& name) {
  return transact(*this, "renaming an endpoint", [&](PgTransaction& tx) {
    using R = Result<OwnEndpointChange>;
    if (!pg_check_generation(tx, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    if (!pg_own_endpoint_kind(tx, subscriber_id, endpoint_id)) return R::success(OwnEndpointChange::not_found);
    tx.exec("UPDATE endpoints SET name = $2 WHERE id = $1", args(endpoint_id, name));
    tx.commit();
    return R::success(OwnEndpointChange::done);
  });
}

Result<OwnEndpointChange> PgStore::erase_subscription(int64_t subscriber_id, int64_t generation) {
  return transact(*this, "erasing a subscription", [&](PgTransaction& tx) {
    using R = Result<OwnEndpointChange>;
    if (!pg_check_generation(tx, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    delete_subscriber(tx, subscriber_id);
    tx.commit();
    return R::success(OwnEndpointChange::done);
  });
}

Result<OwnEndpointChange> PgStore::remove_own_endpoint(int64_t subscriber_id, int64_t generation, int64_t endpoint_id) {
  return transact(*this, "removing an endpoint", [&](PgTransaction& tx) {
    using R = Result<OwnEndpointChange>;
    if (!pg_check_generation(tx, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    const std::optional<std::string> kind = pg_own_endpoint_kind(tx, subscriber_id, endpoint_id);
    if (!kind) return R::success(OwnEndpointChange::not_found);
    if (*kind == "email") {
      const PgResult others =
          tx.exec("SELECT count(*) FROM endpoints WHERE subscriber_id = $1 AND kind = 'email'", args(subscriber_id));
      if (others.integer(0, 0) <= 1) return R::success(OwnEndpointChange::only_email);
    }
    // Its messages, deliveries, filters, leads and notices go with it (ON DELETE CASCADE).
    tx.exec("DELETE FROM endpoints WHERE id = $1 AND subscriber_id = $2", args(endpoint_id, subscriber_id));
    tx.commit();
    return R::success(OwnEndpointChange::done);
  });
}

}  // namespace deadline::pg
