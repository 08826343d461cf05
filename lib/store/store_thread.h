#pragma once
// Every store call runs on one dedicated thread, so a fan-out to a million endpoints never
// stalls HTTP, timers or watchdog pings on the network thread. Work is posted with the store;
// its result is posted back to the caller's io_context.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <pthread.h>

#include <future>
#include <thread>
#include <utility>

#include "store/store.h"

namespace deadline::store {

class StoreThread {
 public:
  explicit StoreThread(std::unique_ptr<Store> store)
      : store_(std::move(store)), guard_(io_.get_executor()), thread_([this] {
          pthread_setname_np(pthread_self(), "store");  // for top, perf and gdb
          io_.run();
        }) {}

  // Finishes the work already queued, then joins.
  ~StoreThread() { stop(); }
  StoreThread(const StoreThread&) = delete;
  StoreThread& operator=(const StoreThread&) = delete;

  // Runs `work(Store&)` on the store thread, then `done(result)` on `reply_to`.
  template <class Work, class Done>
  void run(Work work, boost::asio::io_context& reply_to, Done done) {
    boost::asio::post(io_, [this, work = std::move(work), &reply_to, done = std::move(done)]() mutable {
      auto result = work(*store_);
      boost::asio::post(reply_to, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    });
  }

  // Runs `work(Store&)` on the store thread and waits for its result: for start-up, before the
  // event loop runs. Never call it from work already on the store thread (it would wait forever).
  template <class Work>
  auto call(Work work) -> decltype(work(std::declval<Store&>())) {
    std::packaged_task<decltype(work(std::declval<Store&>()))()> task([this, &work] { return work(*store_); });
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  void stop() {
    guard_.reset();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::unique_ptr<Store> store_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace deadline::store
