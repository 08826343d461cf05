#pragma once
// Watches a benchmark's dispatcher run: every 100 ms it reads the dispatcher's counters and stops
// the io_context, saying why in failure(), as soon as any message was not delivered at its first
// attempt (a retry would wait seconds or minutes, and the figure would mean nothing) or the run
// has gone on past `give_up_at`. webhook_bench, slow_webhook_bench and email_bench use it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "delivery/dispatcher.h"

namespace deadline::bench {

class FirstAttemptWatch {
 public:
  FirstAttemptWatch(boost::asio::io_context& io, const delivery::Dispatcher& dispatcher, std::int64_t messages,
                    std::chrono::steady_clock::time_point give_up_at)
      : io_(io), timer_(io), dispatcher_(dispatcher), messages_(messages), give_up_at_(give_up_at) {}

  void start() {
    timer_.expires_after(std::chrono::milliseconds{100});
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const delivery::DispatcherCounters c = dispatcher_.counters();
      if (c.retried + c.dead + c.expired + c.endpoints_disabled > 0) {
        failure_ = "the dispatcher did not deliver every message at the first attempt: " + std::to_string(c.retried) +
                   " retried, " + std::to_string(c.dead) + " dead, " + std::to_string(c.expired) +
                   " expired (see the log above)";
      } else if (std::chrono::steady_clock::now() > give_up_at_) {
        failure_ = "gave up waiting: " + std::to_string(c.delivered) + " of " + std::to_string(messages_) + " delivered";
      }
      if (!failure_.empty()) return io_.stop();  // abandon whatever is in flight
      start();
    });
  }
  void cancel() { timer_.cancel(); }
  const std::string& failure() const { return failure_; }

 private:
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  const delivery::Dispatcher& dispatcher_;
  std::int64_t messages_;
  std::chrono::steady_clock::time_point give_up_at_;
  std::string failure_;
};

}  // namespace deadline::bench
