#include "wording/time_left_wording.h"

namespace deadline::wording {

std::string time_left_text(int days_left, bool estimated) {
  if (days_left < 0) return "已截止";
  if (days_left == 0) return estimated ? "预计今天截止" : "今天截止";
  return (estimated ? "还剩约 " : "还剩 ") + std::to_string(days_left) + " 天";
}

}  // namespace deadline::wording
