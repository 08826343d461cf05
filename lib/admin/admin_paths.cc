#include "admin/admin_paths.h"

namespace deadline::admin {

namespace {

constexpr std::string_view kPrefix = "/admin/v1/";

// "a/b/c" → up to three segments; false when there are more, or an empty one.
bool split(std::string_view rest, std::string_view (&segments)[3], int& count) {
  count = 0;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || count == 3) return false;
    segments[count++] = segment;
    if (slash == std::string_view::npos) return true;
    rest = rest.substr(slash + 1);
  }
}

}  // namespace

std::optional<AdminMatch> match_admin_path(std::string_view path) {
  if (path == "/metrics") return AdminMatch{AdminRoute::metrics, {}};
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view s[3];
  int n = 0;
  if (!split(path.substr(kPrefix.size()), s, n)) return std::nullopt;
  const std::string id = n >= 2 ? std::string(s[1]) : std::string();
  if (n == 1) {
    if (s[0] == "subscribers") return AdminMatch{AdminRoute::subscribers, {}};
    if (s[0] == "endpoints") return AdminMatch{AdminRoute::endpoints, {}};
    if (s[0] == "messages") return AdminMatch{AdminRoute::messages, {}};
    if (s[0] == "counts") return AdminMatch{AdminRoute::counts, {}};
    if (s[0] == "status") return AdminMatch{AdminRoute::status, {}};
    if (s[0] == "reload") return AdminMatch{AdminRoute::reload, {}};
    if (s[0] == "revisions") return AdminMatch{AdminRoute::revisions, {}};
    if (s[0] == "changes") return AdminMatch{AdminRoute::changes, {}};
  } else if (n == 2) {
    if (s[0] == "subscribers") return AdminMatch{AdminRoute::subscriber, id};
    if (s[0] == "endpoints") return AdminMatch{AdminRoute::endpoint, id};
  } else {
    if (s[0] == "subscribers" && s[2] == "unsubscribe") return AdminMatch{AdminRoute::subscriber_unsubscribe, id};
    if (s[0] == "endpoints" && s[2] == "disable") return AdminMatch{AdminRoute::endpoint_disable, id};
    if (s[0] == "endpoints" && s[2] == "enable") return AdminMatch{AdminRoute::endpoint_enable, id};
    if (s[0] == "endpoints" && s[2] == "rotate-secret") return AdminMatch{AdminRoute::endpoint_rotate_secret, id};
    if (s[0] == "endpoints" && s[2] == "finish-rotation") return AdminMatch{AdminRoute::endpoint_finish_rotation, id};
    if (s[0] == "messages" && s[2] == "replay") return AdminMatch{AdminRoute::message_replay, id};
    if (s[0] == "changes" && s[2] == "release") return AdminMatch{AdminRoute::change_release, id};
    if (s[0] == "changes" && s[2] == "drop") return AdminMatch{AdminRoute::change_drop, id};
  }
  return std::nullopt;
}

std::string_view allowed_methods(AdminRoute route) {
  switch (route) {
    case AdminRoute::subscriber:
    case AdminRoute::endpoint:
      return "GET, HEAD, DELETE";
    case AdminRoute::subscriber_unsubscribe:
    case AdminRoute::endpoint_disable:
    case AdminRoute::endpoint_enable:
    case AdminRoute::endpoint_rotate_secret:
    case AdminRoute::endpoint_finish_rotation:
    case AdminRoute::message_replay:
    case AdminRoute::reload:
    case AdminRoute::change_release:
    case AdminRoute::change_drop:
      return "POST";
    case AdminRoute::subscribers:
    case AdminRoute::endpoints:
      return "GET, HEAD, POST";
    case AdminRoute::messages:
    case AdminRoute::counts:
    case AdminRoute::status:
    case AdminRoute::revisions:
    case AdminRoute::changes:
    case AdminRoute::metrics:
      break;
  }
  return "GET, HEAD";
}

bool method_allowed(AdminRoute route, http::Verb method) {
  const std::string_view allowed = allowed_methods(route);
  switch (method) {
    case http::Verb::get:
    case http::Verb::head:
      return allowed.starts_with("GET");
    case http::Verb::delete_:
      return allowed.ends_with("DELETE");
    case http::Verb::post:
      return allowed.ends_with("POST");
    default:
      return false;
  }
}

}  // namespace deadline::admin
