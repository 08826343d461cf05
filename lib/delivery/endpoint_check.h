#pragma once
// Whether an address (and secret) can make an endpoint of a kind: an email address we accept, a
// webhook URL with a well-formed whsec_ secret, a chat robot's URL carrying the platform's
// credential where the platform puts it. Shared by deadlinectl, the manage page and the JSON API,
// so all refuse the same things for the same reasons. Never quotes a URL (robot URLs are secrets).
//
// Each refusal has a code (delivery/target_refusal.h) for the words its owner reads
// (wording::endpoint_refusal_text) and a technical English sentence for the API and the log.

#include <string>
#include <string_view>
#include <vector>

#include "delivery/target_refusal.h"
#include "store/records.h"

namespace deadline::delivery {

struct EndpointTargetProblem {
  enum class Field { address, secret } field = Field::address;
  TargetRefusal reason = TargetRefusal::none;
  std::string message;  // technical English; empty: no problem
  std::string host;     // the URL's host where the reason concerns it ("::1"), else ""
};

// The form of address and secret only: whether the URL's host is reachable (https, globally
// routable) is not judged, because the caller may not know `[delivery] allow_hosts`
// (deadlinectl offline). Use the overload below where it is known.
EndpointTargetProblem endpoint_target_problem(EndpointKind kind, std::string_view address,
                                              std::string_view secret);

// The same, and then the URL under the outbound policy as the dispatcher will apply it with
// `allow_hosts` (delivery/outbound_url.h), plus a localhost name (RFC 6761: localhost, x.localhost,
// with or without the final dot), which the address guard would refuse at every attempt: what the
// manage page and the JSON API check before adding an endpoint.
EndpointTargetProblem endpoint_target_problem(EndpointKind kind, std::string_view address, std::string_view secret,
                                              const std::vector<std::string>& allow_hosts);

}  // namespace deadline::delivery
