#pragma once
// Per-key request limits for the routes that cost something (the ones that send email: POST
// /subscribe and the resend path). A key is normally the client address (RequestInfo::client).
//
// A token bucket written as GCRA: each key may make `burst` requests at once, then one more every
// `interval`; an idle key regains one request per `interval` up to `burst`. Per key only one time
// point is kept (when its bucket is full again), and a key whose bucket is full is the same as an
// unknown key, so it is forgotten.
//
// Memory is bounded: at most `max_keys` keys. Keys are kept in the order they were last seen;
// each call first forgets the least recently seen keys whose bucket is full again, and a new key
// that finds the table full evicts the least recently seen one (that key starts over with a full
// bucket: under a flood of addresses the limit weakens for the oldest, never for anyone new).
//
// Pure: the caller passes the time (std::chrono::steady_clock in production, any value in
// tests). Thread-safe: one limiter may be shared by every connection's handlers.
//
//   http::RateLimiter limiter;   // 5 at once, then 1 a minute, per address
//   if (!limiter.allow(info.client, std::chrono::steady_clock::now())) {
//     return reply(http::too_many_requests(limiter.retry_after(info.client, now), http::reply_to(request)));
//   }

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace deadline::http {

struct RateLimit {
  int burst = 5;                                 // requests allowed at once (≥ 1)
  std::chrono::seconds interval{60};             // then one per interval (> 0)
  std::size_t max_keys = 10000;                  // keys remembered at most (≥ 1)
};

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Values out of range are raised to the smallest valid one (burst 1, interval 1 s, 1 key).
  explicit RateLimiter(RateLimit limit = {});
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // True when `key` may make a request at `now`, and counts it; false (counting nothing) when it
  // is over its limit. A `now` earlier than before (not from a steady clock) never grants more:
  // the key only waits longer.
  bool allow(std::string_view key, TimePoint now);

  // How long until allow(key) would be true: 0 when it would be now, else rounded up to whole
  // seconds (at least 1), as Retry-After says it.
  std::chrono::seconds retry_after(std::string_view key, TimePoint now) const;

  // Keys currently remembered (≤ max_keys).
  std::size_t size() const;

  const RateLimit& limit() const { return limit_; }

 private:
  struct Entry {
    std::string key;
    TimePoint full_at;  // when this key's bucket is full again (GCRA's theoretical arrival time)
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Order = std::list<Entry>;  // least recently seen first

  std::chrono::steady_clock::duration wait(const Entry& entry, TimePoint now) const;
  void forget_full(TimePoint now);

  RateLimit limit_;
  mutable std::mutex mutex_;
  Order order_;                                                                 // guarded by mutex_
  std::unordered_map<std::string, Order::iterator, Hash, std::equal_to<>> index_;  // guarded by mutex_
};

}  // namespace deadline::http
