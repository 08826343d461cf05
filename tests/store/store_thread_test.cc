// The store thread's two lanes (store/store_thread.h): a request's work runs before background
// work that was queued earlier, and background work runs one task at a time in its own order.

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "store/store_thread.h"
#include "test_support.h"

using namespace deadline;
using store::Lane;

TEST_CASE("the store thread runs waiting requests before queued background work") {
  const test::TempDir dir;
  auto opened = store::SqliteStore::open(dir / "db.sqlite");
  REQUIRE(opened.ok());
  store::StoreThread thread(std::move(opened.value()));
  boost::asio::io_context replies;

  // A background task holds the thread until the others are queued behind it.
  std::mutex mutex;
  std::condition_variable released;
  bool started = false, go = false;
  std::vector<std::string> order;  // written on the store thread only
  const auto note = [&order](std::string what) {
    return [&order, what](store::Store&) {
      order.push_back(what);
      return 0;
    };
  };
  thread.run(
      [&](store::Store&) {
        std::unique_lock<std::mutex> lock(mutex);
        started = true;
        released.notify_all();
        released.wait(lock, [&] { return go; });
        order.push_back("running background");
        return 0;
      },
      replies, [](int) {}, Lane::background);
  {
    std::unique_lock<std::mutex> lock(mutex);
    released.wait(lock, [&] { return started; });
  }
  thread.run(note("background 1"), replies, [](int) {}, Lane::background);
  thread.run(note("background 2"), replies, [](int) {}, Lane::background);
  thread.run(note("request 1"), replies, [](int) {});
  thread.run(note("request 2"), replies, [](int) {}, Lane::requests);
  {
    const std::lock_guard<std::mutex> lock(mutex);
    go = true;
  }
  released.notify_all();
  thread.stop();  // finishes everything queued
  CHECK(order == std::vector<std::string>{"running background", "request 1", "request 2", "background 1",
                                          "background 2"});
  CHECK(replies.run() == 5);  // every result came back
}
