#pragma once
// What the benchmarks share: argument parsing, medians, opening a store, instants as seconds, and
// the one-window calendar and trigger the delivery benchmarks fan out.

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>

#include <SQLiteCpp/SQLiteCpp.h>

#include "calendar/loader.h"
#include "schedule/window_match.h"
#include "store/sqlite_store.h"
#include "time/instant.h"

namespace deadline::bench {

inline std::int64_t seconds(Instant at) { return at.time_since_epoch().count(); }

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Medians of the rounds, rates for `count` items, and their ratio (measured / baseline).
struct Comparison {
  double measured_s, baseline_s, measured_rate, baseline_rate, ratio;
};

inline Comparison compare(std::int64_t count, std::vector<double> measured, std::vector<double> baseline) {
  Comparison c{median(std::move(measured)), median(std::move(baseline)), 0, 0, 0};
  c.measured_rate = static_cast<double>(count) / c.measured_s;
  c.baseline_rate = static_cast<double>(count) / c.baseline_s;
  c.ratio = c.measured_rate / c.baseline_rate;
  return c;
}

inline const char* verdict(double ratio, double target) { return ratio >= target ? "met" : "NOT met"; }

// The last line of a rate benchmark's output, for bench/report.py: rates in `unit`, the ratio
// measured / baseline and its target; `extra`, more key=value fields (e.g. "endpoints=100000").
inline void result_line(const char* name, const char* unit, const Comparison& c, double target,
                        const std::string& extra = "") {
  std::printf("RESULT name=%s value=%.6g unit=%s baseline=%.6g ratio=%.4f target=ratio>=%.2f met=%s%s%s\n", name,
              c.measured_rate, unit, c.baseline_rate, c.ratio, target, c.ratio >= target ? "yes" : "no",
              extra.empty() ? "" : " ", extra.c_str());
}

// A positive integer command-line argument; anything else is a usage error naming `what`.
inline std::int64_t parse_positive(const char* text, const char* what) {
  const std::string_view s(text);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc{} || end != s.data() + s.size() || value < 1) {
    throw std::invalid_argument(std::string(what) + " must be a positive integer, not '" + text + "'");
  }
  return value;
}

// The same, at most `max` (`why`, if given, follows the limit in the message).
inline std::int64_t parse_positive(const char* text, const char* what, std::int64_t max, const char* why = "") {
  const std::int64_t value = parse_positive(text, what);
  if (value > max) {
    throw std::invalid_argument(std::string(what) + " must be at most " + std::to_string(max) + (*why ? " " : "") + why);
  }
  return value;
}

inline std::unique_ptr<store::SqliteStore> open_store(const std::filesystem::path& path) {
  auto store = store::SqliteStore::open(path);
  if (!store.ok()) throw std::runtime_error(store.error());
  return std::move(store).value();
}

inline constexpr const char* kLead = "7d";  // the lead the delivery benchmarks' trigger fires

// Pins the calling thread to `cpu`; threads it starts afterwards inherit that. The delivery
// benchmarks run both senders on CPU 0 and the receiver on CPU 1, so that the receiver never
// competes with the side being measured. False when the machine has no such CPU (then nothing
// is pinned, and the report says so).
inline bool pin_this_thread(int cpu) {
  if (cpu >= CPU_SETSIZE || cpu >= static_cast<int>(std::thread::hardware_concurrency())) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Pins another process (a load generator or receiver this benchmark started) to `cpu`.
inline bool pin_process(pid_t pid, int cpu) {
  if (cpu >= CPU_SETSIZE || cpu >= static_cast<int>(std::thread::hardware_concurrency())) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  return sched_setaffinity(pid, sizeof set, &set) == 0;
}

// CPU time of another running thread, read from outside (pthread_getcpuclockid).
inline double cpu_seconds_of(std::thread& thread) {
  clockid_t clock{};
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0) return 0;
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// A receiver's io_context run on a thread of its own, named "receiver" and pinned to `cpu` (the
// senders' core is another): webhook_bench's and slow_webhook_bench's receivers. Start it once
// the io_context has its first work (an accept), as the last thing a receiver's constructor
// does; destroying it stops the io_context and joins, before the receiver's sockets go.
class ReceiverThread {
 public:
  template <class IoContext>
  ReceiverThread(IoContext& io, int cpu)
      : stop_([&io] { io.stop(); }), thread_([this, &io, cpu] {
          pthread_setname_np(pthread_self(), "receiver");
          pinned_ = pin_this_thread(cpu);
          ready_.store(true);
          io.run();
        }) {
    while (!ready_.load()) std::this_thread::yield();
  }
  ~ReceiverThread() {
    stop_();
    thread_.join();
  }
  ReceiverThread(const ReceiverThread&) = delete;
  ReceiverThread& operator=(const ReceiverThread&) = delete;

  bool pinned() const { return pinned_; }
  // The thread's CPU time so far: its core's utilisation over a run.
  double cpu_seconds() { return cpu_seconds_of(thread_); }

 private:
  std::function<void()> stop_;
  bool pinned_ = false;
  std::atomic<bool> ready_{false};
  std::thread thread_;  // last: started once the rest exists
};

// CPU time of the calling thread.
inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// CPU time of the whole process, every thread (a library's own threads included).
inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// The calendar: one programme with one confirmed window closing in 2031, so every message built
// during a run still has something to remind of.
inline double seconds_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

inline void require(bool condition, const std::string& message) {
  if (!condition) throw std::runtime_error(message);
}

inline const char* const kCalendarToml = R"toml([edition]
id = "bench"
title = "基准测试"
publisher = "测试中心"
year = 2029
zone = "Asia/Shanghai"

[[programme]]
id = "bench-programme"
number = 1
page = 1
title = "专精特新中小企业认定"
group = "工业和信息化部门"
category = "认定培育"
contact = "江苏省工业和信息化厅"
link = "https://example.cn/bench"
eligibility = "在江苏省内注册的中小企业"
recurs = false
recurs_reason = "测试"

[[programme.window]]
key = "apply"
phrase = "申报截止时间为2031年6月30日17:00"
status = "confirmed"
actor = "企业"
role = "企业"
cycle = 2029
closes = "2031-06-30T17:00"
)toml";

