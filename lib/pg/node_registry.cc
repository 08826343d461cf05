#include "pg/node_registry.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "base/sha256.h"
#include "pg/pg_store_support.h"

namespace deadline::pg {

namespace {

// "nodesreg": registrations run one at a time, so two nodes starting together with rings that
// do not fit cannot both pass the check before either is written.
constexpr std::int64_t kRegistrationLockKey = 0x6e6f646573726567;

const char* const kServerNow = "extract(epoch FROM clock_timestamp())::bigint";

bool holds(const std::vector<std::string>& ring, const std::string& fingerprint) {
  return std::find(ring.begin(), ring.end(), fingerprint) != ring.end();
}

// "{a,b}" as PostgreSQL prints a text[] of fingerprints (digits, letters and ':' only: never
// quoted).
std::vector<std::string> parse_fingerprints(const std::string& array) {
  std::vector<std::string> out;
  std::string item;
  for (const char c : array) {
    if (c == '{') continue;
    if (c == ',' || c == '}') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

std::string key_id_of(const std::string& fingerprint) { return fingerprint.substr(0, fingerprint.find(':')); }

Status refuse_unfit(PgTransaction& tx, const NodeIdentity& node) {
  const PgResult live = tx.exec(std::string("SELECT host, pid, id, key_fingerprints, signing_key FROM nodes ") +
                                    "WHERE id <> $1 AND seen_at >= " + kServerNow + " - $2::bigint ORDER BY started_at",
                                args(node.id, static_cast<std::int64_t>(kNodeLiveFor.count())));
  for (int i = 0; i < live.rows(); ++i) {
    const std::string other = live.text(i, 0) + " pid " + live.text(i, 1) + " (node " + live.text(i, 2) + ")";
    const std::vector<std::string> ring = parse_fingerprints(live.text(i, 3));
    if (!holds(ring, node.signing_key)) {
      return Status::failure(node.key_file + ": this node's signing key (id " + key_id_of(node.signing_key) +
                             ") is not in the key ring of running node " + other +
                             ": links signed here would not verify there. Add the key to every node's key file "
                             "first, then make it the signing key (docs/operations.md, \"Several nodes\")");
    }
    const std::string theirs = live.text(i, 4);
    if (!holds(node.key_fingerprints, theirs)) {
      return Status::failure(node.key_file + ": lacks the signing key (id " + key_id_of(theirs) +
                             ") of running node " + other +
                             ": links it signs would not verify here. Copy its key file to this node "
                             "(docs/operations.md, \"Several nodes\")");
    }
  }
  return ok_status();
}

void write_row(PgTransaction& tx, const NodeIdentity& node) {
  PgArray ring;
  for (const std::string& f : node.key_fingerprints) ring.add(f);
  tx.exec(std::string("INSERT INTO nodes (id, host, pid, started_at, seen_at, key_file, key_fingerprints, "
                      "signing_key) VALUES ($1, $2, $3, ") +
              kServerNow + ", " + kServerNow + ", $4, $5::text[], $6) ON CONFLICT (id) DO UPDATE SET seen_at = " +
              kServerNow,
          args(node.id, node.host, node.pid, node.key_file, ring, node.signing_key));
}

// Runs `body` in a transaction on `connection`: committed when it succeeds, rolled back when
// it refuses or a statement fails (PgError).
template <typename Body>
Status in_transaction(PgConnection& connection, const char* what, Body body) {
  try {
    PgTransaction tx(connection);
    Status outcome = body(tx);
    if (outcome) tx.commit();
    return outcome;
  } catch (const PgError& e) {
    return Status::failure(std::string(what) + ": " + e.what());
  }
}

}  // namespace

std::string new_node_id() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a node id");
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)).substr(0, 16);
}

Status register_node(PgConnection& connection, const NodeIdentity& node) {
  return in_transaction(connection, "registering this node", [&](PgTransaction& tx) {
    tx.exec("SELECT pg_advisory_xact_lock($1::bigint)", args(kRegistrationLockKey));
    if (Status fits = refuse_unfit(tx, node); !fits) return fits;
    write_row(tx, node);
    // Nodes gone for an hour are forgotten: the table stays the size of the cluster.
    tx.exec(std::string("DELETE FROM nodes WHERE seen_at < ") + kServerNow + " - 3600");
    return ok_status();
  });
}

Status beat(PgConnection& connection, const NodeIdentity& node) {
  return in_transaction(connection, "this node's heartbeat", [&](PgTransaction& tx) {
    const PgResult seen =
        tx.exec(std::string("UPDATE nodes SET seen_at = ") + kServerNow + " WHERE id = $1", args(node.id));
    if (seen.affected() == 0) write_row(tx, node);
    // Only leases a third spent are written again: a beat a second does not rewrite every
    // in-flight row every second.
    const auto lease = static_cast<std::int64_t>(node.claim_lease.count());
    tx.exec(std::string("UPDATE messages SET lease_until = ") + kServerNow + " + $2::bigint " +
                "WHERE claimed_by = $1 AND state = 'sending' AND lease_until < " + kServerNow +
                " + $2::bigint * 2 / 3",
            args(node.id, lease));
    return ok_status();
  });
}

void leave(PgConnection& connection, const std::string& node_id) {
  (void)connection.exec("DELETE FROM nodes WHERE id = $1", {node_id});
}

Result<std::vector<std::string>> running_nodes(PgConnection& connection) {
  using R = Result<std::vector<std::string>>;
  const auto exists = connection.exec("SELECT to_regclass('nodes') IS NOT NULL");
  if (!exists) return R::failure(exists.error());
  std::vector<std::string> out;
  if (!exists->boolean(0, 0)) return R::success(out);
  const auto live = connection.exec(std::string("SELECT host, pid, id FROM nodes WHERE seen_at >= ") + kServerNow +
                                        " - $1::bigint ORDER BY started_at",
                                    {std::to_string(kNodeLiveFor.count())});
  if (!live) return R::failure(live.error());
  for (int i = 0; i < live->rows(); ++i) {
    out.push_back(live->text(i, 0) + " pid " + live->text(i, 1) + " (node " + live->text(i, 2) + ")");
  }
  return R::success(out);
}

}  // namespace deadline::pg
