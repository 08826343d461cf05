#include "firing/scheduler.h"

#include <algorithm>
#include <string>
#include <utility>

#include "base/log.h"
#include "time/iso8601.h"

namespace deadline {

void LatenessHistogram::observe(std::chrono::microseconds lateness) {
  const double seconds = std::chrono::duration<double>(lateness).count();
  ++count;
  sum_seconds += seconds;
  for (std::size_t i = 0; i < kBounds.size(); ++i) counts[i] += seconds <= kBounds[i] ? 1 : 0;
}

namespace {

// The clock's reading and the fraction of a second it drops (Instant is whole seconds). The
// daemon's clocks are the system clock floored to the second, plus whole seconds of offset in
// tests (OffsetClock), so the dropped fraction is the system clock's; read again if a second
// began between the readings.
std::pair<Instant, std::chrono::microseconds> read_clock(const Clock& clock) {
  for (;;) {
    const auto before = std::chrono::system_clock::now();
    const Instant now = clock.now();
    const auto after = std::chrono::system_clock::now();
    const auto second = date::floor<std::chrono::seconds>(before);
    if (second == date::floor<std::chrono::seconds>(after)) {
      return {now, std::chrono::duration_cast<std::chrono::microseconds>(before - second)};
    }
  }
}

std::string describe(const PassReport& r, std::chrono::microseconds fraction) {
  std::string text = "fired " + std::to_string(r.fired_on_time) + " trigger(s) on time";
  if (!r.lateness.empty()) {
    const auto late = *std::max_element(r.lateness.begin(), r.lateness.end()) + fraction;
    text += " (max lateness " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(late).count()) +
            " ms)";
  }
  text += ", " + std::to_string(r.fired_late) + " late, " + std::to_string(r.missed) + " missed; " +
          std::to_string(r.messages) + " message(s) recorded";
  if (r.superseded > 0) text += ", " + std::to_string(r.superseded) + " superseded";
  if (r.expired > 0) text += ", " + std::to_string(r.expired) + " expired unsent";
  return text;
}

struct PassResult {
  PassReport report;
  bool purged = false;
  std::chrono::milliseconds took{0};
};

}  // namespace

Scheduler::Scheduler(boost::asio::io_context& io, store::StoreClient<store::SchedulingStore> store, const Clock& clock,
                     SchedulerOptions options)
    : io_(io), store_(store), clock_(clock), options_(options), timer_(io) {}

void Scheduler::set_plan(std::shared_ptr<const Plan> plan) {
  plan_ = std::move(plan);
  log::info("scheduler", "plan for calendar " + plan_->calendar_revision + ": " +
                             std::to_string(plan_->triggers.size()) + " reminder point(s)");
  wake();
}

void Scheduler::stop(std::function<void()> on_idle) {
  stopped_ = true;
  timer_.cancel();
  if (!pass_running_) {
    boost::asio::post(io_, std::move(on_idle));
  } else {
    on_idle_ = std::move(on_idle);
  }
}

SchedulerStatus Scheduler::status() const {
  const std::lock_guard<std::mutex> lock(status_mutex_);
  return status_;
}

void Scheduler::wake() {
  if (stopped_ || !plan_) return;
  if (pass_running_) {
    wake_again_ = true;
    return;
  }
  pass_running_ = true;
  // (Not a structured binding: clang 14, the fuzz build's compiler, cannot capture one.)
  const auto reading = read_clock(clock_);
  const Instant now = reading.first;
  const std::chrono::microseconds fraction = reading.second;
  const bool purge_due = now - last_purge_ >= options_.purge_interval;
  if (purge_due) last_purge_ = now;
  store_.run(
      [plan = plan_, now, purge_due, options = options_](store::SchedulingStore& store) {
        const auto started = std::chrono::steady_clock::now();
        PassResult result{run_pass(store, *plan, now, options.pass), false, {}};
        if (purge_due && result.report.errors.empty()) {
          const auto purged = store.purge(now, options.retention);
          if (!purged) result.report.errors.push_back(purged.error());
          result.purged = purged.ok() && (purged->messages > 0 || purged->subscribers > 0);
        }
        result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        return result;
      },
      io_, [this, now, fraction](PassResult result) {
        {
          const std::lock_guard<std::mutex> lock(status_mutex_);
          status_.last_pass = now;
          status_.next_due = result.report.next_due;
          status_.last_error = result.report.errors.empty() ? "" : result.report.errors.front();
          ++status_.passes;
          if (!result.report.errors.empty()) ++status_.failed_passes;
          for (const std::chrono::seconds late : result.report.lateness) status_.lateness.observe(late + fraction);
        }
        on_pass_done(std::move(result.report), result.took, fraction);
      });
}

void Scheduler::on_pass_done(PassReport report, std::chrono::milliseconds took, std::chrono::microseconds fraction) {
  pass_running_ = false;
  if (report.messages > 0 && on_messages_) on_messages_();
  for (const std::string& e : report.errors) log::error("scheduler", e);
  if (report.fired_on_time + report.fired_late + report.missed > 0 || report.expired > 0) {
    log::info("scheduler", describe(report, fraction) + " in " + std::to_string(took.count()) + " ms");
  }
  if (stopped_) {
    if (on_idle_) boost::asio::post(io_, std::move(on_idle_));
    return;
  }
  if (wake_again_) {
    wake_again_ = false;
    wake();
    return;
  }
  // After a store error, try again at the next replan rather than spinning.
  arm_timer(report.errors.empty() ? report.next_due : std::nullopt);
}

void Scheduler::arm_timer(std::optional<Instant> next_due) {
  auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.replan_interval);
  if (next_due) {
    // From the real instant, not the floored second: otherwise each point fires late by the
    // fraction of a second at which the timer was armed (up to 1 s; bench/daemon_bench.py).
    const auto reading = read_clock(clock_);
    const auto until_due =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next_due - reading.first) - reading.second;
    wait = std::clamp(until_due, std::chrono::steady_clock::duration::zero(), wait);
  }
  timer_.expires_after(wait);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) wake();
  });
}

}  // namespace deadline
