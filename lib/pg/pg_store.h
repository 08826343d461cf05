#pragma once
// The Store on PostgreSQL (issue "The store on PostgreSQL"): the same six interfaces, the same
// contract suite (tests/store/contract/, label pg), the same meaning of every table as SQLite's
// (pg_schema.cc). Choices, and why:
//  - One connection, used from the store thread only, as SqliteStore's file is. Every call is
//    one transaction, READ COMMITTED.
//  - Several daemons ("nodes") may share the database (node_registry.h). What they must not do
//    twice is made safe by the database itself, never by one node's memory: a trigger's key is
//    unique, so each firing is recorded by exactly one node; a firing's chunks run under its
//    row's lock, taken with SKIP LOCKED; claims run one at a time under an advisory lock, so the
//    per-endpoint caps count every node's sends, and each claim carries its node and a lease.
//  - Fail fast, then recover on its own: a call on a lost connection (a restarted server,
//    pg_terminate_backend) connects again first; while the server is unreachable every call
//    fails within connect_timeout with an error that says "store unavailable"
//    (store::store_unavailable), which the HTTP side answers with 503.
//  - The SQL mirrors SqliteStore's statement for statement (pg_store_support.h), so a reader
//    of one finds the other.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "pg/pg_connection.h"
#include "store/store.h"

namespace deadline::pg {

using store::AccountMail;
using store::AttemptResult;
using store::AwaitingNotices;
using store::Bounce;
using store::BounceOutcome;
using store::ChunkOutcome;
using store::ConfirmOutcome;
using store::EndpointRecord;
using store::FireKind;
using store::FireOutcome;
using store::FiringRecord;
using store::MessageCounts;
using store::MessageRecord;
using store::NewEndpoint;
using store::NewRevision;
using store::NoticeDeciders;
using store::NoticeOutcome;
using store::OutboundMessage;
using store::OutboxMetrics;
using store::OwnEndpointAdded;
using store::OwnEndpointChange;
using store::PendingNotice;
using store::PurgeOutcome;
using store::RevisionOutcome;
using store::RevisionRecord;
using store::RevisionSources;
using store::SubscribeOutcome;
using store::SubscribeRequest;
using store::SubscriberRecord;
using store::Subscription;

class PgStore final : public store::Store {
 public:
  // Connects and migrates to the latest schema (pg_schema.h). `uri` is a libpq URI
  // (store/database_location.h).
  // `claimant`: this node's id, written on its claims, and their lease (node_registry.h); empty:
  // a new random id (deadlinectl, tests).
  static Result<std::unique_ptr<PgStore>> open(const std::string& uri, const ConnectSettings& settings = {},
                                               std::string claimant = {},
                                               std::chrono::seconds claim_lease = std::chrono::seconds{30});
  ~PgStore() override;

