#pragma once
// The admin API's parameters: ids in paths, query strings and the disable body. Pure; every
// failure is an http::ParamError naming the field, which the routes answer with 400.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "domain/endpoint.h"
#include "domain/message.h"
#include "domain/subscriber.h"
#include "http/query.h"

namespace deadline::admin {

inline constexpr int kDefaultListLimit = 100;
inline constexpr int kMaxListLimit = 1000;
inline constexpr std::size_t kMaxReasonBytes = 500;

// A subscriber or endpoint id: a decimal integer from 1 to 2^63 - 1, no sign, no leading zero.
std::variant<std::int64_t, http::ParamError> parse_record_id(std::string_view text, const std::string& field = "id");

// A message id: 32 lower-case hex digits (as the store makes them).
std::variant<std::string, http::ParamError> parse_message_id(std::string_view text);

// GET /admin/v1/subscribers?email=SUBSTRING&state=STATE&after=ID&limit=N
struct SubscriberQuery {
  std::string email;        // substring of the address, ASCII case-insensitive; empty: any
  std::optional<SubscriberState> state;  // nullopt: any
  std::int64_t after = 0;   // ids above this one (paging)
  int limit = kDefaultListLimit;
};
std::variant<SubscriberQuery, http::ParamError> parse_subscriber_query(std::string_view query);

// GET /admin/v1/endpoints?subscriber=ID&state=STATE&after=ID&limit=N
struct EndpointQuery {
  std::optional<std::int64_t> subscriber;
  std::optional<EndpointState> state;    // nullopt: any
  std::int64_t after = 0;
  int limit = kDefaultListLimit;
};
std::variant<EndpointQuery, http::ParamError> parse_endpoint_query(std::string_view query);

// GET /admin/v1/messages?state=STATE&limit=N
struct MessageQuery {
  std::optional<MessageState> state;     // nullopt: any
  int limit = kDefaultListLimit;
};
std::variant<MessageQuery, http::ParamError> parse_message_query(std::string_view query);

// GET /admin/v1/revisions?programme=ID&limit=N
struct RevisionQuery {
  std::string programme;    // only revisions that changed one of its windows; empty: all
  int limit = kDefaultListLimit;
};
std::variant<RevisionQuery, http::ParamError> parse_revision_query(std::string_view query);

// POST /admin/v1/reload: an empty body, or {"reason": "..."} (the reason as for a disable, but
// optional): why the operator reloads, kept with the revision.
std::variant<std::string, http::ParamError> parse_reload_body(std::string_view body);

// Routes without parameters refuse any (a misspelt parameter must not be silently ignored).
std::optional<http::ParamError> refuse_parameters(std::string_view query);

// POST /admin/v1/endpoints/{id}/disable: {"reason": "..."}, the reason 1 to 500 bytes of UTF-8
// text. A body that is not a JSON object is "invalid_body" (field null); a missing, empty,
// non-string or too long reason is "invalid_parameter" on "reason".
std::variant<std::string, http::ParamError> parse_disable_body(std::string_view body);

}  // namespace deadline::admin
