#include "pg/owner_lock_keeper.h"

#include <pthread.h>

#include "base/log.h"

namespace deadline::pg {

OwnerLockKeeper::OwnerLockKeeper(OwnerLock lock, NodeBeat node, std::chrono::milliseconds interval)
    : lock_(std::move(lock)), node_(std::move(node)), interval_(interval), thread_([this] {
        pthread_setname_np(pthread_self(), "owner-lock");
        keep();
      }) {}

OwnerLockKeeper::~OwnerLockKeeper() {
  {
    const std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (node_.leave && held_->load()) node_.leave(lock_.connection());
}

void OwnerLockKeeper::beat() {
  if (!node_.beat) return;
  const Status beaten = node_.beat(lock_.connection());
  if (beaten) {
    if (!last_beat_failure_.empty()) log::info("store", "this node's heartbeat works again");
    last_beat_failure_.clear();
  } else if (beaten.error() != last_beat_failure_) {
    last_beat_failure_ = beaten.error();
    log::warning("store", beaten.error());
  }
}

void OwnerLockKeeper::keep() {
  std::unique_lock<std::mutex> guard(mutex_);
  std::string last_refusal;
  while (!wake_.wait_for(guard, interval_, [this] { return stopping_; })) {
    guard.unlock();  // the checks talk to the server; the destructor must not wait on them
    if (held_->load()) {
      if (!lock_.held()) {
        held_->store(false, std::memory_order_release);
        log::warning("store", "lost the database's owner lock (its connection is gone): firing and sending "
                              "pause until it is held again");
      }
    }
    if (!held_->load()) {
      if (const Status again = lock_.reacquire(); again) {
        held_->store(true, std::memory_order_release);
        last_refusal.clear();
        log::info("store", "holding the database's owner lock again: firing and sending resume");
      } else if (again.error() != last_refusal) {
        last_refusal = again.error();  // logged once per distinct reason, not every second
        log::warning("store", "cannot take the owner lock back yet: " + again.error());
      }
    }
    if (held_->load()) beat();
    guard.lock();
  }
}

}  // namespace deadline::pg
