// The per-client request limiter (lib/http/rate_limiter.h): bursts, refill, Retry-After, and
// memory that stays bounded whatever the number of clients.

#include "http/rate_limiter.h"

#include <doctest/doctest.h>

#include <string>

using namespace deadline::http;
using namespace std::chrono_literals;

namespace {

const RateLimiter::TimePoint t0{std::chrono::hours{1000}};

}  // namespace

TEST_CASE("rate limiter allows a burst then refuses") {
  RateLimiter limiter({3, 60s, 100});
  CHECK(limiter.allow("192.0.2.1", t0));
  CHECK(limiter.allow("192.0.2.1", t0));
  CHECK(limiter.allow("192.0.2.1", t0));
  CHECK_FALSE(limiter.allow("192.0.2.1", t0));
  CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 59s));
  CHECK(limiter.retry_after("192.0.2.1", t0) == 60s);
}

TEST_CASE("rate limiter keeps each key apart") {
  RateLimiter limiter({1, 60s, 100});
  CHECK(limiter.allow("192.0.2.1", t0));
  CHECK_FALSE(limiter.allow("192.0.2.1", t0));
  CHECK(limiter.allow("192.0.2.2", t0));
  CHECK(limiter.allow("2001:db8::1", t0));
  CHECK(limiter.retry_after("192.0.2.3", t0) == 0s);
}

TEST_CASE("rate limiter regains one request per interval") {
  RateLimiter limiter({2, 60s, 100});
  CHECK(limiter.allow("a", t0));
  CHECK(limiter.allow("a", t0));
  CHECK_FALSE(limiter.allow("a", t0 + 30s));
  CHECK(limiter.retry_after("a", t0 + 30s) == 30s);
  CHECK(limiter.allow("a", t0 + 60s));       // one regained
  CHECK_FALSE(limiter.allow("a", t0 + 60s));  // only one
  CHECK(limiter.allow("a", t0 + 120s));
  // Idle long enough, the whole burst is back (and no more).
  CHECK(limiter.allow("a", t0 + 1h));
  CHECK(limiter.allow("a", t0 + 1h));
  CHECK_FALSE(limiter.allow("a", t0 + 1h));
}

TEST_CASE("rate limiter refusals do not use up requests") {
  RateLimiter limiter({1, 10s, 100});
  CHECK(limiter.allow("a", t0));
  for (int i = 0; i < 50; ++i) CHECK_FALSE(limiter.allow("a", t0 + 5s));
  CHECK(limiter.allow("a", t0 + 10s));
}

TEST_CASE("rate limiter retry_after rounds up to whole seconds") {
  RateLimiter limiter({1, 60s, 100});
  CHECK(limiter.retry_after("a", t0) == 0s);
  CHECK(limiter.allow("a", t0));
  CHECK(limiter.retry_after("a", t0) == 60s);
  CHECK(limiter.retry_after("a", t0 + 59s + 1ms) == 1s);
  CHECK(limiter.retry_after("a", t0 + 59s + 999ms) == 1s);
  CHECK(limiter.retry_after("a", t0 + 60s) == 0s);
  CHECK(limiter.retry_after("a", t0 + 1500ms) == 59s);
  // What retry_after says is exactly when allow turns true.
  CHECK_FALSE(limiter.allow("a", t0 + 59s + 999ms));
  CHECK(limiter.allow("a", t0 + 60s));
}

TEST_CASE("rate limiter never grants more when time goes backwards") {
  RateLimiter limiter({1, 60s, 100});
  CHECK(limiter.allow("a", t0));
  CHECK_FALSE(limiter.allow("a", t0 - 1h));
  CHECK(limiter.retry_after("a", t0 - 1h) > 60s);
  CHECK(limiter.allow("a", t0 + 60s));
}

TEST_CASE("rate limiter forgets keys whose bucket is full again") {
  RateLimiter limiter({2, 60s, 100});
  CHECK(limiter.allow("a", t0));
  CHECK(limiter.allow("b", t0 + 10s));
  CHECK(limiter.size() == 2);
  CHECK(limiter.allow("c", t0 + 65s));  // a full again at t0 + 60 s, b not until t0 + 70 s
  CHECK(limiter.size() == 2);
  CHECK(limiter.allow("c", t0 + 200s));
  CHECK(limiter.size() == 1);
}

TEST_CASE("rate limiter memory stays bounded under many keys") {
  RateLimiter limiter({1, 3600s, 50});
  for (int i = 0; i < 10000; ++i) {
    CHECK(limiter.allow("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0));
    REQUIRE(limiter.size() <= 50);
  }
  CHECK(limiter.size() == 50);
  // The most recent keys are still limited; the oldest were evicted and start over.
  CHECK_FALSE(limiter.allow("10.0.39.15", t0));  // key 9999
  CHECK(limiter.allow("10.0.0.0", t0));          // key 0
}

TEST_CASE("rate limiter keeps a refused key over idle ones when full") {
  RateLimiter limiter({1, 3600s, 3});
  CHECK(limiter.allow("abuser", t0));
  CHECK(limiter.allow("x", t0 + 1s));
  CHECK(limiter.allow("y", t0 + 2s));
  CHECK_FALSE(limiter.allow("abuser", t0 + 3s));  // seen again: now the most recent
  CHECK(limiter.allow("z", t0 + 4s));             // evicts x, the least recently seen
  CHECK_FALSE(limiter.allow("abuser", t0 + 5s));
  CHECK(limiter.allow("x", t0 + 6s));             // x was forgotten
}

TEST_CASE("rate limiter raises invalid settings to the smallest valid ones") {
  RateLimiter limiter({0, 0s, 0});
  CHECK(limiter.limit().burst == 1);
  CHECK(limiter.limit().interval == 1s);
  CHECK(limiter.limit().max_keys == 1);
  CHECK(limiter.allow("a", t0));
  CHECK_FALSE(limiter.allow("a", t0));
  CHECK(limiter.allow("a", t0 + 1s));
}

TEST_CASE("rate limiter defaults allow five then one a minute") {
  RateLimiter limiter;
  for (int i = 0; i < 5; ++i) CHECK(limiter.allow("a", t0));
  CHECK_FALSE(limiter.allow("a", t0));
  CHECK(limiter.retry_after("a", t0) == 60s);
  CHECK(limiter.limit().max_keys == 10000);
}
