#include "delivery/retry_policy.h"

#include <doctest/doctest.h>

#include "time/iso8601.h"

#include <set>

using namespace deadline;
using std::chrono::seconds;

namespace {
const Instant now = *parse_iso8601("2026-11-27T09:00+08:00");
const Instant far = now + date::days{30};
}  // namespace

TEST_CASE("the retry schedule spreads over about a day with 20 percent jitter") {
  const RetryPolicy policy;
  std::mt19937_64 random(42);
  const long expected[] = {5, 300, 1800, 7200, 18000, 36000, 36000};
  for (int attempts = 1; attempts <= 7; ++attempts) {
    CAPTURE(attempts);
    for (int sample = 0; sample < 200; ++sample) {
      const RetryDecision d = decide_retry(policy, attempts, now, far, std::nullopt, random);
      REQUIRE(d.kind == RetryDecision::Kind::retry);
      const long delay = (d.at - now).count();
      const long base = expected[attempts - 1];
      CHECK(delay >= std::max(1L, static_cast<long>(0.8 * static_cast<double>(base))) - 1);
      CHECK(delay <= static_cast<long>(1.2 * static_cast<double>(base)));
    }
  }
}

TEST_CASE("jitter really varies the delay") {
  const RetryPolicy policy;
  std::mt19937_64 random(7);
  std::set<long> delays;
  for (int i = 0; i < 50; ++i) delays.insert((decide_retry(policy, 3, now, far, std::nullopt, random).at - now).count());
  CHECK(delays.size() > 20);
}

TEST_CASE("after the last retry the message is dead") {
  const RetryPolicy policy;
  std::mt19937_64 random(1);
  CHECK(decide_retry(policy, 8, now, far, std::nullopt, random).kind == RetryDecision::Kind::dead);
}

TEST_CASE("a retry that would land at or after the expiry expires the message instead") {
  RetryPolicy policy;
  policy.jitter = 0;
  std::mt19937_64 random(1);
  CHECK(decide_retry(policy, 2, now, now + seconds{300}, std::nullopt, random).kind == RetryDecision::Kind::expired);
  CHECK(decide_retry(policy, 2, now, now + seconds{301}, std::nullopt, random).kind == RetryDecision::Kind::retry);
}

TEST_CASE("Retry-After lengthens a delay within bounds but never shortens it") {
  RetryPolicy policy;
  policy.jitter = 0;
  std::mt19937_64 random(1);
  CHECK((decide_retry(policy, 1, now, far, seconds{120}, random).at - now) == seconds{120});
  CHECK((decide_retry(policy, 3, now, far, seconds{10}, random).at - now) == seconds{1800});
  CHECK((decide_retry(policy, 1, now, far, seconds{7 * 86400}, random).at - now) == seconds{12 * 3600});
  // Retry-After never pushes a reminder past its window's close.
  CHECK(decide_retry(policy, 1, now, now + seconds{3600}, seconds{7200}, random).kind == RetryDecision::Kind::expired);
}
