#pragma once
// The dispatcher drains the outbox: it claims ready messages on the store thread, has each
// endpoint kind's channel build the request, sends it through the HttpClient, decides from the
// answer (retry_policy.h), and records the outcomes in batches (one transaction for many
// results, not one fsync per message). Runs on the main io_context.
//
// A message is 'sending' from its claim until its outcome is recorded. If the process dies in
// between, the next start puts it back to 'retry' with the same id: a receiver may see it twice,
// never with a different id, and never not at all while its window is open.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "base/repeated_failure_log.h"
#include "calendar/calendar.h"
#include "delivery/channel.h"
#include "delivery/http_client.h"
#include "delivery/retry_policy.h"
#include "store/outbox_store.h"
#include "store/store_client.h"
#include "time/clock.h"

namespace deadline::delivery {

struct DispatcherOptions {
  int max_in_flight = 64;                        // requests at once, all endpoints
  int per_endpoint = 4;                          // requests at once to one endpoint
  // Messages claimed ahead of need, so sending goes on while the store thread commits results
  // (an fsync of a few milliseconds during which no claim could run).
  int claim_ahead = 256;
  std::chrono::milliseconds poll{1000};          // look for due retries at least this often
  // Results commit in groups: while one commit runs, the next results gather and go in one
  // transaction when it ends (one fsync per batch under load). `flush` > 0 also holds each group
  // that long to make it larger: since libcurl runs on its own thread, results come back in
  // small batches as fast as the receiver answers, and without the hold (0) the store thread
  // committed groups of about 20, at about 20 us of CPU per result; 5 ms gives groups of 50-80
  // and about 8 us (webhook_bench, 2026-12-05). A crash loses no result, only the record of it:
  // the message is sent again after the restart, with the same id.
  std::chrono::milliseconds flush{5};
  std::size_t flush_batch = 256;                 // commit at once when this many are waiting
  // After the store failed to record results (a full disk, say), how long they wait in memory
  // before the next try.
  std::chrono::milliseconds store_retry{1000};
  RetryPolicy retry;
  EndpointHealthPolicy health;
};

struct DispatcherCounters {
  std::int64_t delivered = 0, retried = 0, dead = 0, expired = 0, endpoints_disabled = 0;
  std::int64_t store_errors = 0;  // claims, releases and result records the store failed
};

class Dispatcher {
 public:
  Dispatcher(boost::asio::io_context& io, store::StoreClient<store::OutboxStore> store, HttpClient& client, const Clock& clock,
             std::function<std::shared_ptr<const Calendar>()> calendar,
             std::vector<std::unique_ptr<Channel>> channels, DispatcherOptions options);

  // Requeues what a previous run left 'sending', then starts draining.
  void start();
  // Something new may be ready (a fan-out just committed): look now rather than at the next poll.
  void wake();
  // Claims nothing more and gives back what it claimed ahead but did not send; `on_idle` runs
  // once requests in flight are answered and recorded.
  void stop(std::function<void()> on_idle);

  DispatcherCounters counters() const;

  // Runs on the io_context after each batch of results is committed (e.g. to mail the notices
  // the commit recorded).
  void on_recorded(std::function<void()> callback) { on_recorded_ = std::move(callback); }

 private:
  void claim();
  void send_ready();
  void release_ready();
  void send(store::OutboundMessage message);
  void finish(const store::OutboundMessage& message, const HttpResult* result, const std::string& build_error);
  // Not sent: the endpoint has no free slot before `at` (rate_limit.h). A retry at `at` that gives
  // the attempt back, or expired when `at` is past the message's expiry.
  void defer(const store::OutboundMessage& message, Instant at);
  void schedule_flush();
  void flush();
  void keep_for_retry(std::vector<store::AttemptResult> batch, const std::string& error);
  void arm_flush_at(std::chrono::steady_clock::time_point at);
  void count_store_error();
  void arm_poll();
  void check_idle();
  const Channel* channel_for(EndpointKind kind) const;

  boost::asio::io_context& io_;
  store::StoreClient<store::OutboxStore> store_;
  HttpClient& client_;
  const Clock& clock_;
  std::function<std::shared_ptr<const Calendar>()> calendar_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<EndpointKind> kinds_;
  DispatcherOptions options_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer flush_timer_;
  std::mt19937_64 random_;
  int in_flight_ = 0;
  bool claiming_ = false, claim_again_ = false, flushing_ = false, flush_armed_ = false, stopped_ = false;
  bool releasing_ = false;
  std::deque<store::OutboundMessage> ready_;       // claimed, not yet sent
  std::vector<store::AttemptResult> results_;
  std::chrono::steady_clock::time_point store_retry_at_{};  // no flush before it (keep_for_retry)
  log::RepeatedFailureLog claim_failures_{"dispatcher"};  // a store away or paused: not a line a claim
  RateLimiter rate_limiter_;                       // per endpoint: its channel's limits, platform blocks
  std::function<void()> on_idle_;
  std::function<void()> on_recorded_;
  mutable std::mutex counters_mutex_;
  DispatcherCounters counters_;
};

}  // namespace deadline::delivery
