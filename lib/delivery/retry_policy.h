#pragma once
// When to try a failed message again. The schedule (about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// 10 h) spreads retries over about a day; ±20% jitter keeps a receiver that comes back from
// being hit by every sender at once. A receiver's Retry-After is honoured within bounds. Nothing
// is retried past the message's expiry: a reminder that would arrive after its window closed
// expires instead.

#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "time/instant.h"

namespace deadline {

struct RetryPolicy {
  std::vector<std::chrono::seconds> delays{std::chrono::seconds{5},     std::chrono::minutes{5},
                                           std::chrono::minutes{30},    std::chrono::hours{2},
                                           std::chrono::hours{5},       std::chrono::hours{10},
                                           std::chrono::hours{10}};
  double jitter = 0.2;                                 // ± this fraction of each delay
  std::chrono::seconds max_retry_after{12 * 3600};     // a longer Retry-After is cut to this
};

struct RetryDecision {
  enum class Kind { retry, dead, expired } kind = Kind::retry;
  Instant at;                                          // for retry
};

// `attempts` made so far (≥ 1, including the one that just failed).
RetryDecision decide_retry(const RetryPolicy& policy, int attempts, Instant now, Instant expires,
                           std::optional<std::chrono::seconds> retry_after, std::mt19937_64& random);

}  // namespace deadline
