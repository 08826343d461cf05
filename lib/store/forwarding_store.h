#pragma once
// A Store that hands every call to another Store: the base for decorators that watch or change a
// few calls and leave the rest alone (bench/webhook_bench.cc times the outbox's claims and
// results this way), as LevelDB's EnvWrapper does for its Env.

#include <memory>
#include <utility>

#include "store/store.h"

namespace deadline::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(std::unique_ptr<Store> target) : target_(std::move(target)) {}

  bool reachable() const override { return target_->reachable(); }

  // --- SchedulingStore
  Result<std::optional<Instant>> cursor() override { return scheduling().cursor(); }
  Status advance_cursor(Instant to) override { return scheduling().advance_cursor(to); }
  void plan_from(const std::string& calendar_revision) override { scheduling().plan_from(calendar_revision); }
  Result<FireOutcome> start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                   Instant cursor) override {
    return scheduling().start_firing(triggers, kind, now, cursor);
  }
  Result<ChunkOutcome> continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) override {
    return scheduling().continue_firing(now, max_endpoints, deciders);
  }
  Result<std::vector<FiringRecord>> unfinished_firings() override { return scheduling().unfinished_firings(); }
  Result<int> record_missed(const std::vector<Trigger>& triggers, Instant now, Instant cursor) override {
    return scheduling().record_missed(triggers, now, cursor);
  }
  Result<std::int64_t> expire_closed(Instant now) override { return scheduling().expire_closed(now); }
  Result<PurgeOutcome> purge(Instant now, const RetentionPolicy& policy) override {
    return scheduling().purge(now, policy);
  }

  // --- OutboxStore
  Result<std::int64_t> requeue_interrupted(Instant now) override { return outbox().requeue_interrupted(now); }
  Status release_claims(const std::vector<std::string>& ids, Instant now) override {
    return outbox().release_claims(ids, now);
  }
  Result<std::vector<OutboundMessage>> claim_ready(Instant now, const std::vector<EndpointKind>& kinds, int limit,
                                                   int per_endpoint) override {
    return outbox().claim_ready(now, kinds, limit, per_endpoint);
  }
  Result<std::vector<std::int64_t>> record_attempts(const std::vector<AttemptResult>& results, Instant now,
                                                     const EndpointHealthPolicy& policy) override {
    return outbox().record_attempts(results, now, policy);
  }
  Result<BounceOutcome> record_bounce(const Bounce& bounce, Instant now, const EndpointHealthPolicy& policy) override {
    return outbox().record_bounce(bounce, now, policy);
  }
  Result<std::vector<PendingNotice>> pending_notices(int limit) override { return outbox().pending_notices(limit); }
  Status mark_notices_sent(const std::vector<std::int64_t>& ids, Instant now) override {
    return outbox().mark_notices_sent(ids, now);
  }

  // --- SubscriptionStore (and the calls AdminStore and FeedStore share with it)
  Result<SubscribeOutcome> request_subscription(const SubscribeRequest& request, Instant now,
                                                const ConfirmationMailPolicy& policy) override {
    return subscriptions().request_subscription(request, now, policy);
  }
  Result<std::vector<AccountMail>> take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) override {
    return subscriptions().take_due_account_mails(now, policy);
  }
  Result<ConfirmOutcome> confirm_subscription(std::int64_t subscriber_id, std::int64_t generation,
                                              Instant now) override {
    return subscriptions().confirm_subscription(subscriber_id, generation, now);
  }
  Result<std::optional<Subscription>> load_subscription(std::int64_t subscriber_id, std::int64_t generation) override {
    return subscriptions().load_subscription(subscriber_id, generation);
  }
  Status set_email_choices(std::int64_t subscriber_id, std::int64_t generation, const EndpointFilters& filters,
                           const std::vector<std::string>& leads) override {
    return subscriptions().set_email_choices(subscriber_id, generation, filters, leads);
  }
  Result<std::int64_t> reenable_endpoint(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id,
                                         Instant now) override {
    return subscriptions().reenable_endpoint(subscriber_id, generation, endpoint_id, now);
  }
  Result<std::string> queue_test_message(std::int64_t subscriber_id, std::int64_t generation, std::int64_t endpoint_id,
                                         const std::string& window_id, Instant closes, Instant now) override {
    return subscriptions().queue_test_message(subscriber_id, generation, endpoint_id, window_id, closes, now);
  }
  Result<OwnEndpointAdded> add_own_endpoint(std::int64_t generation, const NewEndpoint& endpoint, Instant now) override {
    return subscriptions().add_own_endpoint(generation, endpoint, now);
  }
  Result<OwnEndpointChange> set_own_endpoint_choices(std::int64_t subscriber_id, std::int64_t generation,
                                                     std::int64_t endpoint_id, const EndpointFilters& filters,
                                                     const std::vector<std::string>& leads) override {
    return subscriptions().set_own_endpoint_choices(subscriber_id, generation, endpoint_id, filters, leads);
  }
  Result<OwnEndpointChange> rename_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                std::int64_t endpoint_id, const std::string& name) override {
    return subscriptions().rename_own_endpoint(subscriber_id, generation, endpoint_id, name);
  }
  Result<OwnEndpointChange> remove_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                std::int64_t endpoint_id) override {
    return subscriptions().remove_own_endpoint(subscriber_id, generation, endpoint_id);
  }
  Result<OwnEndpointChange> erase_subscription(std::int64_t subscriber_id, std::int64_t generation) override {
    return subscriptions().erase_subscription(subscriber_id, generation);
  }
  Result<std::optional<EndpointRecord>> find_endpoint(std::int64_t id) override {
    return subscriptions().find_endpoint(id);
  }
  Result<std::optional<SubscriberRecord>> find_subscriber(std::int64_t id) override {
    return subscriptions().find_subscriber(id);
  }
  Status unsubscribe(std::int64_t subscriber_id, Instant now) override {
    return subscriptions().unsubscribe(subscriber_id, now);
  }

  // --- AdminStore
  Result<std::int64_t> add_subscriber(const std::string& email, SubscriberState state, Instant now) override {
    return admin().add_subscriber(email, state, now);
  }
  Result<std::vector<SubscriberRecord>> search_subscribers(const std::string& email_substring,
                                                           std::optional<SubscriberState> state, std::int64_t after_id,
                                                           int limit) override {
    return admin().search_subscribers(email_substring, state, after_id, limit);
  }
  Status remove_subscriber(std::int64_t id) override { return admin().remove_subscriber(id); }
  Result<std::int64_t> add_endpoint(const NewEndpoint& endpoint, Instant now) override {
    return admin().add_endpoint(endpoint, now);
  }
  Result<std::vector<EndpointRecord>> search_endpoints(std::optional<std::int64_t> subscriber_id,
                                                       std::optional<EndpointState> state, std::int64_t after_id,
                                                       int limit) override {
    return admin().search_endpoints(subscriber_id, state, after_id, limit);
  }
  Status remove_endpoint(std::int64_t id) override { return admin().remove_endpoint(id); }
  Result<std::optional<std::int64_t>> disable_endpoint(std::int64_t id, const std::string& reason,
                                                       Instant now) override {
    return admin().disable_endpoint(id, reason, now);
  }
  Status start_secret_rotation(std::int64_t id, const std::string& new_secret) override {
    return admin().start_secret_rotation(id, new_secret);
  }
  Status finish_secret_rotation(std::int64_t id) override { return admin().finish_secret_rotation(id); }
  Result<std::optional<MessageRecord>> find_message(const std::string& id) override { return admin().find_message(id); }
  Result<std::vector<MessageRecord>> list_messages(std::optional<MessageState> state, int limit) override {
    return admin().list_messages(state, limit);
  }
  Result<bool> replay_message(const std::string& id, Instant now) override { return admin().replay_message(id, now); }
  Result<MessageCounts> message_counts() override { return admin().message_counts(); }
  Result<std::map<SubscriberState, std::int64_t>> subscriber_counts() override { return admin().subscriber_counts(); }
  Result<std::map<EndpointState, std::int64_t>> endpoint_counts() override { return admin().endpoint_counts(); }
  Result<std::int64_t> trigger_count(TriggerOutcome outcome) override { return admin().trigger_count(outcome); }
  Result<OutboxMetrics> outbox_metrics() override { return admin().outbox_metrics(); }

  // --- FeedStore
  Result<FeedSync> sync_feed_events(const std::vector<FeedEventDigest>& events,
                                                         Instant now) override {
    return feeds().sync_feed_events(events, now);
  }

  // --- RevisionStore
  Result<RevisionOutcome> record_revision(const NewRevision& revision, Instant now) override {
    return revisions().record_revision(revision, now);
  }
  Result<std::vector<RevisionRecord>> revision_history(const std::string& programme, int limit) override {
    return revisions().revision_history(programme, limit);
  }
  Result<std::optional<RevisionRecord>> staged_revision() override { return revisions().staged_revision(); }
  Result<RevisionRecord> release_revision(std::int64_t id, Instant now) override {
    return revisions().release_revision(id, now);
  }
  Result<RevisionRecord> drop_revision(std::int64_t id, const std::string& reason, Instant now) override {
    return revisions().drop_revision(id, reason, now);
  }
  Result<std::optional<RevisionSources>> revision_sources(std::int64_t id) override { return revisions().revision_sources(id); }
  Result<NoticeOutcome> start_change_notices(std::int64_t id, Instant now) override {
    return revisions().start_change_notices(id, now);
  }
  Result<NoticeOutcome> record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) override {
    return revisions().record_change_notices(id, decide, now);
  }
  Result<NoticeOutcome> preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) override {
    return revisions().preview_change_notices(id, decide, now);
  }
  Result<std::vector<AwaitingNotices>> revisions_awaiting_notices() override {
    return revisions().revisions_awaiting_notices();
  }

 protected:
  Store& target() { return *target_; }
  SchedulingStore& scheduling() { return *target_; }
  OutboxStore& outbox() { return *target_; }
  SubscriptionStore& subscriptions() { return *target_; }
  AdminStore& admin() { return *target_; }
  FeedStore& feeds() { return *target_; }
  RevisionStore& revisions() { return *target_; }

 private:
  std::unique_ptr<Store> target_;
};

}  // namespace deadline::store
