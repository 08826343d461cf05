#pragma once
// The records the store's interfaces take and return. Plain data, no SQL: the same types serve a
// future PostgreSQL backend (DESIGN.md, "Scale"). The vocabulary they are made of (kinds, states,
// filters, triggers, policies) is lib/domain's, shared with every layer that never touches the
// store.

#include <cstdint>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/change_notice.h"
#include "domain/endpoint.h"
#include "domain/feed_event.h"
#include "domain/message.h"
#include "domain/policies.h"
#include "domain/subscriber.h"
#include "domain/trigger.h"
#include "time/instant.h"

namespace deadline::store {

struct NewEndpoint {
  std::int64_t subscriber_id = 0;
  EndpointKind kind = EndpointKind::email;
  std::string address;                    // email address or URL
  std::string secret;                     // signing secret; empty when the kind has none
  EndpointFilters filters;
  std::vector<std::string> leads;         // lead ids from the menu; empty = every lead
  std::string name = {};                  // what its owner calls it; "" = none given
};

struct SubscriberRecord {
  std::int64_t id = 0;
  std::optional<std::string> email;       // nullopt once purged after unsubscribing
  SubscriberState state = SubscriberState::pending;
  std::int64_t token_generation = 1;
  Instant created_at;
};

struct EndpointRecord {
  std::int64_t id = 0;
  std::int64_t subscriber_id = 0;
  EndpointKind kind = EndpointKind::email;
  std::string address;
  EndpointState state = EndpointState::active;
  std::string state_reason;
  EndpointFilters filters;
  std::vector<std::string> leads;
  Instant created_at;
  // Health as its owner sees it: set while deliveries fail (since the first failure after the
  // last success), with the technical text of the latest failed attempt (for the log and the
  // admin API; pages show wording::delivery_problem_text of it).
  std::optional<Instant> failing_since;
  std::string last_error;
  std::string name;                       // what its owner calls it; "" = none given
  std::string secret_tail;                // the last 4 characters of its signing secret; "" = none
};

// A subscriber as their own links show them: the subscriber and every endpoint of theirs.
struct Subscription {
  SubscriberRecord subscriber;            // pending or active, with an address
  std::vector<EndpointRecord> endpoints;  // by id

