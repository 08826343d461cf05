#pragma once
// The calendar in force. Readers (HTTP sessions, the planner) take a shared_ptr and keep using
// the snapshot they took; a reload replaces it whole, never in place.

#include <memory>
#include <mutex>

#include "calendar/calendar.h"

namespace deadline {

class CalendarSnapshot {
 public:
  std::shared_ptr<const Calendar> current() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return calendar_;
  }
  void replace(std::shared_ptr<const Calendar> calendar) {
    const std::lock_guard<std::mutex> lock(mutex_);
    calendar_ = std::move(calendar);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Calendar> calendar_;
};

}  // namespace deadline
