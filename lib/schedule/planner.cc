#include "schedule/planner.h"

#include <algorithm>

#include "schedule/window_match.h"
#include "time/iso8601.h"

namespace deadline {

namespace {

// A send-time reading on a calendar day. Send times are ours, not the handbook's: where a zone
// skips or repeats the reading, the earliest instant is fine (it is never a deadline).
Instant at_send_time(date::local_days day, std::chrono::minutes send_time, const date::time_zone& zone) {
  return zone.to_sys(LocalTime{day} + send_time, date::choose::earliest);
}

}  // namespace

date::local_days closing_day(const Window& window) {
  const LocalTime last_second = window.zone->to_local(window.closes.at - std::chrono::seconds{1});
  return date::floor<date::days>(last_second);
}

int days_left(const Window& window, Instant now) {
  const date::local_days today = date::floor<date::days>(window.zone->to_local(now));
  return static_cast<int>((closing_day(window) - today).count());
}

std::optional<Instant> trigger_instant(const Window& window, const Lead& lead,
                                       std::chrono::minutes send_time) {
  const date::time_zone& zone = *window.zone;
  const Instant close = window.closes.at;
  std::optional<Instant> due;
  switch (lead.kind) {
    case LeadKind::opens:
      if (!window.opens) return std::nullopt;
      if (window.opens->spec.precision == Precision::instant) {
        due = window.opens->at;
      } else {
        due = at_send_time(date::floor<date::days>(zone.to_local(window.opens->at)), send_time, zone);
      }
      break;
    case LeadKind::days_before:
      due = at_send_time(closing_day(window) - date::days{lead.amount}, send_time, zone);
      break;
    case LeadKind::closing_day:
      due = at_send_time(closing_day(window), send_time, zone);
      // A close at or before the send time (e.g. 09:00 on the day): remind 2 h before instead.
      if (*due >= close) due = close - std::chrono::hours{2};
      break;
    case LeadKind::hours_before:
      if (window.closes.spec.precision != Precision::instant) return std::nullopt;
      due = close - std::chrono::hours{lead.amount};
      break;
  }
  if (!due || *due >= close) return std::nullopt;
  return due;
}

std::vector<Trigger> plan_triggers(const Calendar& calendar, const PlannerOptions& options) {
  std::vector<Trigger> triggers;
  for (const Window& w : calendar.windows()) {
    if (w.cancelled()) continue;  // withdrawn: nothing to remind of
    const WindowFacts facts = window_facts(*calendar.find_programme(w.programme_id), w);
    for (const Lead& lead : options.menu) {
      if (const auto due = trigger_instant(w, lead, options.send_time)) {
        triggers.push_back({w.id(), lead.id, *due, w.closes.at, facts});
      }
    }
  }
  std::sort(triggers.begin(), triggers.end(), [](const Trigger& a, const Trigger& b) {
    return a.due != b.due ? a.due < b.due : a.key() < b.key();
  });
  return triggers;
}

}  // namespace deadline
