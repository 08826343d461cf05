#pragma once
// The one source of "now". Production uses the system clock; unit tests a ManualClock they move
// by hand; integration tests an OffsetClock whose offset they change from outside the process
// (a documented test option), so the real daemon's timers can be driven through time jumps.

#include <atomic>
#include <chrono>
#include <filesystem>

#include "time/instant.h"

namespace deadline {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override {
    return date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

// Time stands still until the test moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant{std::chrono::seconds{now_.load()}}; }
  void set(Instant at) { now_ = at.time_since_epoch().count(); }
  void advance(std::chrono::seconds by) { now_ += by.count(); }

 private:
  std::atomic<std::chrono::seconds::rep> now_;
};

// System time plus an offset in whole seconds read from a file (one integer, may be negative;
// a missing or unreadable file means 0). Read on every call: callers ask for now() a few times
// per scheduler pass, not per request. For tests only: see docs/configuration.md, [test].
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::filesystem::path offset_file) : file_(std::move(offset_file)) {}
  Instant now() const override;
  std::chrono::seconds offset() const;

 private:
  std::filesystem::path file_;
  SystemClock system_;
};

}  // namespace deadline
