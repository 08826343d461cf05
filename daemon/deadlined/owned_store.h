#pragma once
// The daemon's database, opened and held: on SQLite a lock on the file (store/database_lock.h),
// for this daemon alone, so a second daemon on it refuses to start, naming the holder. On
// PostgreSQL the owner lock in node mode (pg/owner_lock.h), shared with the other daemons of
// the database and refused to offline deadlinectl verbs; this daemon registers as a node
// (pg/node_registry.h), refusing to start when its link keys do not fit the running nodes'. Its
// own thread keeps the lock and beats for the node; losing the lock pauses firing and sending
// until it is held again (pg/owner_lock_keeper.h, store/gated_store.h).

#include <atomic>
#include <memory>
#include <optional>

#include "base/result.h"
#include "config/config.h"
#include "pg/node_registry.h"
#include "pg/owner_lock_keeper.h"
#include "store/database_lock.h"
#include "store/store.h"
#include "subscription/tokens.h"

namespace deadline::daemon {

struct OwnedStore {
  std::unique_ptr<store::Store> store;  // handed to the daemon; the locks below outlive it
  std::optional<store::DatabaseLock> file_lock;
  std::optional<pg::OwnerLock> node_lock;           // PostgreSQL, until join_as_node
  std::unique_ptr<pg::OwnerLockKeeper> owner_lock;  // PostgreSQL, from join_as_node on
  pg::NodeIdentity node;                            // PostgreSQL: this node (its id is the store's claimant)
  // PostgreSQL, from join_as_node on: open while this node runs the database's calendar (the
  // daemon closes it while its calendar files differ, daemon.cc watch_calendar_authority).
  std::shared_ptr<std::atomic<bool>> calendar_gate;
};

// Opens and locks the database; on PostgreSQL the node is not registered yet (the link keys are
// read only once the database is known to be there).
Result<OwnedStore> open_owned_store(const Config& config);

// PostgreSQL: registers this daemon as a node with `keys`, the link keys it signs and verifies
// with (their fingerprints are compared with the running nodes'), and starts the thread that
// keeps its lock and beats; the store pauses firing and sending while the lock is lost. SQLite:
// nothing to do.
Status join_as_node(OwnedStore& owned, const subscription::KeyRing& keys);

}  // namespace deadline::daemon