  // Their email endpoint (the first, by id), or nullptr when they have none.
  const EndpointRecord* email_endpoint() const {
    for (const EndpointRecord& e : endpoints) {
      if (e.kind == EndpointKind::email) return &e;
    }
    return nullptr;
  }
};

// What became of a change a subscriber asked for to one of their own endpoints (the manage page
// and the JSON API, docs/http-api.md): `revoked` when the generation is no longer theirs or they
// unsubscribed, `not_found` when the endpoint is not theirs, `only_email` when removing it would
// leave them no email endpoint (unsubscribing is the way to stop everything), `too_many` when
// adding one would pass kMaxEndpointsPerSubscriber.
enum class OwnEndpointChange { done, revoked, not_found, only_email, too_many };

struct OwnEndpointAdded {
  OwnEndpointChange outcome = OwnEndpointChange::done;  // done, revoked or too_many
  std::int64_t id = 0;                                  // the new endpoint's, when done
};

enum class FireKind { on_time, late };

struct FireOutcome {
  int new_triggers = 0;                   // recorded now
  int already_recorded = 0;               // fired before: nothing recorded again
  std::int64_t firing_id = 0;             // the firing recorded for the new triggers; 0: none
  // What the firing's chunks added (start_firing alone adds none; fire() runs them all).
  std::int64_t messages = 0;
  std::int64_t deliveries = 0;
  std::int64_t superseded_messages = 0;   // older unsent messages a newer lead replaced
};

// A firing is one fan-out: the triggers of one due instant (on_time), a late batch, or the change
// notices of a released revision (notices). It is recorded first, with the highest endpoint id it
// covers; chunks of endpoints then add its messages in id order, one transaction each.
enum class FiringKind { on_time, late, notices };
inline constexpr StateNames<FiringKind, 3> kFiringKinds{{{
    {FiringKind::on_time, "on_time"},
    {FiringKind::late, "late"},
    {FiringKind::notices, "notices"},
}}};
inline std::string_view to_string(FiringKind kind) { return kFiringKinds.name(kind); }

struct FiringRecord {
  std::int64_t id = 0;
  FiringKind kind = FiringKind::on_time;
  Instant created_at;
  std::int64_t last_endpoint_id = 0;      // the highest endpoint id when it was recorded
  std::int64_t done_through = 0;          // endpoints up to this id have their messages
  std::int64_t messages = 0;              // recorded so far
  std::int64_t revision_id = 0;           // notices: the release told of, and the revision it
  std::int64_t base_id = 0;               //   was compared with (0: none)
};

// What one chunk did. firing_id 0: there was no unfinished firing.
struct ChunkOutcome {
  std::int64_t firing_id = 0;
  FiringKind kind = FiringKind::on_time;
  std::int64_t revision_id = 0;           // notices: the release told of
  std::int64_t endpoints_from = 0, endpoints_through = 0;  // the id range (from, through] it covered
  std::int64_t messages = 0;
  std::int64_t deliveries = 0;
  std::int64_t superseded = 0;            // unsent messages or items the new ones replaced
  bool finished = false;                  // this chunk was the firing's last
  std::int64_t firing_messages = 0;       // the firing's messages so far, this chunk's included
  // Nothing done: the oldest unfinished firing is being run by another node (PostgreSQL), whose
  // chunks this one must neither wait for nor overtake. Try again shortly.
  bool elsewhere = false;
};

struct PurgeOutcome {
  std::int64_t messages = 0;
  std::int64_t subscribers = 0;
  std::int64_t revisions = 0;             // calendar revisions past their windows' closes
};

using MessageCounts = std::map<MessageState, std::int64_t>;  // only states that occur

// A message as operators see it (deadlinectl messages).
struct MessageRecord {
  std::string id;
  std::int64_t endpoint_id = 0;
  MessageState state = MessageState::pending;
  int attempts = 0;
  Instant due;
  Instant next_attempt;
  Instant updated;
  std::string last_error;
};

// One reminder inside a message being sent.
struct DeliveryItem {
  std::string window_id;
  std::string lead;        // kTestLead for a test reminder an owner asked for
  Instant closes;
};

// A message claimed for sending: everything a channel needs to build the request.
struct OutboundMessage {
  std::string id;                         // the Message-ID / webhook-id of every attempt
  std::int64_t endpoint_id = 0;
  EndpointKind kind = EndpointKind::webhook;
  std::string address;
  std::string secret;
  std::int64_t subscriber_id = 0;         // for the links a message carries (tokens)
  std::int64_t token_generation = 0;
  int attempts = 0;                       // including the one now starting
  Instant due;
  Instant expires;
  std::vector<DeliveryItem> items;        // not superseded, window not yet closed
  // Change notices (issue "Change notices"): what this endpoint is told about windows whose
  // dates a released calendar revision changed, rendered from these records, not from the live
  // calendar. A message may carry reminders, changes, or both; it is never empty.
  std::vector<ToldChange> changes;
};

// What became of one attempt.
struct AttemptResult {
  enum class Outcome { delivered, retry, dead, expired };
  std::string message_id;
  std::int64_t endpoint_id = 0;
  Outcome outcome = Outcome::retry;
  Instant next_attempt;                   // for retry
  std::string error;                      // for the log and `deadlinectl`; never a secret
  bool endpoint_failed = false;           // counts against the endpoint's health
  bool disable_endpoint = false;          // e.g. 410 Gone: disable at once
  bool endpoint_needs_attention = false;  // its settings are wrong: stop until its owner acts
  bool hard_failure = false;              // the receiver refused this message for good (SMTP 5xx
                                          // on the recipient): repeated ones need attention
  // Not sent at all (the endpoint's rate limit had no free slot): with Outcome::retry, the claim's
  // attempt is given back, the last error stays as it was, and the endpoint's health is untouched.
  bool deferred = false;
  // Every reminder in the message is a test one (kTestLead) and it carries no change: its failure
  // counts for the endpoint's health but never sends the "failing" mail.
  bool test_message = false;
  // The platform throttles the endpoint (DingTalk's 130101: 10 minutes): nothing is sent to it
  // for this long from the end of this attempt. Each dispatcher blocks it at once; on PostgreSQL
  // the block is also recorded so that every node's claims hold off (pg_robot_sends.h).
  std::optional<std::chrono::seconds> endpoint_blocked_for;
};

// Something a subscriber must be told about one of their endpoints (mail::EndpointNotice).
struct PendingNotice {
  std::int64_t id = 0;
  std::string what;                       // failing | disabled | needs_attention
  std::string reason;
  std::int64_t endpoint_id = 0;
  EndpointKind kind = EndpointKind::webhook;
  std::string address;                    // the endpoint's: redact before showing
  std::int64_t subscriber_id = 0;
  std::string subscriber_email;           // empty: nobody to tell (purged)
  std::int64_t token_generation = 0;
};

// Self-service subscription (the web form): an address asks for reminders.
struct SubscribeRequest {
  std::string email;                      // valid (email_address_problem)
  EndpointFilters filters;
  std::vector<std::string> leads;         // from the menu; not empty
};

// The mail a subscribe request is answered with, by the subscriber's state: a pending one (new,
// asking again, or back after unsubscribing) is asked to confirm; an active one is sent the
// manage link (lost links can always be recovered, and the form tells nobody who subscribes).
enum class AccountMailKind { confirmation, manage_link };

struct SubscribeOutcome {
  // true: mail now (and the store counted it against ConfirmationMailPolicy); false: the
  // per-address limits hold it back, and the store remembers it as due (take_due_account_mails).
  bool send_now = false;
  AccountMailKind mail = AccountMailKind::confirmation;
  std::int64_t subscriber_id = 0;
  std::int64_t token_generation = 0;
};

// A held-back subscribe mail whose time has come (SubscriptionStore::take_due_account_mails).
struct AccountMail {
  std::int64_t subscriber_id = 0;
  std::string email;
  std::int64_t token_generation = 0;
  AccountMailKind kind = AccountMailKind::confirmation;
};

enum class ConfirmOutcome { confirmed, already_active, revoked };

// A delivery status notification that came back for one of our messages (deadlinectl bounce).
struct Bounce {
  std::string message_id;
  bool permanent = false;                 // action failed with a 5.x.x status
  std::string description;                // "5.1.1 smtp; 550 ...": for last_error
};

struct BounceOutcome {
  std::int64_t endpoint_id = 0;
  bool endpoint_needs_attention = false;  // this bounce made it so
};

// The outbox as /metrics shows it.
struct OutboxMetrics {
  std::map<std::pair<std::string, MessageState>, std::int64_t> messages;  // (channel, state) → count
  std::map<std::string, std::int64_t> triggers;                          // outcome → count
  std::optional<Instant> oldest_unsent;  // the creation of the oldest pending or retry message
};

}  // namespace deadline::store
