#include "schedule/lead.h"

#include <charconv>

namespace deadline {

Result<Lead> parse_lead(std::string_view written) {
  const std::string text(written);
  if (written == "open") return Result<Lead>::success({text, LeadKind::opens, 0});
  if (written == "closing-day") return Result<Lead>::success({text, LeadKind::closing_day, 0});
  const auto fail = [&] {
    return Result<Lead>::failure("unknown lead '" + text +
                                 "' (expected open, closing-day, Nd with N 1..366 or Nh with N 1..72)");
  };
  if (written.size() < 2) return fail();
  const char unit = written.back();
  const std::string_view digits = written.substr(0, written.size() - 1);
  int amount = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.front() == '0') return fail();
  if (unit == 'd' && amount >= 1 && amount <= 366) return Result<Lead>::success({text, LeadKind::days_before, amount});
  if (unit == 'h' && amount >= 1 && amount <= 72) return Result<Lead>::success({text, LeadKind::hours_before, amount});
  return fail();
}

std::vector<Lead> default_lead_menu() {
  std::vector<Lead> menu;
  for (const char* id : {"open", "30d", "14d", "7d", "3d", "1d", "closing-day", "2h"}) {
    menu.push_back(parse_lead(id).value());
  }
  return menu;
}

}  // namespace deadline
