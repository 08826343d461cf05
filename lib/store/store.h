#pragma once
// Everything deadlined keeps, behind one narrow interface: SQLite today (sqlite_store.h), a
// PostgreSQL module later. Implementations are used from one thread (the store thread); every
// method is one transaction, so a crash leaves either all of its effect or none.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/records.h"

namespace deadline::store {

class Store {
 public:
  virtual ~Store() = default;

  // --- scheduler ---------------------------------------------------------------------------
  // The instant up to which triggers have been handled; nullopt before the first start.
  virtual Result<std::optional<Instant>> cursor() = 0;
  // Moves the cursor forward (never back) without firing anything.
  virtual Status advance_cursor(Instant to) = 0;

  // Fires `triggers` in ONE transaction: records each trigger not recorded before, and for
  // every active endpoint of an active subscriber that matches, one message holding one
  // delivery per matching trigger — the latest lead only, per window. Older unsent messages
  // that the new deliveries replace entirely become expired. Moves the cursor to `cursor`.
  // Triggers recorded before record nothing (a repeated fire is harmless).
  virtual Result<FireOutcome> fire(const std::vector<TriggerFacts>& triggers, FireKind kind,
                                   Instant now, Instant cursor) = 0;

  // Records triggers whose window closed before they could fire (downtime), and the cursor.
  virtual Result<int> record_missed(const std::vector<TriggerFacts>& triggers, Instant now,
                                    Instant cursor) = 0;

  // Unsent messages whose every window has closed become expired. Returns how many.
  virtual Result<std::int64_t> expire_closed(Instant now) = 0;

  virtual Result<PurgeOutcome> purge(Instant now, const RetentionPolicy& policy) = 0;

  // --- delivery -----------------------------------------------------------------------------
  // Messages left 'sending' by a crash go back to 'retry' at once, keeping their id: a receiver
  // may see one twice, with the same id. Returns how many.
  virtual Result<std::int64_t> requeue_interrupted(Instant now) = 0;
  // Claimed messages that were never sent (claimed ahead when the dispatcher stopped) go back
  // to ready at once, their attempt given back.
  virtual Status release_claims(const std::vector<std::string>& ids, Instant now) = 0;

  // Claims up to `limit` messages due at `now` (pending, or retry whose time has come) of active
  // endpoints of the given kinds, at most `per_endpoint` sending per endpoint at a time: marks
  // them 'sending' with one more attempt, in one transaction. Messages with nothing left to say
  // (every reminder superseded or closed) are expired instead of claimed.
  virtual Result<std::vector<OutboundMessage>> claim_ready(Instant now, const std::vector<EndpointKind>& kinds,
                                                           int limit, int per_endpoint) = 0;

  // Records attempts' outcomes in one transaction (batched: not one fsync per message), and the
  // endpoints' health: a success clears it; failures for longer than the policy allows, or a
  // result asking for it, disable the endpoint with the error as the reason. Returns the ids of
  // endpoints disabled now.
  virtual Result<std::vector<std::int64_t>> record_attempts(const std::vector<AttemptResult>& results, Instant now,
                                                             const EndpointHealthPolicy& policy) = 0;

  // A bounce for `bounce.message_id`: a permanent one marks the message dead (it did not reach
  // its reader, whatever the relay said first) and counts as a hard failure of the endpoint; a
  // temporary one (delayed) is only noted. Fails when the message is unknown.
  virtual Result<BounceOutcome> record_bounce(const Bounce& bounce, Instant now,
                                              const EndpointHealthPolicy& policy) = 0;

  // Notices record_attempts left for subscribers (oldest first, at most `limit`), and marking
  // them handled once handed to the mailer.
  virtual Result<std::vector<PendingNotice>> pending_notices(int limit) = 0;
  virtual Status mark_notices_sent(const std::vector<std::int64_t>& ids, Instant now) = 0;

  // --- self-service subscription (the web pages) -------------------------------------------
  // A new address becomes a pending subscriber with one email endpoint (the request's filters
  // and leads); a pending one has its endpoint replaced by the new request's; an unsubscribed one
  // starts again as pending; an active one is left as it is. A confirmation is to be mailed for
  // every case but the active one, within `policy`. Pending subscribers receive no reminders.
  virtual Result<SubscribeOutcome> request_subscription(const SubscribeRequest& request, Instant now,
                                                        const ConfirmationMailPolicy& policy) = 0;
  // The confirm link's POST: pending → active, if `generation` is still the subscriber's.
  virtual Result<ConfirmOutcome> confirm_subscription(std::int64_t subscriber_id, std::int64_t generation,
                                                      Instant now) = 0;