inline std::shared_ptr<const Calendar> load_bench_calendar(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bench.toml") << kCalendarToml;
  LoadOutcome loaded = load_calendar_dir(dir);
  std::string errors;
  for (const std::string& e : loaded.errors) errors += "\n  " + e;
  require(loaded.calendar.has_value(), "the bench calendar does not load:" + errors);
  require(loaded.calendar->windows().size() == 1, "the bench calendar should have exactly one window");
  return std::make_shared<const Calendar>(std::move(*loaded.calendar));
}

inline Trigger trigger_for(const Window& window, const Programme& programme) {
  return {window.id(), kLead, window.closes.at - std::chrono::days{7}, window.closes.at,
          window_facts(programme, window)};
}

// Calls of one kind, timed: how many, how many items they handled, wall and thread CPU time.
struct CallStats {
  std::int64_t calls = 0, items = 0;
  double wall = 0, cpu = 0;
  void add(std::chrono::steady_clock::time_point start, double cpu_start, std::int64_t n) {
    ++calls;
    items += n;
    wall += seconds_between(start, std::chrono::steady_clock::now());
    cpu += thread_cpu_seconds() - cpu_start;
  }
  // For calls made once per message on the main thread: wall time only. Reading the thread's CPU
  // clock is a system call (not vDSO), which per message would slow the side being measured.
  void add_wall(std::chrono::steady_clock::time_point start, std::int64_t n) {
    ++calls;
    items += n;
    wall += seconds_between(start, std::chrono::steady_clock::now());
  }
};

// Fires `trigger` (every chunk) and checks that each of the `count` endpoints got one pending
// message: the end of a delivery benchmark's setup, on either backend.
inline void fire_for_every_endpoint(store::SchedulingStore& s, std::int64_t count, const Trigger& trigger,
                                    Instant now) {
  const auto fired = s.fire({trigger}, store::FireKind::on_time, now, now);
  require(fired.ok(), "fan-out failed: " + (fired.ok() ? std::string() : fired.error()));
  require(fired->messages == count && fired->deliveries == count,
          "fan-out recorded " + std::to_string(fired->messages) + " messages for " + std::to_string(count) +
              " endpoints");
}

// Setup of a delivery benchmark's round (not timed): `count` active subscribers
// (subscriberN@example.cn) with one endpoint each of `kind` at `address(i)`, written in one
// transaction with the columns add_subscriber / add_endpoint use, then `trigger` fired: one
// pending message per endpoint (checked).
inline void populate_and_fire(store::SqliteStore& s, std::int64_t count, const char* kind,
                              const std::function<std::string(std::int64_t)>& address, const std::string& secret,
                              const Trigger& trigger, Instant now) {
  SQLite::Database& db = s.database();
  {
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement subscriber(db,
                                 "INSERT INTO subscribers (email, email_hash, state, created_at, confirmed_at) "
                                 "VALUES (?1, ?2, 'active', ?3, ?3)");
    SQLite::Statement endpoint(db,
                               "INSERT INTO endpoints (subscriber_id, kind, address, secret, filter_fields, "
                               "all_leads, created_at) VALUES (?1, ?2, ?3, nullif(?4, ''), 0, 1, ?5)");
    for (std::int64_t i = 0; i < count; ++i) {
      subscriber.bind(1, "subscriber" + std::to_string(i) + "@example.cn");
      subscriber.bind(2, "hash-" + std::to_string(i));  // unique; the bench never looks it up
      subscriber.bind(3, seconds(now));
      subscriber.exec();
      subscriber.reset();
      endpoint.bind(1, db.getLastInsertRowid());
      endpoint.bind(2, kind);
      endpoint.bind(3, address(i));
      endpoint.bind(4, secret);
      endpoint.bind(5, seconds(now));
      endpoint.exec();
      endpoint.reset();
    }
    transaction.commit();
  }
  fire_for_every_endpoint(s, count, trigger, now);
}

}  // namespace deadline::bench
