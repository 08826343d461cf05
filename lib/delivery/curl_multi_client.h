#pragma once
// HttpClient on libcurl's multi interface, on a delivery thread of its own: the thread loops on
// curl_multi_perform / curl_multi_poll, the way libcurl is cheapest to drive. Requests are handed
// in and results handed out in batches (a vector swapped under a mutex, one curl_multi_wakeup or
// one io_context post per batch, not per request), so the caller's thread pays a few hundred
// nanoseconds per request and libcurl's work (the easy handle's options, the socket I/O) runs on
// the delivery thread. Measured against driving libcurl from Asio's socket callbacks
// (bench/README.md, webhook_bench): the Asio path cost about 18 us more CPU per request.
//
// Callbacks (`done`) run on the io_context given here, as HttpClient promises. While requests are
// in flight the client holds work on that io_context, so io_context::run() does not return under
// them.

#include <curl/curl.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "delivery/curl_transfer.h"
#include "delivery/http_client.h"

namespace deadline::delivery {

struct CurlMultiOptions {
  long max_host_connections = 8;   // per receiver host and port: concurrency towards one receiver
  long max_total_connections = 64;
  std::string user_agent = "deadlined";
};

class CurlMultiClient final : public HttpClient {
 public:
  CurlMultiClient(boost::asio::io_context& io, CurlMultiOptions options = {});
  ~CurlMultiClient() override;  // abandons transfers in flight without calling their callbacks
  CurlMultiClient(const CurlMultiClient&) = delete;
  CurlMultiClient& operator=(const CurlMultiClient&) = delete;

  // Call on the io_context's thread.
  void post(HttpRequest request, std::function<void(HttpResult)> done) override;
  std::size_t in_flight() const override { return in_flight_.load(std::memory_order_relaxed); }

 private:
  // What the two threads share: requests handed in, results handed out. Held by a shared_ptr so
  // that a hand-out already posted to the io_context finds it after the client is gone.
  struct Mailbox {
    std::mutex mutex;
    std::vector<std::unique_ptr<CurlTransfer>> incoming;   // to the delivery thread
    std::vector<std::unique_ptr<CurlTransfer>> finished;   // to the io_context
    bool stopping = false;                                 // the delivery thread ends
    bool abandoned = false;                                // the client is gone: call nothing
  };

  void run();                                              // the delivery thread
  void start(std::unique_ptr<CurlTransfer> transfer, std::vector<std::unique_ptr<CurlTransfer>>& finished);
  void collect(std::vector<std::unique_ptr<CurlTransfer>>& finished);
  void hand_out(std::vector<std::unique_ptr<CurlTransfer>>& finished);
  static void deliver(const std::shared_ptr<Mailbox>& mailbox, CurlMultiClient* client);
  CURL* take_easy();
  void recycle_easy(CURL* easy);

  boost::asio::io_context& io_;
  CurlMultiOptions options_;
  CURLM* multi_;
  std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
  std::atomic<std::size_t> in_flight_{0};
  // io_context thread only: keeps run() going while anything is in flight.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;

  // Delivery thread only.
  std::unordered_map<CURL*, std::unique_ptr<CurlTransfer>> transfers_;
  // Finished easy handles, reset and kept for the next requests: creating one costs several
  // allocations of kilobytes, more than the rest of a small POST's client-side work.
  std::vector<CURL*> idle_easies_;

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace deadline::delivery
