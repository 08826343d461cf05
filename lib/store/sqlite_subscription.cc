// SqliteStore: self-service subscription (request and confirm), as the web pages use it.

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/account_mail_allowance.h"
#include "store/sqlite_store.h"
#include "store/sqlite_support.h"

namespace deadline::store {

namespace {

// The subscriber's confirmation-mail counters, as mail_allowance (account_mail_allowance.h) reads them.
AccountMailCounters stored_mail_counters(SQLite::Database& db, int64_t subscriber_id) {
  SQLite::Statement q(db,
                      "SELECT confirm_mailed_at, confirm_window_start, confirm_mails_in_window FROM subscribers "
                      "WHERE id = ?1");
  q.bind(1, subscriber_id);
  q.executeStep();
  AccountMailCounters counters;
  if (!q.getColumn(0).isNull()) counters.mailed_at = q.getColumn(0).getInt64();
  if (!q.getColumn(1).isNull()) counters.window_start = q.getColumn(1).getInt64();
  counters.sent_in_window = q.getColumn(2).getInt();
  return counters;
}

// Mails the subscriber now if `policy` allows (counting it, nothing left due), else leaves one
// mail due at the first allowed moment. True when it may go now.
bool mail_now_or_later(SQLite::Database& db, int64_t subscriber_id, Instant now, const ConfirmationMailPolicy& policy) {
  const MailAllowance allowed = mail_allowance(stored_mail_counters(db, subscriber_id), now, policy);
  const bool now_ok = allowed.at <= seconds(now);
  SQLite::Statement update(db,
                           now_ok ? "UPDATE subscribers SET confirm_mailed_at = ?2, confirm_window_start = ?3, "
                                    "confirm_mails_in_window = ?4, account_mail_due_at = NULL WHERE id = ?1"
                                  : "UPDATE subscribers SET account_mail_due_at = ?2 WHERE id = ?1");
  update.bind(1, subscriber_id);
  update.bind(2, now_ok ? seconds(now) : allowed.at);
  if (now_ok) {
    update.bind(3, allowed.window_start);
    update.bind(4, allowed.sent_in_window + 1);
  }
  update.exec();
  return now_ok;
}

}  // namespace

Result<SubscribeOutcome> SqliteStore::request_subscription(const SubscribeRequest& request, Instant now,
                                                           const ConfirmationMailPolicy& policy) {
  return guarded("recording a subscription request", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db, "SELECT id, state FROM subscribers WHERE email_hash = ?1");
    find.bind(1, email_hash(request.email));
    SubscribeOutcome outcome;
    std::string state;
    if (find.executeStep()) {
      outcome.subscriber_id = find.getColumn(0).getInt64();
      state = find.getColumn(1).getString();
    } else {
      SQLite::Statement insert(db,
                               "INSERT INTO subscribers (email, email_hash, state, created_at) VALUES (?1, ?2, 'pending', ?3)");
      insert.bind(1, request.email);
      insert.bind(2, email_hash(request.email));
      insert.bind(3, seconds(now));
      insert.exec();
      outcome.subscriber_id = db.getLastInsertRowid();
      state = "new";
    }
    if (state == "active") {  // nothing changes without the owner's confirmation: the manage link is mailed
      outcome.mail = AccountMailKind::manage_link;
      outcome.send_now = mail_now_or_later(db, outcome.subscriber_id, now, policy);
      outcome.token_generation = db.execAndGet("SELECT token_generation FROM subscribers WHERE id = " +
                                               std::to_string(outcome.subscriber_id)).getInt64();
      transaction.commit();
      return Result<SubscribeOutcome>::success(outcome);
    }
    if (state == "unsubscribed") {
      // Starting again: the address comes back (it may have been purged), links made before
      // stay revoked (the generation moved on at the unsubscribe).
      SQLite::Statement again(db,
                              "UPDATE subscribers SET state = 'pending', email = ?2, unsubscribed_at = NULL WHERE id = ?1");
      again.bind(1, outcome.subscriber_id);
      again.bind(2, request.email);
      again.exec();
    }
    if (state != "new") {
      // The latest request's choices replace the earlier unconfirmed (or unsubscribed) ones.
      SQLite::Statement drop(db, "DELETE FROM endpoints WHERE subscriber_id = ?1 AND kind = 'email'");
      drop.bind(1, outcome.subscriber_id);
      drop.exec();
    }
    insert_endpoint(db, {outcome.subscriber_id, EndpointKind::email, request.email, "", request.filters, request.leads},
                    now);
    outcome.send_now = mail_now_or_later(db, outcome.subscriber_id, now, policy);
    SQLite::Statement generation(db, "SELECT token_generation FROM subscribers WHERE id = ?1");
    generation.bind(1, outcome.subscriber_id);
    generation.executeStep();
    outcome.token_generation = generation.getColumn(0).getInt64();
    transaction.commit();
    return Result<SubscribeOutcome>::success(outcome);
  });
}

