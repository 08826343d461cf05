#pragma once
// Reminder points ("leads"): the operator's menu, from which each endpoint picks a subset.
// Written forms: "open" (the window opens), "Nd" (N days before the closing day, at the send
// time), "closing-day" (the closing day, at the send time), "Nh" (N hours before a timed close).

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace deadline {

enum class LeadKind { opens, days_before, closing_day, hours_before };

struct Lead {
  std::string id;        // the written form: stable, stored with every trigger and endpoint choice
  LeadKind kind = LeadKind::closing_day;
  int amount = 0;        // days or hours; 0 for opens and closing_day

  bool operator==(const Lead&) const = default;
};

// "open", "closing-day", "1d" … "366d", "1h" … "72h".
Result<Lead> parse_lead(std::string_view written);

// The default menu: open; 30, 14, 7, 3, 1 days before; the closing day; 2 h before a timed close.
std::vector<Lead> default_lead_menu();

}  // namespace deadline
