#pragma once
// What the subscriber's own pages and the JSON API ask of the store (web/site_routes.h,
// web/manage_routes.h, web/unsubscribe_routes.h, api/api_routes.h): subscribing with double
// opt-in, and a subscriber changing their own endpoints through a signed link.
//
// A link names a subscriber and a token generation (subscription/tokens.h). Every call that
// acts on a link checks, in its own transaction, that the generation is still the subscriber's
// and that they have not unsubscribed: a link revoked a moment ago changes nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/records.h"

namespace deadline::store {

class SubscriptionStore {
 public:
  virtual ~SubscriptionStore() = default;

  // The web form or POST /api/v1/subscriptions. A new address becomes a pending subscriber with
  // one email endpoint (the request's filters and leads); a pending one has its endpoint replaced
  // by the new request's; an unsubscribed one starts again as pending; an active one is left as
  // it is. Every request is answered with a mail (SubscribeOutcome::mail: a confirmation, or the
  // manage link for an active address), within `policy`: now (send_now, counted), or, when the
  // address was mailed too recently or too often, remembered as due at the first moment the
  // policy allows; at most one mail is due per address (a later request changes nothing about
  // it). Pending subscribers receive no reminders.
  virtual Result<SubscribeOutcome> request_subscription(const SubscribeRequest& request, Instant now,
                                                        const ConfirmationMailPolicy& policy) = 0;

  // The held-back mails due at `now`, each counted against `policy` and no longer due. The kind
  // follows the subscriber's state now (pending: a confirmation; active: the manage link); one
  // that unsubscribed meanwhile or was purged is dropped. Durable: a restart loses nothing that
  // was not taken.
  virtual Result<std::vector<AccountMail>> take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) = 0;

  // The confirm link's POST: pending → active, if `generation` is still the subscriber's.
  virtual Result<ConfirmOutcome> confirm_subscription(std::int64_t subscriber_id, std::int64_t generation,
                                                      Instant now) = 0;

  // What a manage or feed link opens: the subscriber and their endpoints, read in one
  // transaction; nullopt when the link is no longer valid (no such subscriber, another
  // generation, unsubscribed, or the address purged). The one place a link becomes a subscriber.
  virtual Result<std::optional<Subscription>> load_subscription(std::int64_t subscriber_id,
                                                                std::int64_t generation) = 0;

  // The manage page's choices: replaces the filters and leads of the subscriber's email
  // endpoint(s). Fails when the link is no longer valid.
  virtual Status set_email_choices(std::int64_t subscriber_id, std::int64_t generation, const EndpointFilters& filters,
                                   const std::vector<std::string>& leads) = 0;

  // A needs_attention or disabled endpoint of this subscriber back to active, its health reset.
  // What it missed goes out again now, with the same ids and fresh attempts, while its window is
  // open (replay): messages that failed (dead), that the disable expired, or that wait unsent.
  // Returns the number of messages replayed. Fails when the link is no longer valid or the
  // endpoint is not theirs and in need of it.
  virtual Result<std::int64_t> reenable_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                 std::int64_t endpoint_id, Instant now) = 0;

  // "Test this endpoint": a message now, to that active endpoint of the subscriber, reminding of
  // `window_id` (closing at `closes`) with the lead "test". Its id.
  virtual Result<std::string> queue_test_message(std::int64_t subscriber_id, std::int64_t generation,
                                                 std::int64_t endpoint_id, const std::string& window_id,
                                                 Instant closes, Instant now) = 0;

  // A webhook or robot endpoint the subscriber adds, unless the link is no longer valid
  // (revoked) or they have kMaxEndpointsPerSubscriber already (too_many): the one place that
  // limit is enforced. Endpoints left unsubscribed by an earlier subscription of the same address
  // do not count (nor does load_subscription list them, nor can the calls below change them).
  virtual Result<OwnEndpointAdded> add_own_endpoint(std::int64_t generation, const NewEndpoint& endpoint,
                                                    Instant now) = 0;

  // Replaces the filters and leads of one of the subscriber's endpoints (email included).
  virtual Result<OwnEndpointChange> set_own_endpoint_choices(std::int64_t subscriber_id, std::int64_t generation,
                                                             std::int64_t endpoint_id, const EndpointFilters& filters,
                                                             const std::vector<std::string>& leads) = 0;

  // Renames one of the subscriber's endpoints (what the manage page shows it as).
  virtual Result<OwnEndpointChange> rename_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                        std::int64_t endpoint_id, const std::string& name) = 0;

  // Removes one of the subscriber's endpoints with its messages; never their only email
  // endpoint (only_email).
  virtual Result<OwnEndpointChange> remove_own_endpoint(std::int64_t subscriber_id, std::int64_t generation,
                                                        std::int64_t endpoint_id) = 0;

  // One endpoint by id, whoever it belongs to (callers check the owner); nullopt when unknown.
  virtual Result<std::optional<EndpointRecord>> find_endpoint(std::int64_t id) = 0;

  // One subscriber by id, in any state; nullopt when unknown. The unsubscribe link reads it to
  // tell "already unsubscribed" from "not valid".
  virtual Result<std::optional<SubscriberRecord>> find_subscriber(std::int64_t id) = 0;

  // "Delete all my data": the subscriber, every endpoint of theirs, their messages and notices
  // are deleted (their feed and every link stop working), if `generation` is still theirs and
  // they have not unsubscribed (revoked otherwise). The same deletion as
  // AdminStore::remove_subscriber.
  virtual Result<OwnEndpointChange> erase_subscription(std::int64_t subscriber_id, std::int64_t generation) = 0;

  // Marks the subscriber and all its endpoints unsubscribed and revokes every link (a new token
  // generation); unsent messages expire. Repeating it changes nothing more.
  virtual Status unsubscribe(std::int64_t subscriber_id, Instant now) = 0;
};

}  // namespace deadline::store
