#include "store/records.h"

#include <array>

namespace deadline::store {

namespace {
constexpr std::array<std::pair<EndpointKind, std::string_view>, 5> kKinds = {{
    {EndpointKind::email, "email"},
    {EndpointKind::webhook, "webhook"},
    {EndpointKind::wecom, "wecom"},
    {EndpointKind::dingtalk, "dingtalk"},
    {EndpointKind::feishu, "feishu"},
}};
}  // namespace

std::string_view to_string(EndpointKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<EndpointKind> parse_endpoint_kind(std::string_view text) {
  for (const auto& [k, name] : kKinds) {
    if (name == text) return k;
  }
  return std::nullopt;
}

bool EndpointFilters::empty() const {
  return programmes.empty() && groups.empty() && categories.empty() && authorities.empty() &&
         roles.empty() && keywords.empty();
}

}  // namespace deadline::store
