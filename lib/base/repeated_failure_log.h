#pragma once
// A failure that repeats on every turn of a loop (the store away for an outage, or paused while
// a node is out of step) is logged when it starts or changes, then at most once a minute with
// the number of repeats held back in between; a success ends the run, and logs that it ended.
// Without it a node paused for an hour wrote several lines a second. One per loop; not
// thread-safe (each loop runs on the event loop).

#include <chrono>
#include <cstdint>
#include <string>

#include "base/log.h"

namespace deadline::log {

class RepeatedFailureLog {
 public:
  explicit RepeatedFailureLog(std::string component, std::chrono::seconds every = std::chrono::seconds{60})
      : component_(std::move(component)), every_(every) {}

  void failure(const std::string& error) {
    const auto now = std::chrono::steady_clock::now();
    if (error == last_ && now - logged_at_ < every_) {
      ++held_back_;
      return;
    }
    write(Level::error, component_,
          held_back_ > 0 && error == last_ ? error + " (again; " + std::to_string(held_back_) + " like it since the last line)"
                                           : error);
    last_ = error;
    logged_at_ = now;
    held_back_ = 0;
  }

  void success() {
    if (last_.empty()) return;
    write(Level::info, component_, "works again after: " + last_);
    last_.clear();
    held_back_ = 0;
  }

 private:
  std::string component_;
  std::chrono::seconds every_;
  std::string last_;
  std::chrono::steady_clock::time_point logged_at_{};
  std::int64_t held_back_ = 0;
};

}  // namespace deadline::log
