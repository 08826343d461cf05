#pragma once
// The running daemons ("nodes") of one PostgreSQL database (issue "Several daemons on one
// PostgreSQL"), in its `nodes` table. Each node registers at start, beats every second on its
// owner-lock connection (owner_lock_keeper.h) and leaves at a clean stop; a node not seen for
// kNodeLiveFor is gone (killed, or its machine is), and its row is removed an hour later.
//
// What the table is for:
//  - Links signed on one node verify on every other. A node's row holds its link keys'
//    fingerprints (never a key): a node whose signing key is missing from a running node's
//    ring, or whose ring lacks a running node's signing key, refuses to start, naming its key
//    file. A rolling key rotation (add the new key everywhere, then make it the signing key
//    everywhere) passes both checks at every step.
//  - Claim leases (pg_delivery.cc): every beat extends the leases of the messages this node is
//    sending, so they end only when it stops beating.
// Times are the server's clock (Unix seconds): the nodes' own clocks may differ.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "pg/pg_connection.h"

namespace deadline::pg {

inline constexpr std::chrono::seconds kNodeLiveFor{15};

struct NodeIdentity {
  std::string id;                              // new at every start (random)
  std::string host;
  std::int64_t pid = 0;
  std::string key_file;                        // named when the ring does not fit
  std::vector<std::string> key_fingerprints;   // "ID:HEX" per key (subscription::key_fingerprint)
  std::string signing_key;                     // one of key_fingerprints
  std::chrono::seconds claim_lease{30};        // how long a claim outlives this node's last beat
};

// A random node id (16 hex digits).
std::string new_node_id();

// Registers `node` on `connection`, or refuses (nothing written) when its keys do not fit a
// running node's, naming both.
Status register_node(PgConnection& connection, const NodeIdentity& node);

// One beat: the node is seen now, and its claims' leases reach `claim_lease` ahead. Registers
// again when the row has gone (the node was away long enough to be forgotten).
Status beat(PgConnection& connection, const NodeIdentity& node);

// A clean stop: the row goes at once. Claims the node still holds keep their lease.
void leave(PgConnection& connection, const std::string& node_id);

// The running nodes, "host pid N (node ID)" each: what `deadlinectl` names when it must not run
// beside them.
Result<std::vector<std::string>> running_nodes(PgConnection& connection);

}  // namespace deadline::pg