  // --- SchedulingStore (scheduling_store.h) ---------------------------------------------------
  Result<std::optional<Instant>> cursor() override;
  Status advance_cursor(Instant to) override;
  void plan_from(const std::string& calendar_revision) override;  // checked by the two below
  Result<FireOutcome> start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                   Instant cursor) override;
  Result<ChunkOutcome> continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) override;
  Result<std::vector<FiringRecord>> unfinished_firings() override;
  Result<int> record_missed(const std::vector<Trigger>& triggers, Instant now, Instant cursor) override;
  Result<std::int64_t> expire_closed(Instant now) override;
  Result<PurgeOutcome> purge(Instant now, const RetentionPolicy& policy) override;

  // --- OutboxStore (outbox_store.h) -------------------------------------------------------------
  Result<std::int64_t> requeue_interrupted(Instant now) override;
  Status release_claims(const std::vector<std::string>& ids, Instant now) override;
  Result<std::vector<OutboundMessage>> claim_ready(Instant now, const std::vector<EndpointKind>& kinds, int limit,
                                                   int per_endpoint) override;
  Result<std::vector<std::int64_t>> record_attempts(const std::vector<AttemptResult>& results, Instant now,
                                                     const EndpointHealthPolicy& policy) override;
  Result<BounceOutcome> record_bounce(const Bounce& bounce, Instant now, const EndpointHealthPolicy& policy) override;
  Result<std::vector<PendingNotice>> pending_notices(int limit) override;
  Status mark_notices_sent(const std::vector<std::int64_t>& ids, Instant now) override;

  // --- SubscriptionStore (subscription_store.h) -------------------------------------------------
  Result<SubscribeOutcome> request_subscription(const SubscribeRequest& request, Instant now,
                                                const ConfirmationMailPolicy& policy) override;
  Result<std::vector<AccountMail>> take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) override;
  Result<ConfirmOutcome> confirm_subscription(std::int64_t subscriber_id, std::int64_t generation,
                                              Instant now) override;
  Result<std::optional<Subscription>> load_subscription(std::int64_t subscriber_id, std::int64_t generation) override;
  Status set_email_choices(std::int64_t subscriber_id, std::int64_t generation, const EndpointFilters& filters,
                           const std::vector<std::string>& leads) override;
  Result<std::int64_t> reenable_endpoint(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id,
                                         Instant now) override;
  Result<std::string> queue_test_message(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id,
                                         const std::string& window_id, Instant closes, Instant now) override;
  Result<OwnEndpointAdded> add_own_endpoint(std::int64_t generation, const NewEndpoint& endpoint, Instant now) override;
  Result<OwnEndpointChange> set_own_endpoint_choices(std::int64_t subscriber_id, std::int64_t generation,
                                                     std::int64_t endpoint_id, const EndpointFilters& filters,
                                                     const std::vector<std::string>& leads) override;
  Result<OwnEndpointChange> rename_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                std::int64_t endpoint_id, const std::string& name) override;
  Result<OwnEndpointChange> erase_subscription(std::int64_t subscriber_id, std::int64_t generation) override;
  Result<OwnEndpointChange> remove_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                std::int64_t endpoint_id) override;
  Result<std::optional<EndpointRecord>> find_endpoint(std::int64_t id) override;
  Result<std::optional<SubscriberRecord>> find_subscriber(std::int64_t id) override;
  Status unsubscribe(std::int64_t subscriber_id, Instant now) override;

  // --- AdminStore (admin_store.h; and the calls above it shares) -------------------------------
  Result<std::int64_t> add_subscriber(const std::string& email, SubscriberState state, Instant now) override;
  Result<std::vector<SubscriberRecord>> search_subscribers(const std::string& email_substring,
                                                           std::optional<SubscriberState> state, std::int64_t after_id,
                                                           int limit) override;
  Status remove_subscriber(std::int64_t id) override;
  Result<std::int64_t> add_endpoint(const NewEndpoint& endpoint, Instant now) override;
  Result<std::vector<EndpointRecord>> search_endpoints(std::optional<std::int64_t> subscriber_id,
                                                       std::optional<EndpointState> state, std::int64_t after_id,
                                                       int limit) override;
  Status remove_endpoint(std::int64_t id) override;
  Result<std::optional<std::int64_t>> disable_endpoint(std::int64_t id, const std::string& reason,
                                                       Instant now) override;
  Status start_secret_rotation(std::int64_t id, const std::string& new_secret) override;
  Status finish_secret_rotation(std::int64_t id) override;
  Result<std::optional<MessageRecord>> find_message(const std::string& id) override;
  Result<std::vector<MessageRecord>> list_messages(std::optional<MessageState> state, int limit) override;
  Result<bool> replay_message(const std::string& id, Instant now) override;
  Result<MessageCounts> message_counts() override;
  Result<std::map<SubscriberState, std::int64_t>> subscriber_counts() override;
  Result<std::map<EndpointState, std::int64_t>> endpoint_counts() override;
  Result<std::int64_t> trigger_count(TriggerOutcome outcome) override;
  Result<OutboxMetrics> outbox_metrics() override;

  // --- FeedStore (feed_store.h) ----------------------------------------------------------------
  Result<FeedSync> sync_feed_events(const std::vector<FeedEventDigest>& events,
                                                         Instant now) override;

  // --- RevisionStore (revision_store.h) --------------------------------------------------------
  Result<RevisionOutcome> record_revision(const NewRevision& revision, Instant now) override;
  Result<std::vector<RevisionRecord>> revision_history(const std::string& programme, int limit) override;
  Result<std::optional<RevisionRecord>> staged_revision() override;
  Result<RevisionRecord> release_revision(std::int64_t id, Instant now) override;
  Result<RevisionRecord> drop_revision(std::int64_t id, const std::string& reason, Instant now) override;
  Result<std::optional<RevisionSources>> revision_sources(std::int64_t id) override;
  Result<NoticeOutcome> start_change_notices(std::int64_t id, Instant now) override;
  Result<NoticeOutcome> record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) override;
  Result<NoticeOutcome> preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) override;
  Result<std::vector<AwaitingNotices>> revisions_awaiting_notices() override;

  // The connection for one call: connects again first if the last one was lost. Throws PgError
  // (pg_store_support.h) when the server cannot be reached.
  PgConnection& connection_for_call();
  // True when the last call found the connection lost (its failure is "store unavailable").
  bool connection_lost() const;
  // What the last call found (transact() notes it), for reachable() from other threads.
  void note_reachable(bool reachable) { reachable_.store(reachable, std::memory_order_relaxed); }
  bool reachable() const override { return reachable_.load(std::memory_order_relaxed); }
  // For tests: the connection as it is (pid, a statement from outside the interfaces).
  PgConnection& connection() { return *connection_; }

 private:
  PgStore(std::string uri, ConnectSettings settings, PgConnection connection, std::string claimant,
          std::chrono::seconds claim_lease);
  std::string uri_;
  ConnectSettings settings_;
  std::string claimant_;
  std::chrono::seconds claim_lease_;
  std::optional<PgConnection> connection_;
  std::atomic<bool> reachable_{true};
  std::string plan_revision_;  // plan_from's: the store thread's, like every call
};

}  // namespace deadline::pg
