#pragma once
// Keeps the daemon's owner lock (owner_lock.h) and says whether it holds it, and beats for the
// node on the lock's connection (node_registry.h) while it does. A thread of its own
// asks the server every `interval` whether the lock's session still holds it; when that session
// is lost (the server restarted, pg_terminate_backend, a network cut), the gate closes at once,
// so firing and claiming pause (store/gated_store.h), and the keeper takes the lock again on a
// new connection as soon as the server answers and no other daemon holds it; then the gate
// opens. Each change is logged once. Its own thread, because a check on a dead server waits up
// to the connect timeout, which must not stall the network thread or the store thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "pg/owner_lock.h"

namespace deadline::pg {

// What the keeper does for its node on the lock's connection: `beat` every interval while the
// lock is held (a failure is logged once per distinct reason), `leave` when it stops.
struct NodeBeat {
  std::function<Status(PgConnection&)> beat;
  std::function<void(PgConnection&)> leave;
};

class OwnerLockKeeper {
 public:
  OwnerLockKeeper(OwnerLock lock, NodeBeat node = {}, std::chrono::milliseconds interval = std::chrono::seconds{1});
  ~OwnerLockKeeper();  // stops the thread, then leaves; the lock goes with its connection
  OwnerLockKeeper(const OwnerLockKeeper&) = delete;
  OwnerLockKeeper& operator=(const OwnerLockKeeper&) = delete;

  // Open while the lock is held: what a GatedStore reads.
  std::shared_ptr<const std::atomic<bool>> gate() const { return held_; }

 private:
  void keep();

  void beat();

  OwnerLock lock_;
  NodeBeat node_;
  std::chrono::milliseconds interval_;
  std::string last_beat_failure_;
  std::shared_ptr<std::atomic<bool>> held_ = std::make_shared<std::atomic<bool>>(true);
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything it reads is ready
};

}  // namespace deadline::pg
