#pragma once
// How often the chat robots' platforms let one robot be sent to: WeCom and DingTalk at most 20
// messages a minute, Feishu 5 a second and 100 a minute. A limit {messages, per} allows at most
// `messages` sends in any window of `per`. Facts about the platforms, used by the dispatcher's
// per-node limiter (delivery/rate_limit.h) and, so that the limits hold across every node of a
// PostgreSQL database, by its claims (pg/pg_delivery.cc).
//
// Instants are whole seconds and a send recorded at T happened somewhere in [T, T+1): a slot
// taken at T is free again at T + per + 1 s, never earlier (sends_in_window).

#include <chrono>
#include <cstdint>
#include <vector>

#include "domain/endpoint.h"

namespace deadline {

struct SendLimit {
  int messages = 0;               // at most this many sends ...
  std::chrono::seconds per{0};    // ... in any window this long
  bool operator==(const SendLimit&) const = default;
};

// The platform's limits for a robot kind; none for email and webhooks.
inline std::vector<SendLimit> platform_send_limits(EndpointKind kind) {
  switch (kind) {
    case EndpointKind::wecom:
    case EndpointKind::dingtalk:
      return {{20, std::chrono::seconds{60}}};
    case EndpointKind::feishu:
      return {{5, std::chrono::seconds{1}}, {100, std::chrono::seconds{60}}};
    default:
      return {};
  }
}

// How many more sends `limits` allow at `now` given earlier sends at `sent` (Unix seconds, any
// order); a large number when there are no limits.
inline int free_send_slots(const std::vector<SendLimit>& limits, const std::vector<std::int64_t>& sent,
                           std::int64_t now) {
  int free = 1 << 30;
  for (const SendLimit& limit : limits) {
    int in_window = 0;
    for (const std::int64_t at : sent) in_window += at + limit.per.count() + 1 > now ? 1 : 0;
    free = std::min(free, limit.messages - in_window);
  }
  return std::max(free, 0);
}

}  // namespace deadline
