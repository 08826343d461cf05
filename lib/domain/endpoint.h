#pragma once
// Endpoints: where a subscriber's reminders go (an address or a URL of one kind), what they
// choose to receive (filters, leads), and the states an endpoint goes through. Shared by every
// layer: config and pages parse them, the store keeps them, channels deliver to them.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/state_names.h"

namespace deadline {

enum class EndpointKind { email, webhook, wecom, dingtalk, feishu };
inline constexpr StateNames<EndpointKind, 5> kEndpointKinds{{{
    {EndpointKind::email, "email"},
    {EndpointKind::webhook, "webhook"},
    {EndpointKind::wecom, "wecom"},
    {EndpointKind::dingtalk, "dingtalk"},
    {EndpointKind::feishu, "feishu"},
}}};
inline std::string_view to_string(EndpointKind kind) { return kEndpointKinds.name(kind); }
inline std::optional<EndpointKind> parse_endpoint_kind(std::string_view text) { return kEndpointKinds.parse(text); }

// active: receives reminders. needs_attention: its own settings make delivery impossible (a
// robot's wrong key, a mailbox that refuses): nothing is sent until its owner acts. disabled:
// failing for too long, or by an operator; its owner may re-enable it. unsubscribed: for good.
enum class EndpointState { active, needs_attention, disabled, unsubscribed };
inline constexpr StateNames<EndpointState, 4> kEndpointStates{{{
    {EndpointState::active, "active"},
    {EndpointState::needs_attention, "needs_attention"},
    {EndpointState::disabled, "disabled"},
    {EndpointState::unsubscribed, "unsubscribed"},
}}};
inline std::string_view to_string(EndpointState state) { return kEndpointStates.name(state); }
inline std::optional<EndpointState> parse_endpoint_state(std::string_view text) { return kEndpointStates.parse(text); }

// How many endpoints one subscriber may have (email included). The store enforces it when an
// endpoint is added (store::SubscriptionStore::add_own_endpoint); pages and the API only word it.
inline constexpr int kMaxEndpointsPerSubscriber = 10;

// What an endpoint receives. Within one field any value matches (OR); across fields all
// non-empty fields must match (AND); no filters at all means every programme
// (domain/window_facts.h: filters_match).
struct EndpointFilters {
  std::vector<std::string> programmes;    // programme ids
  std::vector<std::string> groups;        // 工业和信息化部门 …
  std::vector<std::string> categories;    // 资金引导 / 认定培育
  std::vector<std::string> authorities;   // substring of the programme's authority or contact
  std::vector<std::string> roles;         // 企业 / 推荐单位 / 主管部门
  std::vector<std::string> keywords;      // substring of title, contact or authority
  bool empty() const {
    return programmes.empty() && groups.empty() && categories.empty() && authorities.empty() && roles.empty() &&
           keywords.empty();
  }
};

}  // namespace deadline
