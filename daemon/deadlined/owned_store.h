#pragma once
// The daemon's database, opened and held for this daemon alone: on SQLite a lock on the file
// (store/database_lock.h), on PostgreSQL the owner lock, kept by its own thread, whose loss
// pauses firing and sending until it is held again (pg/owner_lock_keeper.h,
// store/gated_store.h). A second daemon on the same database refuses to start, naming the holder.

#include <memory>
#include <optional>

#include "base/result.h"
#include "config/config.h"
#include "pg/owner_lock_keeper.h"
#include "store/database_lock.h"
#include "store/store.h"

namespace deadline::daemon {

struct OwnedStore {
  std::unique_ptr<store::Store> store;  // handed to the daemon; the locks below outlive it
  std::optional<store::DatabaseLock> file_lock;
  std::unique_ptr<pg::OwnerLockKeeper> owner_lock;
};

Result<OwnedStore> open_owned_store(const Config& config);

}  // namespace deadline::daemon
