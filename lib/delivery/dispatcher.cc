#include "delivery/dispatcher.h"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "base/log.h"
#include "delivery/outbound_url.h"
#include "time/iso8601.h"

namespace deadline::delivery {

namespace {

using store::AttemptResult;

// Logs show where a message went by scheme and host only: paths and queries of webhook and
// robot URLs hold secrets.
std::string where(const store::OutboundMessage& m) {
  return "endpoint " + std::to_string(m.endpoint_id) + " (" + redact_url(m.address) + ")";
}

// A test reminder its owner asked for, and nothing else (OutboundMessage::items' leads).
bool only_test_reminders(const store::OutboundMessage& m) {
  return !m.items.empty() && m.changes.empty() &&
         std::all_of(m.items.begin(), m.items.end(), [](const store::DeliveryItem& i) { return i.lead == kTestLead; });
}

std::optional<std::chrono::seconds> longer_wait(std::optional<std::chrono::seconds> a,
                                               std::optional<std::chrono::seconds> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

}  // namespace

Dispatcher::Dispatcher(boost::asio::io_context& io, store::StoreClient<store::OutboxStore> store, HttpClient& client, const Clock& clock,
                       std::function<std::shared_ptr<const Calendar>()> calendar,
                       std::vector<std::unique_ptr<Channel>> channels, DispatcherOptions options)
    : io_(io),
      store_(store),
      client_(client),
      clock_(clock),
      calendar_(std::move(calendar)),
      channels_(std::move(channels)),
      options_(std::move(options)),
      poll_timer_(io),
      flush_timer_(io),
      random_(std::random_device{}()) {
  for (const auto& c : channels_) kinds_.push_back(c->kind());
}

void Dispatcher::start() {
  const Instant now = clock_.now();
  store_.run([now](store::OutboxStore& s) { return s.requeue_interrupted(now); }, io_,
             [this](Result<std::int64_t> requeued) {
               if (!requeued) {
                 log::error("dispatcher", requeued.error());
               } else if (*requeued > 0) {
                 log::warning("dispatcher", std::to_string(*requeued) +
                                                " message(s) were being sent when the last run ended: sending again "
                                                "with the same id");
               }
               claim();
             });
}

void Dispatcher::wake() {
  if (!stopped_) boost::asio::post(io_, [this] { claim(); });
}

void Dispatcher::stop(std::function<void()> on_idle) {
  stopped_ = true;
  poll_timer_.cancel();
  release_ready();
  on_idle_ = std::move(on_idle);
  check_idle();
}

void Dispatcher::count_store_error() {
  const std::lock_guard<std::mutex> lock(counters_mutex_);
  ++counters_.store_errors;
}

DispatcherCounters Dispatcher::counters() const {
  const std::lock_guard<std::mutex> lock(counters_mutex_);
  return counters_;
}

void Dispatcher::claim() {
  if (stopped_) return;
  if (claiming_) {
    claim_again_ = true;
    return;
  }
  const int room = options_.max_in_flight + options_.claim_ahead - in_flight_ - static_cast<int>(ready_.size());
  // Claims come in batches: each claim is a transaction whose cost is mostly per page touched,
  // so a few large ones cost less than many small ones. With nothing ready to send, any room
  // is enough.
  if (room <= 0 || (room < options_.claim_ahead / 4 && !ready_.empty())) return;  // a finished request claims again
  claiming_ = true;
  const Instant now = clock_.now();
  store_.run(
      [now, kinds = kinds_, room, per_endpoint = options_.per_endpoint](store::OutboxStore& s) {
        return s.claim_ready(now, kinds, room, per_endpoint);
      },
      io_, [this, room](Result<std::vector<store::OutboundMessage>> claimed) {
        claiming_ = false;
        if (!claimed) {
          claim_failures_.failure(claimed.error());
          count_store_error();
        } else {
          claim_failures_.success();
          for (store::OutboundMessage& m : claimed.value()) ready_.push_back(std::move(m));
          if (stopped_) release_ready();  // a claim that was under way when stop() came
          send_ready();
        }
        const bool full = claimed && static_cast<int>(claimed->size()) == room;
        if ((claim_again_ || full) && !stopped_) {
          claim_again_ = false;
          claim();
        } else {
          arm_poll();
        }
        check_idle();
      });
}

void Dispatcher::arm_poll() {
  if (stopped_) return;
  poll_timer_.expires_after(options_.poll);
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) claim();
  });
}

const Channel* Dispatcher::channel_for(EndpointKind kind) const {
  for (const auto& c : channels_) {
    if (c->kind() == kind) return c.get();
  }
  return nullptr;
}

void Dispatcher::send_ready() {
  while (!stopped_ && !ready_.empty() && in_flight_ < options_.max_in_flight) {
    store::OutboundMessage m = std::move(ready_.front());
    ready_.pop_front();
    send(std::move(m));
  }
}

