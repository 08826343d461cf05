#pragma once
// Per-endpoint send limits (the chat robots': WeCom and DingTalk take at most 20 messages a
// minute, Feishu 5 a second and 100 a minute). Pure: no clock, no I/O; the dispatcher asks before
// each send and records each send, with its own clock's reading.
//
// A limit {messages, per} allows at most `messages` sends in any window of `per`. Instants are
// whole seconds (time/instant.h) and a send recorded at T happened somewhere in [T, T+1): so a
// slot taken at T is free again at T + per + 1 s, never earlier. That second of margin is what
// keeps "at most 20 in any real minute" true whatever fraction of a second the clock had dropped.
//
// An endpoint may also be blocked until an instant (a platform said it throttles the robot:
// DingTalk's 130101 stops a robot for 10 minutes); sending earlier only prolongs it.
//
// State is in memory: a restart starts every endpoint with free slots. On PostgreSQL the
// claims also count every node's sends (domain/send_limits.h) and every node's blocks
// (pg_robot_sends.h), so the limits hold across nodes.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "domain/send_limits.h"
#include "time/instant.h"

namespace deadline::delivery {

using RateLimit = SendLimit;  // domain/send_limits.h

class RateLimiter {
 public:
  // The limits `endpoint` is held to from now on (replacing earlier ones). An endpoint never
  // given limits, or given none, is not limited (but can still be blocked).
  void set_limits(std::int64_t endpoint, const std::vector<RateLimit>& limits);

  // nullopt when a message to `endpoint` may be sent at `now`; otherwise the earliest instant a
  // send fits every limit (and any block has ended).
  std::optional<Instant> next_free(std::int64_t endpoint, Instant now) const;

  // A send to `endpoint` at `now`. Forgets sends no limit can see any more.
  void record(std::int64_t endpoint, Instant now);

  // No send to `endpoint` before `until` (a platform's own back-off). A shorter block than one in
  // force changes nothing.
  void block(std::int64_t endpoint, Instant until);

  // Endpoints with state kept: one per endpoint that has limits or a block in force (a block is
  // forgotten at the endpoint's next send after it ends).
  std::size_t tracked() const { return endpoints_.size(); }

 private:
  struct State {
    std::vector<RateLimit> limits;
    std::deque<Instant> sends;              // ascending as recorded
    std::optional<Instant> blocked_until;
  };
  std::map<std::int64_t, State> endpoints_;
};

}  // namespace deadline::delivery
