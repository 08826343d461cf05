#pragma once
// The catalogue of what subscribers read about their endpoints' deliveries (pages and mails):
// Chinese, saying what went wrong and what to do. lib/wording/ holds every sentence a user reads;
// the technical text these are made from stays in the log and the admin API.

#include <string>
#include <string_view>

#include "domain/endpoint.h"

namespace deadline::wording {

// What the technical error of an endpoint's failed delivery (EndpointRecord::last_error, a
// needs_attention or disabled endpoint's state_reason, an AttemptResult's error) means for its
// owner, and what to do about it. Never contains the technical text itself; "" for "".
std::string delivery_problem_text(EndpointKind kind, std::string_view technical);

}  // namespace deadline::wording
