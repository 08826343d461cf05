#pragma once
// HttpClient on libcurl's multi interface, driven by Asio: curl tells us which sockets to watch
// (CURLMOPT_SOCKETFUNCTION) and when to time out (CURLMOPT_TIMERFUNCTION); Asio waits on them and
// hands readiness back with curl_multi_socket_action. Everything runs on one io_context thread.

#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <vector>

#include "delivery/http_client.h"

namespace deadline::delivery {

struct CurlMultiOptions {
  long max_host_connections = 8;   // per receiver host: concurrency towards one receiver
  long max_total_connections = 64;
  std::string user_agent = "deadlined";
};

class CurlMultiClient final : public HttpClient {
 public:
  CurlMultiClient(boost::asio::io_context& io, CurlMultiOptions options = {});
  ~CurlMultiClient() override;  // abandons transfers in flight without calling their callbacks
  CurlMultiClient(const CurlMultiClient&) = delete;
  CurlMultiClient& operator=(const CurlMultiClient&) = delete;

  void post(HttpRequest request, std::function<void(HttpResult)> done) override;
  std::size_t in_flight() const override { return transfers_.size(); }

 public:
  struct Transfer;  // one request in flight (public for libcurl's C callbacks)

 private:
  struct Watch {
    explicit Watch(boost::asio::io_context& io) : descriptor(io) {}
    boost::asio::posix::stream_descriptor descriptor;
    int wanted = 0;               // CURL_POLL_IN / OUT / INOUT
    bool reading = false, writing = false;
  };

  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* client, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* client);
  static int on_close(void* client, curl_socket_t socket);
  void on_timeout();
  void watch(curl_socket_t socket, int what);
  void arm(curl_socket_t socket);
  void act(curl_socket_t socket, int events);
  void collect_finished();
  bool start_mail(Transfer& transfer);
  CURL* take_easy();
  void recycle_easy(CURL* easy);

  boost::asio::io_context& io_;
  CurlMultiOptions options_;
  CURLM* multi_;
  boost::asio::steady_timer timer_;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
  // A socket stays registered with the reactor from its first watch until curl closes it
  // (CURLOPT_CLOSESOCKETFUNCTION), not just while a transfer uses it: kept-alive connections
  // would otherwise be added to and removed from epoll for every request.
  std::map<curl_socket_t, std::unique_ptr<Watch>> watches_;
  bool timeout_posted_ = false;
  // Finished easy handles, reset and kept for the next requests: creating one costs several
  // allocations of kilobytes, more than the rest of a small POST's client-side work.
  std::vector<CURL*> idle_easies_;
};

}  // namespace deadline::delivery
