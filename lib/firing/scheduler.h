#pragma once
// The scheduler on the event loop: a timer on the next trigger (and at least every
// `replan_interval`, so a wall-clock jump or a changed clock is noticed within it), each wake
// running one step on the store thread: one chunk of the oldest unfinished firing if there is
// one, else a pass (scheduler_pass.h). A step that did something is followed at once by the next
// one, posted behind whatever else waits for the store thread (a subscription, a page, delivery
// results), so a fan-out to a million endpoints never holds anyone up for longer than a chunk.
// Firings complete in the order they were recorded: no pass runs while one is unfinished. One
// step at a time; a wake that comes during a step runs another right after it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <array>
#include <optional>

#include "base/repeated_failure_log.h"
#include "schedule/plan.h"
#include "firing/scheduler_pass.h"
#include "store/scheduling_store.h"
#include "store/store_client.h"
#include "time/clock.h"

namespace deadline {

struct SchedulerOptions {
  std::chrono::seconds replan_interval{60};
  PassOptions pass;
  RetentionPolicy retention;
  std::chrono::seconds purge_interval{3600};
  // Endpoints per chunk of a fan-out: each chunk is one transaction on the store thread, so this
  // bounds how long anything else waits behind a fan-out (bench/fanout_bench.cc measures both).
  int fanout_chunk = kDefaultFanoutChunk;
  // Several nodes on one database: how soon to look again when another node runs the oldest
  // firing (ChunkOutcome::elsewhere).
  std::chrono::milliseconds elsewhere_retry{1000};
};

// What /healthz and the logs say about the scheduler.
// How late on-time triggers fired (pass time − due, to the microsecond: the pass time is the
// clock's whole seconds plus the system clock's fraction of a second, see Scheduler::wake), since
// start: a Prometheus histogram.
struct LatenessHistogram {
  static constexpr std::array<double, 13> kBounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,     5,    30,    60,   300};  // seconds, "le"
  std::array<std::int64_t, kBounds.size()> counts{};  // cumulative: at or under each bound
  std::int64_t count = 0;                             // every observation (the +Inf bucket)
  double sum_seconds = 0;
  void observe(std::chrono::microseconds lateness);
};

struct SchedulerStatus {
  std::optional<Instant> last_pass;
  std::optional<Instant> next_due;
  std::string last_error;               // empty when the last pass succeeded
  std::int64_t passes = 0;
  std::int64_t failed_passes = 0;       // ended by a store error (logged; tried again at the next replan)
  LatenessHistogram lateness;
  std::int64_t chunks = 0;              // fan-out chunks run since start
  std::int64_t firings_finished = 0;
  std::int64_t firing_in_progress = 0;  // the firing whose chunks are running; 0: none
};

class Scheduler {
 public:
  Scheduler(boost::asio::io_context& io, store::StoreClient<store::SchedulingStore> store, const Clock& clock,
            SchedulerOptions options);

  // Starts, or replaces the plan after a calendar reload; either way a pass runs now.
  void set_plan(std::shared_ptr<const Plan> plan);
  // No new passes; one in flight finishes on the store thread. `on_idle` runs (on the io_context)
  // once nothing is in flight.
  void stop(std::function<void()> on_idle);

  SchedulerStatus status() const;

  // The who-is-told rule for the notices firing of released revision `revision_id`
  // (store/revision_store.h start_change_notices), kept until that firing finishes; then a wake.
  void add_notice_decider(std::int64_t revision_id, NoticeDecider decide);

  // Called (on the io_context) after a chunk that recorded messages: the dispatcher's cue.
  void on_messages(std::function<void()> callback) { on_messages_ = std::move(callback); }

 private:
  void wake();
  // `fraction`: the part of a second the pass's `now` dropped (lateness to the microsecond).
  struct Step;
  void on_step_done(Step step, Instant now, std::chrono::microseconds fraction);
  void on_chunk_done(const Result<store::ChunkOutcome>& chunk, std::chrono::milliseconds took);
  void on_pass_done(PassReport report, std::chrono::milliseconds took, std::chrono::microseconds fraction);
  void arm_timer(std::optional<Instant> next_due);
  void arm_timer_after(std::chrono::steady_clock::duration wait);

  boost::asio::io_context& io_;
  store::StoreClient<store::SchedulingStore> store_;
  const Clock& clock_;
  SchedulerOptions options_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<const Plan> plan_;
  bool pass_running_ = false;
  bool wake_again_ = false;
  bool stopped_ = false;
  std::function<void()> on_idle_;
  std::function<void()> on_messages_;
  Instant last_purge_{};
  std::chrono::milliseconds firing_took_{0};  // the running fan-out's chunks so far, for its log line
  int firing_chunks_ = 0;
  // Replaced, never changed in place: a step on the store thread holds the one it started with.
  std::shared_ptr<const store::NoticeDeciders> deciders_ = std::make_shared<store::NoticeDeciders>();
  log::RepeatedFailureLog failures_{"scheduler"};  // a store away or paused: not a line a step
  mutable std::mutex status_mutex_;     // status is read from HTTP sessions' handlers
  SchedulerStatus status_;
};

}  // namespace deadline
