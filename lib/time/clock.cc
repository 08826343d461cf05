#include "time/clock.h"

#include <fstream>

namespace deadline {

std::chrono::seconds OffsetClock::offset() const {
  std::ifstream in(file_);
  long long seconds = 0;
  if (!(in >> seconds)) return std::chrono::seconds{0};
  return std::chrono::seconds{seconds};
}

Instant OffsetClock::now() const { return system_.now() + offset(); }

}  // namespace deadline