// What was claimed ahead and not sent goes back to ready (its attempt given back) rather than out
// during a shutdown: with a slow receiver it could outlast the grace period.
void Dispatcher::release_ready() {
  if (ready_.empty()) return;
  std::vector<std::string> ids;
  for (const store::OutboundMessage& m : ready_) ids.push_back(m.id);
  ready_.clear();
  releasing_ = true;
  store_.run([ids = std::move(ids), now = clock_.now()](store::OutboxStore& s) { return s.release_claims(ids, now); }, io_,
             [this](Status released) {
               if (!released) {
                 log::error("dispatcher", released.error());
                 count_store_error();
               }
               releasing_ = false;
               check_idle();
             });
}

void Dispatcher::send(store::OutboundMessage message) {
  const Channel* channel = channel_for(message.kind);
  // An endpoint over its rate limit (a chat robot's) or blocked by its platform: not sent now,
  // and not an attempt either (defer).
  const Instant now = clock_.now();
  if (channel) rate_limiter_.set_limits(message.endpoint_id, channel->rate_limits());
  if (const std::optional<Instant> free_at = rate_limiter_.next_free(message.endpoint_id, now)) {
    defer(message, *free_at);
    return;
  }
  const auto calendar = calendar_();
  Result<HttpRequest> request = channel && calendar ? channel->build(message, *calendar, now)
                                                    : Result<HttpRequest>::failure("no channel for this endpoint kind");
  if (!request) {
    finish(message, nullptr, request.error());
    return;
  }
  rate_limiter_.record(message.endpoint_id, now);
  ++in_flight_;
  client_.post(std::move(request).value(), [this, message = std::move(message)](HttpResult result) {
    --in_flight_;
    finish(message, &result, {});
    send_ready();
    if (!stopped_) claim();  // room for another
  });
}

void Dispatcher::finish(const store::OutboundMessage& m, const HttpResult* result, const std::string& build_error) {
  const Instant now = clock_.now();
  AttemptResult r;
  r.message_id = m.id;
  r.endpoint_id = m.endpoint_id;
  r.test_message = only_test_reminders(m);
  if (!result) {
    r.outcome = AttemptResult::Outcome::expired;
    r.error = build_error;
    log::warning("dispatcher", "message " + m.id + " to " + where(m) + " not sent: " + build_error);
  } else {
    const Verdict verdict = channel_for(m.kind)->judge(*result);
    r.error = verdict.error;
    // The platform's back-off holds for the endpoint, not just this message (DingTalk's 130101).
    if (verdict.wait_at_least) {
      rate_limiter_.block(m.endpoint_id, now + *verdict.wait_at_least);
      r.endpoint_blocked_for = verdict.wait_at_least;
    }
    if (verdict.kind == Verdict::Kind::delivered) {
      r.outcome = AttemptResult::Outcome::delivered;
    } else if (verdict.kind == Verdict::Kind::misconfigured) {
      // Retrying cannot help; the message stays unsent (retry) until its window closes, in case
      // the owner fixes the endpoint in time.
      r.outcome = AttemptResult::Outcome::retry;
      r.next_attempt = now;
      r.endpoint_needs_attention = true;
      log::warning("dispatcher", "message " + m.id + " to " + where(m) + ": " + verdict.error +
                                     "; endpoint set to needs_attention");
    } else {
      r.endpoint_failed = true;
      r.disable_endpoint = verdict.kind == Verdict::Kind::gone;
      r.hard_failure = verdict.kind == Verdict::Kind::rejected;
      const bool final_no = verdict.kind == Verdict::Kind::gone || verdict.kind == Verdict::Kind::rejected;
      const RetryDecision d = final_no
                                  ? RetryDecision{RetryDecision::Kind::dead, {}}
                                  : decide_retry(options_.retry, m.attempts, now, m.expires,
                                                 longer_wait(result->retry_after, verdict.wait_at_least), random_);
      r.outcome = d.kind == RetryDecision::Kind::retry  ? AttemptResult::Outcome::retry
                  : d.kind == RetryDecision::Kind::dead ? AttemptResult::Outcome::dead
                                                        : AttemptResult::Outcome::expired;
      r.next_attempt = d.at;
      log::warning("dispatcher", "message " + m.id + " to " + where(m) + " attempt " + std::to_string(m.attempts) +
                                     ": " + verdict.error +
                                     (d.kind == RetryDecision::Kind::retry ? "; retry at " + format_utc(d.at)
                                      : d.kind == RetryDecision::Kind::dead ? "; giving up (dead)"
                                                                            : "; expires unsent (window closes first)"));
    }
  }
  {
    const std::lock_guard<std::mutex> lock(counters_mutex_);
    switch (r.outcome) {
      case AttemptResult::Outcome::delivered: ++counters_.delivered; break;
      case AttemptResult::Outcome::retry: ++counters_.retried; break;
      case AttemptResult::Outcome::dead: ++counters_.dead; break;
      case AttemptResult::Outcome::expired: ++counters_.expired; break;
    }
  }
  results_.push_back(std::move(r));
  if (results_.size() >= options_.flush_batch) {
    flush();
  } else {
    schedule_flush();
  }
}

