#pragma once
// An endpoint as the JSON API shows it to its owner. Webhook and robot URLs carry secrets in
// their path and query (a robot's key, a webhook's private path), so they are shown as
// "scheme://host[:port]/…" only, as the manage page shows them (delivery/endpoint_display.h);
// never the secret.

#include <nlohmann/json.hpp>
#include <string>

#include "store/records.h"

namespace deadline::api {

// An email endpoint's address as it is; any other as "https://host[:port]/…".
std::string shown_address(const store::EndpointRecord& endpoint);

// {"id", "kind", "address", "name", "state", "state_reason" (null when none), "filters", "leads"}.
nlohmann::json endpoint_json(const store::EndpointRecord& endpoint);

}  // namespace deadline::api