  // The manage page (its token names the subscriber and generation; a stale generation is
  // refused). Replaces the choices of the subscriber's email endpoint(s).
  virtual Status set_email_choices(std::int64_t subscriber_id, std::int64_t generation, const EndpointFilters& filters,
                                   const std::vector<std::string>& leads) = 0;
  // A needs_attention or disabled endpoint of this subscriber back to active, its health reset;
  // what it missed while disabled goes out again if its window is still open (replay). Returns
  // the number of messages replayed.
  virtual Result<std::int64_t> reenable_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                 std::int64_t endpoint_id, Instant now) = 0;
  // "Test this endpoint" on the manage page: a message now, to that active endpoint of the
  // subscriber, reminding of `window_id` (closing at `closes`) with the lead "test". Its id.
  virtual Result<std::string> queue_test_message(std::int64_t subscriber_id, std::int64_t generation,
                                                 std::int64_t endpoint_id, const std::string& window_id,
                                                 Instant closes, Instant now) = 0;
  // A webhook or robot endpoint the subscriber adds on the manage page; its id.
  virtual Result<std::int64_t> add_own_endpoint(std::int64_t generation, const NewEndpoint& endpoint, Instant now) = 0;
  // What became of a change a subscriber asked for to one of their own endpoints (the JSON API,
  // docs/http-api.md): `revoked` when the generation is no longer theirs or they unsubscribed,
  // `not_found` when the endpoint is not theirs, `only_email` when removing it would leave them
  // no email endpoint (unsubscribing is the way to stop everything).
  enum class OwnEndpointChange { done, revoked, not_found, only_email };
  // Replaces the filters and leads of one of the subscriber's endpoints (email included), checking
  // the generation and the ownership in the same transaction.
  virtual Result<OwnEndpointChange> set_own_endpoint_choices(std::int64_t subscriber_id, std::int64_t generation,
                                                             std::int64_t endpoint_id, const EndpointFilters& filters,
                                                             const std::vector<std::string>& leads) = 0;
  // Removes one of the subscriber's endpoints with its messages, in one transaction with the same
  // checks; never their only email endpoint.
  virtual Result<OwnEndpointChange> remove_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                        std::int64_t endpoint_id) = 0;

  // --- subscribers and endpoints (admin) ----------------------------------------------------
  virtual Result<std::int64_t> add_subscriber(const std::string& email, const std::string& state,
                                              Instant now) = 0;
  virtual Result<std::vector<SubscriberRecord>> list_subscribers() = 0;
  virtual Result<std::optional<SubscriberRecord>> find_subscriber(std::int64_t id) = 0;
  // Marks the subscriber and all its endpoints unsubscribed; unsent messages expire.
  virtual Status unsubscribe(std::int64_t subscriber_id, Instant now) = 0;
  virtual Status remove_subscriber(std::int64_t id) = 0;

  virtual Result<std::int64_t> add_endpoint(const NewEndpoint& endpoint, Instant now) = 0;
  virtual Result<std::vector<EndpointRecord>> list_endpoints(std::optional<std::int64_t> subscriber_id) = 0;
  virtual Result<std::optional<EndpointRecord>> find_endpoint(std::int64_t id) = 0;
  virtual Status remove_endpoint(std::int64_t id) = 0;
  // Webhook secret rotation (docs/webhooks.md): `start` makes `new_secret` current and keeps the
  // current one as the previous (both sign every attempt, so receivers can switch at their pace);
  // `finish` drops the previous one. Fail for an unknown id or an endpoint that is not a webhook.
  virtual Status start_secret_rotation(std::int64_t id, const std::string& new_secret) = 0;
  virtual Status finish_secret_rotation(std::int64_t id) = 0;

  // --- inspection ----------------------------------------------------------------------------
  virtual Result<MessageCounts> message_counts() = 0;
  // The most recently updated messages in `state` (all states when empty), newest first.
  virtual Result<std::vector<MessageRecord>> list_messages(const std::string& state, int limit) = 0;
  virtual Result<std::int64_t> trigger_count(const std::string& outcome) = 0;

  // --- admin API ---------------------------------------------------------------------------
  // Subscribers whose address contains `email_substring` (ASCII letters in either case; empty:
  // any, purged addresses included) and whose state is `state` (empty: any), with ids above
  // `after_id`, by id, at most `limit`.
  virtual Result<std::vector<SubscriberRecord>> search_subscribers(const std::string& email_substring,
                                                                   const std::string& state, std::int64_t after_id,
                                                                   int limit) = 0;
  // Endpoints of `subscriber_id` (nullopt: of anyone) in `state` (empty: any), with ids above
  // `after_id`, by id, at most `limit`.
  virtual Result<std::vector<EndpointRecord>> search_endpoints(std::optional<std::int64_t> subscriber_id,
                                                               const std::string& state, std::int64_t after_id,
                                                               int limit) = 0;
  // An operator disables an active or needs_attention endpoint: it becomes disabled with
  // `reason`, a 'disabled' notice is recorded for its subscriber, and its unsent messages
  // (pending, retry) expire as when record_attempts disables one, so reenable_endpoint replays
  // them. The number of messages expired; nullopt when no endpoint `id` was in either state.
  virtual Result<std::optional<std::int64_t>> disable_endpoint(std::int64_t id, const std::string& reason,
                                                               Instant now) = 0;
  virtual Result<std::optional<MessageRecord>> find_message(const std::string& id) = 0;
  // A dead or expired message of an active endpoint, whose windows are not all closed, goes
  // back to 'retry' at `now` with its attempts reset (same id: the receiver sees a repeat it can
  // recognise). False when there is no such message (nothing changed).
  virtual Result<bool> replay_message(const std::string& id, Instant now) = 0;
  // state → count, only states that occur.
  virtual Result<std::map<std::string, std::int64_t>> subscriber_counts() = 0;
  virtual Result<std::map<std::string, std::int64_t>> endpoint_counts() = 0;
  // What /metrics reports from the database (admin/metrics_text.h).
  virtual Result<OutboxMetrics> outbox_metrics() = 0;

  // --- calendar feeds ------------------------------------------------------------------------
  // The version of every feed event given (by UID and content hash), recording changes: a new
  // UID starts at SEQUENCE 0, a changed hash raises SEQUENCE and moves LAST-MODIFIED to `now`,
  // an unchanged one keeps both. UIDs not given are kept (a window that comes back goes on
  // from its last SEQUENCE). Idempotent: the daemon and deadlinectl call it for every calendar
  // they load.
  virtual Result<std::vector<FeedEventVersion>> sync_feed_events(const std::vector<FeedEventDigest>& events,
                                                                 Instant now) = 0;
};

}  // namespace deadline::store
