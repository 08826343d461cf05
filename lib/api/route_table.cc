#include "api/route_table.h"

namespace deadline::api {

std::vector<RouteSpec> public_api_routes() {
  return {
      {"GET", "/healthz"},
      {"GET", "/api/v1/programmes"},
      {"GET", "/api/v1/programmes/{id}"},
      {"GET", "/api/v1/upcoming"},
      {"POST", "/api/v1/subscriptions"},
      {"GET", "/api/v1/manage/{token}"},
      {"POST", "/api/v1/manage/{token}/endpoints"},
      {"PUT", "/api/v1/manage/{token}/endpoints/{id}"},
      {"DELETE", "/api/v1/manage/{token}/endpoints/{id}"},
      {"POST", "/api/v1/manage/{token}/endpoints/{id}/test"},
  };
}

std::optional<PathParams> match_path(std::string_view path_template, std::string_view path) {
  PathParams params;
  while (!path_template.empty() || !path.empty()) {
    if (path_template.empty() || path.empty() || path_template.front() != '/' || path.front() != '/') {
      return std::nullopt;
    }
    path_template.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view want = path_template.substr(0, path_template.find('/'));
    const std::string_view have = path.substr(0, path.find('/'));
    path_template.remove_prefix(want.size());
    path.remove_prefix(have.size());
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (have.empty()) return std::nullopt;
      params.emplace_back(std::string(want.substr(1, want.size() - 2)), std::string(have));
    } else if (want != have) {
      return std::nullopt;
    }
  }
  return params;
}

std::string path_param(const PathParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace deadline::api
