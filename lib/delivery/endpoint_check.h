#pragma once
// Whether an address (and secret) can make an endpoint of a kind: an email address we accept, a
// webhook URL with a well-formed whsec_ secret, a chat robot's URL carrying the platform's
// credential where the platform puts it. Shared by deadlinectl and the manage page, so both
// refuse the same things with the same words. Never quotes a URL (robot URLs are secrets).
// Whether the URL's host is reachable (https, globally routable) is the outbound policy's
// question at send time; here any host passes.

#include <string>
#include <string_view>

#include "store/records.h"

namespace deadline::delivery {

struct EndpointTargetProblem {
  enum class Field { address, secret } field = Field::address;
  std::string message;  // empty: no problem
};

EndpointTargetProblem endpoint_target_problem(EndpointKind kind, std::string_view address,
                                              std::string_view secret);

}  // namespace deadline::delivery
