#pragma once
// HttpClient on libcurl's multi interface, on a delivery thread of its own. The thread waits in
// epoll on the sockets libcurl names (CURLMOPT_SOCKETFUNCTION) until libcurl's next timeout
// (CURLMOPT_TIMERFUNCTION), and hands readiness back with curl_multi_socket_action: the cost of
// a wake-up follows the sockets that are ready, not all those open (curl_multi_poll looks at
// every transfer's sockets each time, which at 1,000 slow receivers' connections cost more than
// the requests themselves). Requests are handed in and results handed out in batches (a vector
// swapped under a mutex, one eventfd write or one io_context post per batch, not per request),
// so the caller's thread pays about a microsecond per request and libcurl's work runs on
// the delivery thread. Driving libcurl from Asio's socket callbacks on the main thread instead
// cost about 20 us more CPU per request (bench/README.md, webhook_bench).
//
// Callbacks (`done`) run on the io_context given here, as HttpClient promises. While requests are
// in flight the client holds work on that io_context, so io_context::run() does not return under
// them.

#include <curl/curl.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <cstdint>
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
  void wake();                                             // any thread: look at the mailbox
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* client, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* client);
  static int on_close(void* client, curl_socket_t socket);
  int wait_ms() const;                                     // until libcurl's timeout, or -1
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

  int epoll_ = -1;
  int wake_ = -1;                                          // eventfd: requests are waiting

  // Delivery thread only.
  std::optional<std::chrono::steady_clock::time_point> timeout_at_;  // libcurl's, if any
  // Each socket stays in the epoll set from its first use until libcurl closes it (on_close), not
  // only while a transfer waits on it: a kept-alive connection costs one epoll_ctl per request
  // (MOD as the next transfer starts waiting on it), not an ADD and a DEL. Idle, it stays
  // registered as it was; if the receiver closes it meanwhile, the event finds it unwanted and it
  // leaves the set.
  struct Socket {
    std::uint32_t registered = 0;  // the events epoll watches for it
    bool wanted = false;           // libcurl waits on it now
  };
  std::unordered_map<curl_socket_t, Socket> sockets_;
  std::unordered_map<CURL*, std::unique_ptr<CurlTransfer>> transfers_;
  // Finished easy handles, reset and kept for the next requests: creating one costs several
  // allocations of kilobytes, more than the rest of a small POST's client-side work.
  std::vector<CURL*> idle_easies_;

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace deadline::delivery
