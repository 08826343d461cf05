#include "schedule/revision_windows.h"

#include <algorithm>

#include "schedule/window_match.h"

namespace deadline {

namespace {

// The start of the period a written close stands for: its month for "2024-11", its day for
// "2024-12-20"; a dated instant or "before" a day stands only for itself.
Instant period_start(const Bound& close, const date::time_zone& zone) {
  if (close.spec.precision == Precision::instant || close.spec.before) return close.at;
  const auto start = resolve_bound(close.spec, BoundSide::opens, zone);
  return start ? *start : close.at;
}

}  // namespace

std::vector<RevisionWindow> revision_windows(const Calendar& calendar) {
  std::vector<RevisionWindow> out;
  out.reserve(calendar.windows().size());
  for (const Window& w : calendar.windows()) {
    const Programme& p = *calendar.find_programme(w.programme_id);
    RevisionWindow r;
    r.id = w.id();
    r.title = p.title;
    r.status = w.status;
    r.opens = w.opens ? w.opens->spec.text() : std::string();
    r.closes = w.closes.spec.text();
    r.precision = std::string(to_string(w.closes.spec.precision));
    r.closes_at = w.closes.at;
    // A capped close keeps the printed one's period: the estimate promised that month.
    r.closes_from = std::min(w.closes.at, period_start(w.cap ? w.cap->printed_closes : w.closes, *w.zone));
    r.phrase = w.phrase;
    r.projected = w.projected_from.has_value();
    r.cap = w.cap ? w.cap->reason : std::string();
    r.facts = window_facts(p, w);
    r.source = w.notice;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const RevisionWindow& a, const RevisionWindow& b) { return a.id < b.id; });
  return out;
}

}  // namespace deadline
