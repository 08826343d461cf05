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
          std::to_string(r.firings) + " fan-out(s) recorded";
  if (r.expired > 0) text += ", " + std::to_string(r.expired) + " expired unsent";
  return text;
}

}  // namespace

// What one step on the store thread did: a chunk of a firing, or else a pass.
struct Scheduler::Step {
  std::optional<Result<store::ChunkOutcome>> chunk;
  PassReport pass;
  std::chrono::milliseconds took{0};
};

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

void Scheduler::add_notice_decider(std::int64_t revision_id, NoticeDecider decide) {
  auto deciders = std::make_shared<store::NoticeDeciders>(*deciders_);
  (*deciders)[revision_id] = std::move(decide);
  deciders_ = std::move(deciders);
  wake();
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
  store_.run(
      [plan = plan_, now, purge_due, options = options_, deciders = deciders_](store::SchedulingStore& store) {
        const auto started = std::chrono::steady_clock::now();
        Step step;
        auto chunk = store.continue_firing(now, options.fanout_chunk, *deciders);
        if (!chunk || chunk->firing_id != 0 || chunk->elsewhere) {
          step.chunk = std::move(chunk);
        } else {
          step.pass = run_pass(store, *plan, now, options.pass);
          if (purge_due && step.pass.errors.empty()) {
            if (const auto purged = store.purge(now, options.retention); !purged) {
              step.pass.errors.push_back(purged.error());
            }
          }
        }
        step.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        return step;
      },
      io_, [this, now, fraction, purge_due](Step step) {
        if (step.chunk) {
          on_chunk_done(*step.chunk, step.took);
          return;
        }
        if (purge_due) last_purge_ = now;
        {
          const std::lock_guard<std::mutex> lock(status_mutex_);
          status_.last_pass = now;
          status_.next_due = step.pass.next_due;
          status_.last_error = step.pass.errors.empty() ? "" : step.pass.errors.front();
          ++status_.passes;
          if (!step.pass.errors.empty()) ++status_.failed_passes;
          for (const std::chrono::seconds late : step.pass.lateness) status_.lateness.observe(late + fraction);
        }
        on_pass_done(std::move(step.pass), step.took, fraction);
      });
}

void Scheduler::on_chunk_done(const Result<store::ChunkOutcome>& chunk, std::chrono::milliseconds took) {
  pass_running_ = false;
  {
    const std::lock_guard<std::mutex> lock(status_mutex_);
    if (chunk && chunk->elsewhere) {
      // nothing ran here
    } else if (chunk) {
      ++status_.chunks;
      status_.firing_in_progress = chunk->finished ? 0 : chunk->firing_id;
      if (chunk->finished) ++status_.firings_finished;
    } else {
      status_.last_error = chunk.error();
      ++status_.failed_passes;
    }
  }
  if (!chunk) {
    // Nothing of a failed chunk was committed; it runs again at the next replan.
    failures_.failure(chunk.error());
  } else if (chunk->elsewhere) {
    // Another node is running the oldest firing's chunk: look again soon, to share its chunks
    // or to resume it should that node die.
    if (!stopped_) arm_timer_after(options_.elsewhere_retry);
  } else {
    if (chunk->messages > 0 && on_messages_) on_messages_();
    firing_took_ += took;
    ++firing_chunks_;
    if (chunk->finished) {
      log::info("scheduler", "fan-out #" + std::to_string(chunk->firing_id) + " (" +
                                 std::string(store::to_string(chunk->kind)) + ") finished: " +
                                 std::to_string(chunk->firing_messages) + " message(s) in " +
                                 std::to_string(firing_chunks_) + " chunk(s), " +
                                 std::to_string(firing_took_.count()) + " ms on the store thread");
      firing_took_ = {};
      firing_chunks_ = 0;
      if (chunk->kind == store::FiringKind::notices && deciders_->count(chunk->revision_id) > 0) {
        auto deciders = std::make_shared<store::NoticeDeciders>(*deciders_);
        deciders->erase(chunk->revision_id);
        deciders_ = std::move(deciders);
      }
    }
  }
  if (stopped_) {
    if (on_idle_) boost::asio::post(io_, std::move(on_idle_));
    return;
  }
  if (!chunk) {
    arm_timer(std::nullopt);
    return;
  }
  if (chunk->elsewhere) return;  // the timer above
  // The next chunk right away: posted behind whatever waits for the store thread meanwhile.
  wake_again_ = false;
  wake();
}

void Scheduler::on_pass_done(PassReport report, std::chrono::milliseconds took, std::chrono::microseconds fraction) {
  pass_running_ = false;
  for (const std::string& e : report.errors) failures_.failure(e);
  if (report.errors.empty()) failures_.success();
  if (report.fired_on_time + report.fired_late + report.missed > 0 || report.expired > 0) {
    log::info("scheduler", describe(report, fraction) + " in " + std::to_string(took.count()) + " ms");
  }
  if (stopped_) {
    if (on_idle_) boost::asio::post(io_, std::move(on_idle_));
    return;
  }
  if (wake_again_ || (report.firings > 0 && report.errors.empty())) {
    // Woken meanwhile, or fan-outs recorded whose chunks run now.
    wake_again_ = false;
    wake();
    return;
  }
  if (report.errors.empty() && report.recorded_elsewhere > 0) {
    // Another node fired these (several nodes on one database): watch its firing, to share its
    // chunks or resume it should that node die (continue_firing's `elsewhere`).
    arm_timer_after(options_.elsewhere_retry);
    return;
  }
  // After a store error, try again at the next replan rather than spinning.
  arm_timer(report.errors.empty() ? report.next_due : std::nullopt);
}

void Scheduler::arm_timer_after(std::chrono::steady_clock::duration wait) {
  timer_.expires_after(wait);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) wake();
  });
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
  arm_timer_after(wait);
}

}  // namespace deadline
