#pragma once
// Every store call runs on one dedicated thread, so a fan-out to a million endpoints never
// stalls HTTP, timers or watchdog pings on the network thread. Work is posted with the store;
// its result is posted back to the caller's io_context.
//
// Two lanes: a request's work (a subscription, a page, the admin API) always runs before
// background work (the scheduler's passes and fan-out chunks, the dispatcher's claims and
// results), which runs one task at a time whenever no request waits. So a request waits for at
// most the one background task already running (a chunk of a fan-out), never for a queue of
// them; background work waits while requests come, which HTTP's own limits bound.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <pthread.h>

#include <future>
#include <thread>
#include <utility>

#include "store/store.h"

namespace deadline::store {

enum class Lane { requests, background };

class StoreThread {
 public:
  explicit StoreThread(std::unique_ptr<Store> store)
      : store_(std::move(store)), guard_(io_.get_executor()), thread_([this] {
          pthread_setname_np(pthread_self(), "store");  // for top, perf and gdb
          serve();
        }) {}

  // The store's reachable() (store.h): safe from any thread.
  bool reachable() const { return store_->reachable(); }

  // Finishes the work already queued, then joins.
  ~StoreThread() { stop(); }
  StoreThread(const StoreThread&) = delete;
  StoreThread& operator=(const StoreThread&) = delete;

  // Runs `work(Store&)` on the store thread, in `lane`, then `done(result)` on `reply_to`.
  template <class Work, class Done>
  void run(Work work, boost::asio::io_context& reply_to, Done done, Lane lane = Lane::requests) {
    auto task = [this, work = std::move(work), &reply_to, done = std::move(done)]() mutable {
      auto result = work(*store_);
      boost::asio::post(reply_to, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    };
    if (lane == Lane::requests) {
      boost::asio::post(io_, std::move(task));
      return;
    }
    {
      const std::lock_guard<std::mutex> lock(background_mutex_);
      // std::function needs a copyable callable: the task is kept behind a shared_ptr.
      background_.emplace_back([shared = std::make_shared<decltype(task)>(std::move(task))] { (*shared)(); });
    }
    boost::asio::post(io_, [] {});  // wakes the thread if it waits for requests
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
  // Every waiting request, then one background task; waits when there is neither.
  void serve() {
    for (;;) {
      io_.poll();
      if (std::function<void()> task = take_background()) {
        task();
        continue;
      }
      if (io_.run_one() == 0) return;  // stopped and nothing left
    }
  }

  std::function<void()> take_background() {
    const std::lock_guard<std::mutex> lock(background_mutex_);
    if (background_.empty()) return {};
    std::function<void()> task = std::move(background_.front());
    background_.pop_front();
    return task;
  }

  std::unique_ptr<Store> store_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::mutex background_mutex_;
  std::deque<std::function<void()>> background_;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace deadline::store