Result<std::vector<AccountMail>> SqliteStore::take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) {
  return guarded("taking due subscribe mails", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement due(db,
                          "SELECT id, state, email, token_generation FROM subscribers "
                          "WHERE account_mail_due_at IS NOT NULL AND account_mail_due_at <= ?1 ORDER BY account_mail_due_at");
    due.bind(1, seconds(now));
    std::vector<AccountMail> candidates;
    std::vector<int64_t> dropped;
    while (due.executeStep()) {
      const std::string state = due.getColumn(1).getString();
      if (due.getColumn(2).isNull() || (state != "pending" && state != "active")) {
        dropped.push_back(due.getColumn(0).getInt64());
        continue;
      }
      candidates.push_back({due.getColumn(0).getInt64(), due.getColumn(2).getString(), due.getColumn(3).getInt64(),
                            state == "active" ? AccountMailKind::manage_link : AccountMailKind::confirmation});
    }
    for (const int64_t id : dropped) db.exec("UPDATE subscribers SET account_mail_due_at = NULL WHERE id = " + std::to_string(id));
    std::vector<AccountMail> mails;
    for (AccountMail& mail : candidates) {
      if (mail_now_or_later(db, mail.subscriber_id, now, policy)) mails.push_back(std::move(mail));
    }
    transaction.commit();
    return Result<std::vector<AccountMail>>::success(std::move(mails));
  });
}

Result<ConfirmOutcome> SqliteStore::confirm_subscription(int64_t subscriber_id, int64_t generation, Instant now) {
  return guarded("confirming a subscription", [&] {
    using R = Result<ConfirmOutcome>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db, "SELECT state, token_generation FROM subscribers WHERE id = ?1");
    find.bind(1, subscriber_id);
    if (!find.executeStep() || find.getColumn(1).getInt64() != generation) return R::success(ConfirmOutcome::revoked);
    const std::string state = find.getColumn(0).getString();
    if (state == "active") return R::success(ConfirmOutcome::already_active);
    if (state != "pending") return R::success(ConfirmOutcome::revoked);
    SQLite::Statement confirm(db, "UPDATE subscribers SET state = 'active', confirmed_at = ?2 WHERE id = ?1");
    confirm.bind(1, subscriber_id);
    confirm.bind(2, seconds(now));
    confirm.exec();
    transaction.commit();
    return R::success(ConfirmOutcome::confirmed);
  });
}

namespace {

// The subscriber exists, is not unsubscribed, and `generation` is still theirs.
Status check_generation(SQLite::Database& db, int64_t subscriber_id, int64_t generation) {
  SQLite::Statement q(db, "SELECT state, token_generation FROM subscribers WHERE id = ?1");
  q.bind(1, subscriber_id);
  if (!q.executeStep() || q.getColumn(1).getInt64() != generation || q.getColumn(0).getString() == "unsubscribed") {
    return Status::failure("the link is no longer valid");
  }
  return ok_status();
}

}  // namespace

