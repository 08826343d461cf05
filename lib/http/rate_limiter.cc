#include "http/rate_limiter.h"

#include <algorithm>

namespace deadline::http {

namespace {

RateLimit valid(RateLimit limit) {
  limit.burst = std::max(limit.burst, 1);
  limit.interval = std::max(limit.interval, std::chrono::seconds{1});
  limit.max_keys = std::max<std::size_t>(limit.max_keys, 1);
  return limit;
}

}  // namespace

RateLimiter::RateLimiter(RateLimit limit) : limit_(valid(limit)) {}

// How far past `now` the key's next request would be early: positive means refused for that long.
std::chrono::steady_clock::duration RateLimiter::wait(const Entry& entry, TimePoint now) const {
  const auto tolerance = limit_.interval * (limit_.burst - 1);
  return std::max(entry.full_at, now) - now - tolerance;
}

void RateLimiter::forget_full(TimePoint now) {
  while (!order_.empty() && order_.front().full_at <= now) {
    index_.erase(order_.front().key);
    order_.pop_front();
  }
}

bool RateLimiter::allow(std::string_view key, TimePoint now) {
  const std::lock_guard lock(mutex_);
  forget_full(now);
  auto found = index_.find(key);
  if (found == index_.end()) {
    if (index_.size() >= limit_.max_keys) {
      index_.erase(order_.front().key);
      order_.pop_front();
    }
    order_.push_back(Entry{std::string(key), now});
    found = index_.emplace(order_.back().key, std::prev(order_.end())).first;
  } else {
    // Seen now, refused or not: a client being refused stays remembered longest.
    order_.splice(order_.end(), order_, found->second);
  }
  Entry& entry = *found->second;
  if (wait(entry, now) > std::chrono::steady_clock::duration::zero()) return false;
  entry.full_at = std::max(entry.full_at, now) + limit_.interval;
  return true;
}

std::chrono::seconds RateLimiter::retry_after(std::string_view key, TimePoint now) const {
  const std::lock_guard lock(mutex_);
  const auto found = index_.find(key);
  if (found == index_.end()) return std::chrono::seconds{0};
  const auto left = wait(*found->second, now);
  if (left <= std::chrono::steady_clock::duration::zero()) return std::chrono::seconds{0};
  return std::max(std::chrono::ceil<std::chrono::seconds>(left), std::chrono::seconds{1});
}

std::size_t RateLimiter::size() const {
  const std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace deadline::http
