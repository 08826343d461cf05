#pragma once
// The admin API's JSON for the store's records (docs/http-api.md, "Admin API"). Instants are UTC
// ISO-8601; an absent value is null. A webhook or robot URL is shown as scheme and host only
// (delivery/outbound_url.h redact_url): its path and query may hold the robot's key.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "domain/state_names.h"
#include "store/records.h"
#include "store/revision_store.h"

namespace deadline::admin {

// {"id","email" (null once purged),"state","token_generation","created_at"}
nlohmann::json subscriber_json(const store::SubscriberRecord& subscriber);

// {"id","subscriber_id","kind","address","state","state_reason" (null when none),
//  "filters":{"programmes":[],"groups":[],"categories":[],"authorities":[],"roles":[],"keywords":[]},
//  "leads":[] (empty: every lead),"created_at"}
nlohmann::json endpoint_json(const store::EndpointRecord& endpoint);

// {"id","endpoint_id","state","attempts","due","next_attempt","updated","last_error" (null when none)}
nlohmann::json message_json(const store::MessageRecord& message);

// {"id","calendar_revision","recorded_at","cause","reason" (null when none),"baseline",
//  "state":"staged"|"released"|"dropped"|"replaced","base_revision_id","release_at","released_at",
//  "closed_reason","changes":[domain/revision_json.h window_change_json, ...]}
nlohmann::json revision_json(const store::RevisionRecord& revision);

// {"state": count, ...} for the states that occur.
template <class Enum, std::size_t N>
nlohmann::json occurring_counts_json(const std::map<Enum, std::int64_t>& counts, const StateNames<Enum, N>& names) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [state, count] : counts) out[std::string(names.name(state))] = count;
  return out;
}

// {"state": count, ...} with every state of `names` present (0 when the store has none).
template <class Enum, std::size_t N>
nlohmann::json counts_json(const std::map<Enum, std::int64_t>& counts, const StateNames<Enum, N>& names) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string_view state : names.names()) out[std::string(state)] = 0;
  out.update(occurring_counts_json(counts, names));
  return out;
}

}  // namespace deadline::admin
