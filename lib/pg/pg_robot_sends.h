#pragma once
// The chat robots' rate limits across every node of a database (issue "Several daemons on one
// PostgreSQL"): each claim of a robot message records a send in `endpoint_sends`, by the
// server's clock, and a claim takes a robot message only while its platform's limits
// (domain/send_limits.h) leave a slot for the sends every node recorded. Claims run one at a
// time (pg_delivery.cc), so no two nodes take the same slot. A platform's own "slow down" reply
// (DingTalk's 130101: the robot is throttled 10 minutes, and every send before the end prolongs
// it) is recorded in `endpoint_blocks`, and no node claims for that robot until it ends. Each
// node's dispatcher still keeps its own limiter too (delivery/rate_limit.h).
// Internal to lib/pg.

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "domain/endpoint.h"
#include "pg/pg_store_support.h"
#include "store/records.h"

namespace deadline::pg {

class RobotSendSlots {
 public:
  // Reads the recent sends of the robot endpoints among `candidates` (the endpoint id in column
  // `endpoint_column`, its kind's name in `kind_column`) not read before in this claim.
  void read(PgTransaction& tx, const PgResult& candidates, int endpoint_column, int kind_column);
  // Whether a message of `kind` to `endpoint` fits its platform's limits now; take() uses the slot.
  bool available(std::int64_t endpoint, EndpointKind kind) const;
  void take(std::int64_t endpoint, EndpointKind kind);

 private:
  std::unordered_map<std::int64_t, int> free_;  // robot endpoint → sends its limits still allow
};

// A send now for each robot message of `claimed`; sends older than any limit looks at go.
void record_robot_sends(PgTransaction& tx, const std::vector<store::OutboundMessage>& claimed);

// The attempts of `results` are over: their sends count from now. A message claimed at T may be
// sent some seconds later (it waits for its node's earlier requests to the robot): counting it
// from its claim would free its slot too early, counting it from the end of its attempt never
// does. A result that says the platform throttles its endpoint blocks the endpoint for every
// node (AttemptResult::endpoint_blocked_for, from now by the server's clock).
void finish_robot_sends(PgTransaction& tx, const std::vector<store::AttemptResult>& results);

}  // namespace deadline::pg
