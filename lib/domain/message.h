#pragma once
// Messages: one digest of reminders for one endpoint, in the durable outbox. pending → sending
// → delivered; a failed attempt goes to retry (and back to sending) until it succeeds, is given
// up (dead), or every window it reminds of has closed (expired).

#include <optional>
#include <string_view>

#include "domain/state_names.h"

namespace deadline {

enum class MessageState { pending, sending, retry, delivered, dead, expired };
inline constexpr StateNames<MessageState, 6> kMessageStates{{{
    {MessageState::pending, "pending"},
    {MessageState::sending, "sending"},
    {MessageState::retry, "retry"},
    {MessageState::delivered, "delivered"},
    {MessageState::dead, "dead"},
    {MessageState::expired, "expired"},
}}};
inline std::string_view to_string(MessageState state) { return kMessageStates.name(state); }
inline std::optional<MessageState> parse_message_state(std::string_view text) { return kMessageStates.parse(text); }

// The lead of a test reminder an owner asked for (store::SubscriptionStore::queue_test_message):
// marked 【测试】 wherever it is shown, and its failure is never mailed to its owner as a failing
// endpoint.
inline constexpr std::string_view kTestLead = "test";

}  // namespace deadline
