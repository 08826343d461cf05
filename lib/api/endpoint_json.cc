#include "api/endpoint_json.h"

#include "api/choices_json.h"
#include "delivery/endpoint_display.h"

namespace deadline::api {

std::string shown_address(const store::EndpointRecord& endpoint) {
  return delivery::shown_address(endpoint.kind, endpoint.address);
}

nlohmann::json endpoint_json(const store::EndpointRecord& endpoint) {
  return {{"id", endpoint.id},
          {"kind", std::string(to_string(endpoint.kind))},
          {"address", shown_address(endpoint)},
          {"name", endpoint.name},
          {"state", std::string(to_string(endpoint.state))},
          {"state_reason", endpoint.state_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(endpoint.state_reason)},
          {"filters", filters_json(endpoint.filters)},
          {"leads", endpoint.leads}};
}

}  // namespace deadline::api
