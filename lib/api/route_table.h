#pragma once
// The public HTTP API's routes: every method and path template the server answers with JSON
// (docs/http-api.md), in one list. docs/openapi.json is checked against it both ways (a unit
// test) and every entry is called on the running daemon (integration.api), so a route cannot be
// documented and not served, or served and not documented. ApiRoutes (api_routes.h) dispatches
// its own routes by this table; http/router.cc serves /healthz and the calendar routes.
//
// HEAD is answered wherever GET is and is not listed separately.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deadline::api {

struct RouteSpec {
  std::string method;  // "GET", "POST", "PUT", "DELETE"
  std::string path;    // a template: "/api/v1/programmes/{id}"
  bool operator==(const RouteSpec&) const = default;
};

std::vector<RouteSpec> public_api_routes();

// The {name} segments of `path` when it fits `path_template` (each {name} stands for one
// non-empty path segment, still percent-encoded); nullopt when it does not fit.
using PathParams = std::vector<std::pair<std::string, std::string>>;
std::optional<PathParams> match_path(std::string_view path_template, std::string_view path);

// The value of {name} in `params` ("" when absent).
std::string path_param(const PathParams& params, std::string_view name);

}  // namespace deadline::api
