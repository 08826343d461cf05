#pragma once
// What operators ask of the store: the admin API (admin/admin_routes.h) and deadlinectl's
// offline verbs (daemon/deadlinectl/store_commands.h). Subscribers and endpoints by hand,
// searching, disabling and replaying, and the counts /metrics and `deadlinectl status` show.
//
// Every call is one transaction. Operators act on ids; no call here checks a link's generation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/records.h"

namespace deadline::store {

class AdminStore {
 public:
  virtual ~AdminStore() = default;

  // --- subscribers ---------------------------------------------------------------------------
  // A subscriber added by hand, active (confirmed) or pending; fails for any other state and
  // for an address already known. Its id.
  virtual Result<std::int64_t> add_subscriber(const std::string& email, SubscriberState state, Instant now) = 0;
  virtual Result<std::optional<SubscriberRecord>> find_subscriber(std::int64_t id) = 0;
  // Subscribers whose address contains `email_substring` (ASCII letters in either case; empty:
  // any, purged addresses included) in `state` (nullopt: any), with ids above `after_id`, by id,
  // at most `limit`.
  virtual Result<std::vector<SubscriberRecord>> search_subscribers(const std::string& email_substring,
                                                                   std::optional<SubscriberState> state,
                                                                   std::int64_t after_id, int limit) = 0;
  // As SubscriptionStore::unsubscribe.
  virtual Status unsubscribe(std::int64_t subscriber_id, Instant now) = 0;
  // Deletes the subscriber with its endpoints, messages and notices.
  virtual Status remove_subscriber(std::int64_t id) = 0;

  // --- endpoints -----------------------------------------------------------------------------
  // Its id. Fails for an unknown subscriber.
  virtual Result<std::int64_t> add_endpoint(const NewEndpoint& endpoint, Instant now) = 0;
  virtual Result<std::optional<EndpointRecord>> find_endpoint(std::int64_t id) = 0;
  // Endpoints of `subscriber_id` (nullopt: of anyone) in `state` (nullopt: any), with ids above
  // `after_id`, by id, at most `limit`.
  virtual Result<std::vector<EndpointRecord>> search_endpoints(std::optional<std::int64_t> subscriber_id,
                                                               std::optional<EndpointState> state,
                                                               std::int64_t after_id, int limit) = 0;
  // Deletes the endpoint with its messages.
  virtual Status remove_endpoint(std::int64_t id) = 0;
  // An active or needs_attention endpoint becomes disabled with `reason`, a 'disabled' notice is
  // recorded for its subscriber, and its unsent messages (pending, retry) expire exactly as when
  // OutboxStore::record_attempts disables one, so reenable_endpoint replays them. The number of
  // messages expired; nullopt when no endpoint `id` was in either state.
  virtual Result<std::optional<std::int64_t>> disable_endpoint(std::int64_t id, const std::string& reason,
                                                               Instant now) = 0;
  // As SubscriptionStore::reenable_endpoint (operators pass the subscriber's current generation).
  virtual Result<std::int64_t> reenable_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                 std::int64_t endpoint_id, Instant now) = 0;
  // Webhook secret rotation (docs/webhooks.md): `start` makes `new_secret` current and keeps the
  // current one as the previous (both sign every attempt, so receivers can switch at their pace);
  // `finish` drops the previous one. Fail for an unknown id or an endpoint that is not a webhook.
  virtual Status start_secret_rotation(std::int64_t id, const std::string& new_secret) = 0;
  virtual Status finish_secret_rotation(std::int64_t id) = 0;

  // --- messages ------------------------------------------------------------------------------
  virtual Result<std::optional<MessageRecord>> find_message(const std::string& id) = 0;
  // The most recently updated messages in `state` (nullopt: any), newest first, at most `limit`.
  virtual Result<std::vector<MessageRecord>> list_messages(std::optional<MessageState> state, int limit) = 0;
  // A dead or expired message of an active endpoint, whose windows are not all closed, goes
  // back to 'retry' at `now` with its attempts reset (same id: the receiver sees a repeat it can
  // recognise). False when there is no such message (nothing changed).
  virtual Result<bool> replay_message(const std::string& id, Instant now) = 0;

  // --- counts --------------------------------------------------------------------------------
  // state → count, only states that occur.
  virtual Result<MessageCounts> message_counts() = 0;
  virtual Result<std::map<SubscriberState, std::int64_t>> subscriber_counts() = 0;
  virtual Result<std::map<EndpointState, std::int64_t>> endpoint_counts() = 0;
  // How many triggers were recorded with `outcome`.
  virtual Result<std::int64_t> trigger_count(TriggerOutcome outcome) = 0;
  // What /metrics reports from the database (admin/metrics_text.h).
  virtual Result<OutboxMetrics> outbox_metrics() = 0;
};

}  // namespace deadline::store
