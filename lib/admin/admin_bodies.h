#pragma once
// The JSON bodies of the admin API's additions (docs/http-api.md, "Admin API"): a subscriber an
// operator adds, and an endpoint. Checked as deadlinectl checks them offline
// (delivery/new_endpoint_check.h) and as the public API reads filters and leads
// (api/choices_json.h), so the three ways refuse the same things.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/json_body.h"
#include "calendar/calendar.h"
#include "schedule/lead.h"
#include "store/records.h"

namespace deadline::admin {

struct NewSubscriberBody {
  std::string email;
  SubscriberState state = SubscriberState::active;  // or pending: not yet confirmed
};

// {"email": "...", "state": "active"|"pending"}.
std::variant<NewSubscriberBody, api::ApiError> parse_new_subscriber(std::string_view body);

// {"subscriber": ID, "kind", "address", "secret"?, "filters"?, "leads"?}. Absent leads: all of
// the menu (as deadlinectl). The secret is left empty for a webhook that should get a new one.
std::variant<store::NewEndpoint, api::ApiError> parse_new_endpoint(std::string_view body, const Calendar& calendar,
                                                                  const std::vector<Lead>& menu);

}  // namespace deadline::admin
