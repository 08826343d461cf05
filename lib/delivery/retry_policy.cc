#include "delivery/retry_policy.h"

#include <algorithm>

namespace deadline {

RetryDecision decide_retry(const RetryPolicy& policy, int attempts, Instant now, Instant expires,
                           std::optional<std::chrono::seconds> retry_after, std::mt19937_64& random) {
  const auto retries_made = static_cast<std::size_t>(std::max(attempts - 1, 0));
  if (retries_made >= policy.delays.size()) return {RetryDecision::Kind::dead, {}};
  const std::chrono::seconds base = policy.delays[retries_made];
  std::uniform_real_distribution<double> spread(1.0 - policy.jitter, 1.0 + policy.jitter);
  auto delay = std::chrono::seconds{static_cast<std::chrono::seconds::rep>(static_cast<double>(base.count()) * spread(random))};
  delay = std::max(delay, std::chrono::seconds{1});
  if (retry_after) delay = std::max(delay, std::min(*retry_after, policy.max_retry_after));
  const Instant at = now + delay;
  if (at >= expires) return {RetryDecision::Kind::expired, {}};
  return {RetryDecision::Kind::retry, at};
}

}  // namespace deadline