void Dispatcher::defer(const store::OutboundMessage& m, Instant at) {
  AttemptResult r;
  r.message_id = m.id;
  r.endpoint_id = m.endpoint_id;
  if (at >= m.expires) {  // as for any retry: never after the window closes
    r.outcome = AttemptResult::Outcome::expired;
    r.error = "the endpoint's rate limit had no free slot before the window closes";
    log::warning("dispatcher", "message " + m.id + " to " + where(m) + ": " + r.error + "; expires unsent");
    const std::lock_guard<std::mutex> lock(counters_mutex_);
    ++counters_.expired;
  } else {
    r.outcome = AttemptResult::Outcome::retry;
    r.next_attempt = at;
    r.deferred = true;  // gives the claim's attempt back; the endpoint's health is untouched
    log::info("dispatcher", "message " + m.id + " to " + where(m) + " waits for the endpoint's rate limit until " +
                                format_utc(at));
  }
  results_.push_back(std::move(r));
  if (results_.size() >= options_.flush_batch) {
    flush();
  } else {
    schedule_flush();
  }
}

void Dispatcher::schedule_flush() {
  if (options_.flush.count() == 0) {
    // After the handlers already queued (their results join this commit), once.
    if (!flushing_ && !flush_armed_) {
      flush_armed_ = true;
      boost::asio::post(io_, [this] {
        flush_armed_ = false;
        flush();
      });
    }
    return;
  }
  arm_flush_at(std::chrono::steady_clock::now() + options_.flush);
}

void Dispatcher::flush() {
  if (flushing_ || results_.empty()) {
    check_idle();
    return;
  }
  if (std::chrono::steady_clock::now() < store_retry_at_) {  // the store failed a moment ago
    arm_flush_at(store_retry_at_);
    return;
  }
  flushing_ = true;
  auto batch = std::make_shared<std::vector<AttemptResult>>();
  batch->swap(results_);
  const Instant now = clock_.now();
  store_.run([batch, now, health = options_.health](store::OutboxStore& s) { return s.record_attempts(*batch, now, health); },
             io_, [this, batch](Result<std::vector<std::int64_t>> disabled) {
               flushing_ = false;
               if (!disabled) {
                 keep_for_retry(std::move(*batch), disabled.error());
                 return;
               }
               if (on_recorded_) on_recorded_();
               for (const std::int64_t id : *disabled) {
                 log::warning("dispatcher", "endpoint " + std::to_string(id) + " disabled");
                 const std::lock_guard<std::mutex> lock(counters_mutex_);
                 ++counters_.endpoints_disabled;
               }
               if (stopped_ || results_.size() >= options_.flush_batch) {
                 flush();  // stopping: no more waiting; or a full batch is ready
               } else if (!results_.empty()) {
                 schedule_flush();  // gather for `flush` more, so commits stay large
               } else {
                 check_idle();
               }
             });
}

// The results are what was sent: dropping them would leave their messages 'sending' until the
// next start, which then sends them again. They wait in memory, first in line, and are written
// once the store can take them (a full disk cleared, say).
void Dispatcher::keep_for_retry(std::vector<AttemptResult> batch, const std::string& error) {
  count_store_error();
  log::error("dispatcher", "could not record " + std::to_string(batch.size()) + " delivery result(s): " + error +
                               "; kept, to record again in " + std::to_string(options_.store_retry.count()) + " ms");
  results_.insert(results_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
  store_retry_at_ = std::chrono::steady_clock::now() + options_.store_retry;
  arm_flush_at(store_retry_at_);
}

// A flush already armed stays armed: when it comes, flush() re-arms for store_retry_at_.
void Dispatcher::arm_flush_at(std::chrono::steady_clock::time_point at) {
  if (flush_armed_) return;
  flush_armed_ = true;
  flush_timer_.expires_at(at);
  flush_timer_.async_wait([this](const boost::system::error_code&) {
    flush_armed_ = false;
    flush();
  });
}

void Dispatcher::check_idle() {
  if (!stopped_ || !on_idle_ || in_flight_ > 0 || !ready_.empty() || claiming_ || flushing_ || releasing_) return;
  if (!results_.empty()) {
    flush();
    return;
  }
  flush_timer_.cancel();
  boost::asio::post(io_, std::move(on_idle_));
  on_idle_ = nullptr;
}

}  // namespace deadline::delivery
