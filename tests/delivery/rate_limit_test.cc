// The sliding-window rate limiter with pinned times (no clock).

#include "delivery/rate_limit.h"

#include <doctest/doctest.h>

using namespace deadline;
using namespace deadline::delivery;
using std::chrono::seconds;

namespace {

const Instant T{seconds{1'900'000'000}};
const std::vector<RateLimit> kPerMinute20{{20, seconds{60}}};
const std::vector<RateLimit> kFeishu{{5, seconds{1}}, {100, seconds{60}}};

}  // namespace

TEST_CASE("rate limit - 20 a minute - the 21st waits until the first send is a full minute old") {
  RateLimiter limiter;
  limiter.set_limits(1, kPerMinute20);
  for (int i = 0; i < 20; ++i) {
    CHECK_FALSE(limiter.next_free(1, T).has_value());
    limiter.record(1, T);
  }
  // A send recorded at T happened in [T, T+1): the slot is free at T + 60 + 1.
  CHECK(limiter.next_free(1, T) == T + seconds{61});
  CHECK(limiter.next_free(1, T + seconds{60}) == T + seconds{61});
  CHECK_FALSE(limiter.next_free(1, T + seconds{61}).has_value());
}

TEST_CASE("rate limit - the window slides - sends age out one by one") {
  RateLimiter limiter;
  limiter.set_limits(7, kPerMinute20);
  for (int i = 0; i < 10; ++i) limiter.record(7, T);
  for (int i = 0; i < 10; ++i) limiter.record(7, T + seconds{30});
  CHECK(limiter.next_free(7, T + seconds{30}) == T + seconds{61});
  // At T+61 the first ten have aged out: ten more fit, then the window is full until T+91.
  const Instant later = T + seconds{61};
  for (int i = 0; i < 10; ++i) {
    REQUIRE_FALSE(limiter.next_free(7, later).has_value());
    limiter.record(7, later);
  }
  CHECK(limiter.next_free(7, later) == T + seconds{91});
}

TEST_CASE("rate limit - two limits - the later free slot wins") {
  RateLimiter limiter;
  limiter.set_limits(3, kFeishu);
  for (int i = 0; i < 5; ++i) limiter.record(3, T);
  CHECK(limiter.next_free(3, T) == T + seconds{2});  // 5 a second
  // 100 sends spread over 20 seconds, 5 per slot: then the minute limit decides.
  RateLimiter spread;
  spread.set_limits(3, kFeishu);
  Instant at = T;
  for (int i = 0; i < 100; ++i) {
    if (const auto free = spread.next_free(3, at)) at = *free;
    spread.record(3, at);
  }
  CHECK(at == T + seconds{38});  // 20 groups of five, two seconds apart
  CHECK(spread.next_free(3, at) == T + seconds{61});
}

TEST_CASE("rate limit - endpoints are independent and one without limits is never held") {
  RateLimiter limiter;
  limiter.set_limits(1, kPerMinute20);
  limiter.set_limits(2, kPerMinute20);
  for (int i = 0; i < 20; ++i) limiter.record(1, T);
  CHECK(limiter.next_free(1, T).has_value());
  CHECK_FALSE(limiter.next_free(2, T).has_value());
  for (int i = 0; i < 1000; ++i) limiter.record(99, T);  // never given limits
  CHECK_FALSE(limiter.next_free(99, T).has_value());
  limiter.set_limits(1, {});                               // limits taken away
  CHECK_FALSE(limiter.next_free(1, T).has_value());
  CHECK(limiter.tracked() == 1);
}

TEST_CASE("rate limit - a platform's block holds the endpoint and a shorter one does not shorten it") {
  RateLimiter limiter;
  limiter.set_limits(5, kPerMinute20);
  limiter.block(5, T + seconds{600});
  CHECK(limiter.next_free(5, T) == T + seconds{600});
  limiter.block(5, T + seconds{60});
  CHECK(limiter.next_free(5, T + seconds{599}) == T + seconds{600});
  CHECK_FALSE(limiter.next_free(5, T + seconds{600}).has_value());
  // An endpoint without limits can be blocked too, and is forgotten at its next send after.
  limiter.block(6, T + seconds{10});
  CHECK(limiter.next_free(6, T) == T + seconds{10});
  CHECK(limiter.tracked() == 2);
  limiter.record(6, T + seconds{10});
  CHECK(limiter.tracked() == 1);
}

TEST_CASE("rate limit - sends recorded after now (the clock went back) still count") {
  RateLimiter limiter;
  limiter.set_limits(1, kPerMinute20);
  for (int i = 0; i < 20; ++i) limiter.record(1, T + seconds{3600});
  CHECK(limiter.next_free(1, T) == T + seconds{3661});
}
