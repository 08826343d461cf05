#pragma once
// The rules operators tune in deadlined.toml ([retention], [health], [subscribe]) and the store
// applies.

#include <chrono>

namespace deadline {

// Endpoints per chunk of a fan-out unless [schedule] fanout_chunk_endpoints says otherwise: about
// 70 ms of store-thread time on 2 cores, what anything else waits behind a fan-out at most.
inline constexpr int kDefaultFanoutChunk = 2000;

struct RetentionPolicy {
  int finished_message_days = 90;         // delivered, dead and expired messages
  int unsubscribed_days = 30;             // then personal data goes, a hash stays
};

// How often one address may be mailed a confirmation: a form anyone can fill in must not become
// a way to flood an inbox.
struct ConfirmationMailPolicy {
  std::chrono::seconds min_interval{600};
  int max_per_day = 5;
};

struct EndpointHealthPolicy {
  std::chrono::seconds disable_after{72 * 3600};   // failing this long ...
  std::chrono::seconds failures_apart{3600};       // ... with failures at least this far apart
  int hard_failures_for_attention = 2;             // refusals in a row before needs_attention
  // The "failing" mail to the endpoint's owner: once per failing streak, when it has lasted this
  // long and this many attempts failed, so that one lost request or a receiver's short restart
  // tells nobody. A test message (lead "test") never sends it: its sender is looking already.
  std::chrono::seconds failing_notice_after{3600};
  int failing_notice_attempts = 2;
};

}  // namespace deadline
