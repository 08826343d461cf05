#pragma once
// The admin API's routes (docs/http-api.md, "Admin API"): which one a path names, and the methods
// each accepts. Pure: the path in, the route out.

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace deadline::admin {

enum class AdminRoute {
  subscribers,             // GET, POST /admin/v1/subscribers
  subscriber,              // GET, DELETE /admin/v1/subscribers/{id}
  subscriber_unsubscribe,  // POST /admin/v1/subscribers/{id}/unsubscribe
  endpoints,               // GET, POST /admin/v1/endpoints
  endpoint,                // GET, DELETE /admin/v1/endpoints/{id}
  endpoint_disable,        // POST /admin/v1/endpoints/{id}/disable
  endpoint_enable,         // POST /admin/v1/endpoints/{id}/enable
  endpoint_rotate_secret,  // POST /admin/v1/endpoints/{id}/rotate-secret
  endpoint_finish_rotation,  // POST /admin/v1/endpoints/{id}/finish-rotation
  messages,                // GET  /admin/v1/messages
  message_replay,          // POST /admin/v1/messages/{id}/replay
  counts,                  // GET  /admin/v1/counts
  status,                  // GET  /admin/v1/status
  reload,                  // POST /admin/v1/reload
  revisions,               // GET  /admin/v1/revisions
  changes,                 // GET  /admin/v1/changes
  change_release,          // POST /admin/v1/changes/{revision}/release
  change_drop,             // POST /admin/v1/changes/{revision}/drop
  metrics,                 // GET  /metrics
};

struct AdminMatch {
  AdminRoute route;
  std::string id;  // the {id} segment as sent (not yet checked), empty for routes without one
};

// The route `path` (without the query) names, or nullopt: a 404. A trailing slash names nothing.
std::optional<AdminMatch> match_admin_path(std::string_view path);

// The Allow header's value for the route: "GET, HEAD", "GET, HEAD, POST", "GET, HEAD, DELETE" or
// "POST".
std::string_view allowed_methods(AdminRoute route);

// Whether `method` is one of allowed_methods(route).
bool method_allowed(AdminRoute route, http::Verb method);

}  // namespace deadline::admin
