#pragma once
// The admin API's JSON for the store's records (docs/http-api.md, "Admin API"). Instants are UTC
// ISO-8601; an absent value is null. A webhook or robot URL is shown as scheme and host only
// (delivery/outbound_url.h redact_url): its path and query may hold the robot's key.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "store/records.h"

namespace deadline::admin {

// {"id","email" (null once purged),"state","token_generation","created_at"}
nlohmann::json subscriber_json(const store::SubscriberRecord& subscriber);

// {"id","subscriber_id","kind","address","state","state_reason" (null when none),
//  "filters":{"programmes":[],"groups":[],"categories":[],"authorities":[],"roles":[],"keywords":[]},
//  "leads":[] (empty: every lead),"created_at"}
nlohmann::json endpoint_json(const store::EndpointRecord& endpoint);

// {"id","endpoint_id","state","attempts","due","next_attempt","updated","last_error" (null when none)}
nlohmann::json message_json(const store::MessageRecord& message);

// {"state": count, ...} with every state in `states` present (0 when the store has none) and any
// other state the store reports kept as well.
nlohmann::json counts_json(const std::map<std::string, std::int64_t>& counts,
                           std::initializer_list<const char*> states);

}  // namespace deadline::admin