Status SqliteStore::set_email_choices(int64_t subscriber_id, int64_t generation, const EndpointFilters& filters,
                                      const std::vector<std::string>& leads) {
  return guarded("changing email choices", [&] {
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (Status valid = check_generation(db, subscriber_id, generation); !valid) return valid;
    SQLite::Statement q(db, "SELECT id FROM endpoints WHERE subscriber_id = ?1 AND kind = 'email'");
    q.bind(1, subscriber_id);
    std::vector<int64_t> ids;
    while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
    for (const int64_t id : ids) replace_choices(db, id, filters, leads);
    transaction.commit();
    return ok_status();
  });
}

Result<int64_t> SqliteStore::reenable_endpoint(int64_t subscriber_id, int64_t generation, int64_t endpoint_id,
                                               Instant now) {
  return guarded("re-enabling an endpoint", [&] {
    using R = Result<int64_t>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (Status valid = check_generation(db, subscriber_id, generation); !valid) return R::failure(valid.error());
    SQLite::Statement q(db,
                        "UPDATE endpoints SET state = 'active', state_reason = NULL, failing_since = NULL, "
                        "last_failure_at = NULL, hard_failures = 0 "
                        "WHERE id = ?1 AND subscriber_id = ?2 AND state IN ('needs_attention', 'disabled')");
    q.bind(1, endpoint_id);
    q.bind(2, subscriber_id);
    if (q.exec() == 0) return R::failure("no such endpoint needing attention");
    // Replay: what failed (dead), expired because the endpoint was disabled, or waits unsent goes
    // out again now (same ids) while its window is open; the attempts start afresh.
    SQLite::Statement replay(db,
                             "UPDATE messages SET state = 'retry', next_attempt_at = ?2, attempts = 0, updated_at = ?2 "
                             "WHERE endpoint_id = ?1 AND expires_at > ?2 AND (state IN ('pending', 'retry', 'dead') OR "
                             "(state = 'expired' AND last_error = 'endpoint disabled'))");
    replay.bind(1, endpoint_id);
    replay.bind(2, seconds(now));
    const int64_t replayed = replay.exec();
    transaction.commit();
    return R::success(replayed);
  });
}

Result<std::string> SqliteStore::queue_test_message(int64_t subscriber_id, int64_t generation, int64_t endpoint_id,
                                                   const std::string& window_id, Instant closes, Instant now) {
  return guarded("queueing a test message", [&] {
    using R = Result<std::string>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (Status valid = check_generation(db, subscriber_id, generation); !valid) return R::failure(valid.error());
    SQLite::Statement owned(db, "SELECT 1 FROM endpoints WHERE id = ?1 AND subscriber_id = ?2 AND state = 'active'");
    owned.bind(1, endpoint_id);
    owned.bind(2, subscriber_id);
    if (!owned.executeStep()) return R::failure("no such active endpoint");
    const std::string id = db.execAndGet(std::string("SELECT ") + kNewMessageIdSql).getString();
    SQLite::Statement message(db,
                              "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                              "expires_at, updated_at) VALUES (?1, ?2, ?3, ?3, 'pending', ?3, ?4, ?3)");
    message.bind(1, id);
    message.bind(2, endpoint_id);
    message.bind(3, seconds(now));
    message.bind(4, seconds(closes));
    message.exec();
    SQLite::Statement delivery(db,
                               "INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at) "
                               "VALUES (?1, ?2, 'test|' || ?1, ?3, 'test', ?4)");
    delivery.bind(1, id);
    delivery.bind(2, endpoint_id);
    delivery.bind(3, window_id);
    delivery.bind(4, seconds(closes));
    delivery.exec();
    transaction.commit();
    return R::success(id);
  });
}

Result<OwnEndpointAdded> SqliteStore::add_own_endpoint(int64_t generation, const NewEndpoint& endpoint, Instant now) {
  return guarded("adding an endpoint", [&] {
    using R = Result<OwnEndpointAdded>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (!check_generation(db, endpoint.subscriber_id, generation)) return R::success({OwnEndpointChange::revoked, 0});
    SQLite::Statement count(db, "SELECT count(*) FROM endpoints WHERE subscriber_id = ?1 AND state != 'unsubscribed'");
    count.bind(1, endpoint.subscriber_id);
    count.executeStep();
    if (count.getColumn(0).getInt() >= kMaxEndpointsPerSubscriber) return R::success({OwnEndpointChange::too_many, 0});
    const int64_t id = insert_endpoint(db, endpoint, now);
    transaction.commit();
    return R::success({OwnEndpointChange::done, id});
  });
}

