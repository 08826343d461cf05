#include "schedule/scheduler.h"

#include <algorithm>
#include <string>

#include "base/log.h"
#include "time/iso8601.h"

namespace deadline {

void LatenessHistogram::observe(std::chrono::seconds lateness) {
  ++count;
  sum_seconds += lateness.count();
  for (std::size_t i = 0; i < kBounds.size(); ++i) counts[i] += lateness.count() <= kBounds[i] ? 1 : 0;
}

namespace {

std::string describe(const PassReport& r) {
  std::string text = "fired " + std::to_string(r.fired_on_time) + " trigger(s) on time";
  if (!r.lateness.empty()) {
    text += " (max lateness " +
            std::to_string(std::max_element(r.lateness.begin(), r.lateness.end())->count()) + " s)";
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

Scheduler::Scheduler(boost::asio::io_context& io, store::StoreThread& store, const Clock& clock,
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
  const Instant now = clock_.now();
  const bool purge_due = now - last_purge_ >= options_.purge_interval;
  if (purge_due) last_purge_ = now;
  store_.run(
      [plan = plan_, now, purge_due, options = options_](store::Store& store) {
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
      io_, [this, now](PassResult result) {
        {
          const std::lock_guard<std::mutex> lock(status_mutex_);
          status_.last_pass = now;
          status_.next_due = result.report.next_due;
          status_.last_error = result.report.errors.empty() ? "" : result.report.errors.front();
          ++status_.passes;
          for (const std::chrono::seconds late : result.report.lateness) status_.lateness.observe(late);
        }
        on_pass_done(std::move(result.report), result.took);
      });
}

void Scheduler::on_pass_done(PassReport report, std::chrono::milliseconds took) {
  pass_running_ = false;
  if (report.messages > 0 && on_messages_) on_messages_();
  for (const std::string& e : report.errors) log::error("scheduler", e);
  if (report.fired_on_time + report.fired_late + report.missed > 0 || report.expired > 0) {
    log::info("scheduler", describe(report) + " in " + std::to_string(took.count()) + " ms");
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
    const auto until_due = std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next_due - clock_.now());
    wait = std::clamp(until_due, std::chrono::steady_clock::duration::zero(), wait);
  }
  timer_.expires_after(wait);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) wake();
  });
}

}  // namespace deadline
