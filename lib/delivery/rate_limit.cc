#include "delivery/rate_limit.h"

#include <algorithm>

namespace deadline::delivery {

namespace {

constexpr std::chrono::seconds kGranularity{1};  // see the header: a recorded second covers [T, T+1)

}  // namespace

void RateLimiter::set_limits(std::int64_t endpoint, const std::vector<RateLimit>& limits) {
  if (limits.empty()) {
    const auto found = endpoints_.find(endpoint);
    if (found != endpoints_.end()) {
      found->second.limits.clear();
      found->second.sends.clear();
      if (!found->second.blocked_until) endpoints_.erase(found);
    }
    return;
  }
  State& state = endpoints_[endpoint];
  if (state.limits != limits) state.limits = limits;
}

std::optional<Instant> RateLimiter::next_free(std::int64_t endpoint, Instant now) const {
  const auto found = endpoints_.find(endpoint);
  if (found == endpoints_.end()) return std::nullopt;
  const State& state = found->second;
  Instant free_at = now;
  if (state.blocked_until && *state.blocked_until > free_at) free_at = *state.blocked_until;
  for (const RateLimit& limit : state.limits) {
    if (limit.messages <= 0) continue;  // a limit of nothing would block forever: ignored
    const auto window = static_cast<std::size_t>(limit.messages);
    // The sends this limit still sees at `now`: those with T + per + 1 s > now. Sends recorded
    // "in the future" (the clock went back) count as seen: the conservative reading.
    const auto first_seen = std::find_if(state.sends.begin(), state.sends.end(),
                                         [&](Instant t) { return t + limit.per + kGranularity > now; });
    const auto seen = static_cast<std::size_t>(state.sends.end() - first_seen);
    if (seen < window) continue;
    // Sends must drop out until messages - 1 remain: the (seen - messages + 1)-th oldest of them
    // decides.
    const Instant ages_out = *(first_seen + static_cast<std::ptrdiff_t>(seen - window)) + limit.per + kGranularity;
    free_at = std::max(free_at, ages_out);
  }
  if (free_at <= now) return std::nullopt;
  return free_at;
}

void RateLimiter::record(std::int64_t endpoint, Instant now) {
  const auto found = endpoints_.find(endpoint);
  if (found == endpoints_.end()) return;  // nothing limits it: nothing to keep
  State& state = found->second;
  if (state.blocked_until && *state.blocked_until <= now) state.blocked_until.reset();
  if (state.limits.empty()) {
    if (!state.blocked_until) endpoints_.erase(found);
    return;
  }
  // Kept in order even if the clock went back, so the oldest are at the front.
  state.sends.insert(std::upper_bound(state.sends.begin(), state.sends.end(), now), now);
  std::chrono::seconds longest{0};
  std::size_t most = 0;
  for (const RateLimit& limit : state.limits) {
    longest = std::max(longest, limit.per);
    most = std::max(most, static_cast<std::size_t>(std::max(limit.messages, 0)));
  }
  // Forget what no limit sees any more, and more sends than any limit counts.
  while (!state.sends.empty() && (state.sends.front() + longest + kGranularity <= now || state.sends.size() > most)) {
    state.sends.pop_front();
  }
}

void RateLimiter::block(std::int64_t endpoint, Instant until) {
  State& state = endpoints_[endpoint];
  if (!state.blocked_until || *state.blocked_until < until) state.blocked_until = until;
}

}  // namespace deadline::delivery
