#pragma once
// Subscribers: an email address that asked for reminders. pending until the address confirms
// (double opt-in; pending subscribers receive nothing), active, then unsubscribed for good (its
// address is purged after the retention period; a hash stays).

#include <optional>
#include <string_view>

#include "domain/state_names.h"

namespace deadline {

enum class SubscriberState { pending, active, unsubscribed };
inline constexpr StateNames<SubscriberState, 3> kSubscriberStates{{{
    {SubscriberState::pending, "pending"},
    {SubscriberState::active, "active"},
    {SubscriberState::unsubscribed, "unsubscribed"},
}}};
inline std::string_view to_string(SubscriberState state) { return kSubscriberStates.name(state); }
inline std::optional<SubscriberState> parse_subscriber_state(std::string_view text) {
  return kSubscriberStates.parse(text);
}

}  // namespace deadline