namespace {

// The kind of the subscriber's endpoint `endpoint_id`, or nullopt when it is not theirs.
std::optional<std::string> own_endpoint_kind(SQLite::Database& db, int64_t subscriber_id, int64_t endpoint_id) {
  SQLite::Statement q(db, "SELECT kind FROM endpoints WHERE id = ?1 AND subscriber_id = ?2 AND state != 'unsubscribed'");
  q.bind(1, endpoint_id);
  q.bind(2, subscriber_id);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

}  // namespace

Result<OwnEndpointChange> SqliteStore::set_own_endpoint_choices(int64_t subscriber_id, int64_t generation,
                                                                       int64_t endpoint_id, const EndpointFilters& filters,
                                                                       const std::vector<std::string>& leads) {
  return guarded("changing an endpoint's choices", [&] {
    using R = Result<OwnEndpointChange>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (!check_generation(db, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    if (!own_endpoint_kind(db, subscriber_id, endpoint_id)) return R::success(OwnEndpointChange::not_found);
    replace_choices(db, endpoint_id, filters, leads);
    transaction.commit();
    return R::success(OwnEndpointChange::done);
  });
}

Result<OwnEndpointChange> SqliteStore::rename_own_endpoint(int64_t subscriber_id, int64_t generation,
                                                          int64_t endpoint_id, const std::string& name) {
  return guarded("renaming an endpoint", [&] {
    using R = Result<OwnEndpointChange>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (!check_generation(db, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    if (!own_endpoint_kind(db, subscriber_id, endpoint_id)) return R::success(OwnEndpointChange::not_found);
    SQLite::Statement rename(db, "UPDATE endpoints SET name = ?2 WHERE id = ?1");
    rename.bind(1, endpoint_id);
    rename.bind(2, name);
    rename.exec();
    transaction.commit();
    return R::success(OwnEndpointChange::done);
  });
}

Result<OwnEndpointChange> SqliteStore::erase_subscription(int64_t subscriber_id, int64_t generation) {
  return guarded("erasing a subscription", [&] {
    using R = Result<OwnEndpointChange>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (!check_generation(db, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    delete_subscriber(db, subscriber_id);
    transaction.commit();
    return R::success(OwnEndpointChange::done);
  });
}

Result<OwnEndpointChange> SqliteStore::remove_own_endpoint(int64_t subscriber_id, int64_t generation,
                                                                  int64_t endpoint_id) {
  return guarded("removing an endpoint", [&] {
    using R = Result<OwnEndpointChange>;
    SQLite::Database& db = database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (!check_generation(db, subscriber_id, generation)) return R::success(OwnEndpointChange::revoked);
    const std::optional<std::string> kind = own_endpoint_kind(db, subscriber_id, endpoint_id);
    if (!kind) return R::success(OwnEndpointChange::not_found);
    if (*kind == "email") {
      SQLite::Statement others(db, "SELECT count(*) FROM endpoints WHERE subscriber_id = ?1 AND kind = 'email'");
      others.bind(1, subscriber_id);
      others.executeStep();
      if (others.getColumn(0).getInt64() <= 1) return R::success(OwnEndpointChange::only_email);
    }
    // Its messages, deliveries, filters, leads and notices go with it (ON DELETE CASCADE).
    SQLite::Statement remove(db, "DELETE FROM endpoints WHERE id = ?1 AND subscriber_id = ?2");
    remove.bind(1, endpoint_id);
    remove.bind(2, subscriber_id);
    remove.exec();
    transaction.commit();
    return R::success(OwnEndpointChange::done);
  });
}

}  // namespace deadline::store
