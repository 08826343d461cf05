#pragma once
// The values the store takes and returns. Plain data, no SQL: the same types serve a future
// PostgreSQL backend (DESIGN.md, "Scale").

#include <cstdint>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "time/instant.h"

namespace deadline::store {

enum class EndpointKind { email, webhook, wecom, dingtalk, feishu };
std::string_view to_string(EndpointKind kind);
std::optional<EndpointKind> parse_endpoint_kind(std::string_view text);

// What an endpoint receives. Within one field any value matches (OR); across fields all
// non-empty fields must match (AND); no filters at all means every programme.
struct EndpointFilters {
  std::vector<std::string> programmes;    // programme ids
  std::vector<std::string> groups;        // 工业和信息化部门 …
  std::vector<std::string> categories;    // 资金引导 / 认定培育
  std::vector<std::string> authorities;   // substring of the programme's authority or contact
  std::vector<std::string> roles;         // 企业 / 推荐单位 / 主管部门
  std::vector<std::string> keywords;      // substring of title, contact or authority
  bool empty() const;
};

struct NewEndpoint {
  std::int64_t subscriber_id = 0;
  EndpointKind kind = EndpointKind::email;
  std::string address;                    // email address or URL
  std::string secret;                     // signing secret; empty when the kind has none
  EndpointFilters filters;
  std::vector<std::string> leads;         // lead ids from the menu; empty = every lead
};

struct SubscriberRecord {
  std::int64_t id = 0;
  std::optional<std::string> email;       // nullopt once purged after unsubscribing
  std::string state;                      // pending | active | unsubscribed
  std::int64_t token_generation = 1;
  Instant created_at;
};

struct EndpointRecord {
  std::int64_t id = 0;
  std::int64_t subscriber_id = 0;
  EndpointKind kind = EndpointKind::email;
  std::string address;
  std::string state;                      // active | needs_attention | disabled | unsubscribed
  std::string state_reason;
  EndpointFilters filters;
  std::vector<std::string> leads;
  Instant created_at;
};

// What the fan-out needs to know about one trigger to match endpoints' filters.
struct TriggerFacts {
  std::string key;
  std::string window_id;
  std::string programme_id;
  std::string lead;
  Instant due;
  Instant closes;
  std::string group;
  std::string category;
  std::string authority_text;             // authority and contact, for substring filters
  std::string role;
  std::string search_text;                // title, contact, authority: for keywords
};

enum class FireKind { on_time, late };

struct FireOutcome {
  int new_triggers = 0;                   // recorded now
  int already_recorded = 0;               // fired before: nothing recorded again
  std::int64_t messages = 0;
  std::int64_t deliveries = 0;
  std::int64_t superseded_messages = 0;   // older unsent messages a newer lead replaced
};

struct RetentionPolicy {
  int finished_message_days = 90;         // delivered, dead and expired messages
  int unsubscribed_days = 30;             // then personal data goes, a hash stays
};

struct PurgeOutcome {
  std::int64_t messages = 0;
  std::int64_t subscribers = 0;
};

using MessageCounts = std::map<std::string, std::int64_t>;  // state → count

// A message as operators see it (deadlinectl messages).
struct MessageRecord {
  std::string id;
  std::int64_t endpoint_id = 0;
  std::string state;
  int attempts = 0;
  Instant due;
  Instant next_attempt;
  Instant updated;
  std::string last_error;
};

// One reminder inside a message being sent.
struct DeliveryItem {
  std::string window_id;
  std::string lead;
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

// How often one address may be mailed a confirmation: a form anyone can fill in must not become
// a way to flood an inbox.
struct ConfirmationMailPolicy {
  std::chrono::seconds min_interval{600};
  int max_per_day = 5;
};

struct SubscribeOutcome {
  bool send_confirmation = false;         // false: already active, or mailed too recently
  std::int64_t subscriber_id = 0;
  std::int64_t token_generation = 0;
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

struct EndpointHealthPolicy {
  std::chrono::seconds disable_after{72 * 3600};   // failing this long ...
  std::chrono::seconds failures_apart{3600};       // ... with failures at least this far apart
  int hard_failures_for_attention = 2;             // refusals in a row before needs_attention
};

// A calendar feed event as the store versions it (ical/feed_writer.h content_hash).
struct FeedEventDigest {
  std::string uid;
  std::string content_hash;
};

struct FeedEventVersion {
  std::string uid;
  int sequence = 0;
  Instant last_modified;
};

// The outbox as /metrics shows it.
struct OutboxMetrics {
  std::map<std::pair<std::string, std::string>, std::int64_t> messages;  // (channel, state) → count
  std::map<std::string, std::int64_t> triggers;                          // outcome → count
  std::optional<Instant> oldest_unsent;  // the creation of the oldest pending or retry message
};

}  // namespace deadline::store
