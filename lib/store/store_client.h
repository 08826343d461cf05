#pragma once
// A client's handle on the store thread that shows it only its own interface: the scheduler
// holds a StoreClient<SchedulingStore>, the dispatcher a StoreClient<OutboxStore>, and so on
// (store.h). Work runs on the store thread exactly as StoreThread runs it.

#include <utility>

#include "store/store_thread.h"

namespace deadline::store {

template <class Interface>
class StoreClient {
 public:
  StoreClient(StoreThread& thread) : thread_(&thread) {}  // NOLINT: implicit, a narrowing view
  // A client whose work is background work (store_thread.h): the scheduler, the dispatcher.
  StoreClient(StoreThread& thread, Lane lane) : thread_(&thread), lane_(lane) {}

  // Runs `work(Interface&)` on the store thread, then `done(result)` on `reply_to`.
  template <class Work, class Done>
  void run(Work work, boost::asio::io_context& reply_to, Done done) {
    thread_->run([work = std::move(work)](Store& s) mutable { return work(static_cast<Interface&>(s)); }, reply_to,
                 std::move(done), lane_);
  }

  // Runs `work(Interface&)` on the store thread and waits for its result (start-up only; see
  // StoreThread::call).
  template <class Work>
  auto call(Work work) -> decltype(work(std::declval<Interface&>())) {
    return thread_->call([&work](Store& s) { return work(static_cast<Interface&>(s)); });
  }

 private:
  StoreThread* thread_;
  Lane lane_ = Lane::requests;
};

}  // namespace deadline::store
