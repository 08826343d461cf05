#include "calendar/projection.h"

#include <algorithm>
#include <map>

namespace deadline {

namespace {

bool is_coarse(const Bound& bound) {
  return bound.spec.precision == Precision::year || bound.spec.precision == Precision::month;
}

// Which of two windows with the same id stays: confirmed beats estimated, written beats
// projected, and a projection from a later cycle (a newer edition) beats an older one.
bool outranks(const Window& a, const Window& b) {
  const auto rank = [](const Window& w) {
    return std::make_tuple(w.estimated() ? 0 : 1,  // a dated notice (confirming or withdrawing) first
                           w.projected_from ? 0 : 1, w.projected_from.value_or(0));
  };
  return rank(a) > rank(b);
}

std::optional<Window> project(const Window& estimate, int cycle, std::vector<std::string>& errors) {
  const int shift = cycle - estimate.cycle;
  Window copy = estimate;
  copy.cycle = cycle;
  copy.projected_from = estimate.cycle;
  const auto shift_bound = [&](Bound& bound, BoundSide side) {
    bound.spec = bound.spec.shifted_years(shift);
    const Result<Instant> at = resolve_bound(bound.spec, side, *estimate.zone);
    if (!at) {
      errors.push_back(estimate.source.str() + ": projection to " + std::to_string(cycle) + ": " +
                       at.error());
      return false;
    }
    bound.at = *at;
    return true;
  };
  if (copy.opens && !shift_bound(*copy.opens, BoundSide::opens)) return std::nullopt;
  if (!shift_bound(copy.closes, BoundSide::closes)) return std::nullopt;
  return copy;
}

}  // namespace

bool is_projectable(const Window& window) {
  return window.estimated() && is_coarse(window.closes) && (!window.opens || is_coarse(*window.opens));
}

std::vector<Window> effective_windows(const std::vector<Edition>& editions,
                                      const std::vector<Programme>& programmes,
                                      const ProjectionOptions& options,
                                      std::vector<std::string>& errors) {
  std::map<std::string, int> edition_year;
  for (const Edition& e : editions) edition_year[e.id] = e.year;

  std::map<std::string, Window> by_id;  // window id → the window that stays
  const auto offer = [&](Window w) {
    const std::string id = w.id();
    const auto it = by_id.find(id);
    if (it == by_id.end()) {
      by_id.emplace(id, std::move(w));
    } else if (outranks(w, it->second)) {
      it->second = std::move(w);
    }
  };

  for (const Programme& p : programmes) {
    const int year = edition_year.at(p.edition_id);
    for (const Window& w : p.written_windows) {
      offer(w);
      if (!p.recurs || !is_projectable(w)) continue;
      for (int cycle = std::max(year, w.cycle) + 1; cycle <= year + options.horizon_years; ++cycle) {
        if (auto projected = project(w, cycle, errors)) offer(std::move(*projected));
      }
    }
  }

  std::vector<Window> result;
  result.reserve(by_id.size());
  for (auto& [id, w] : by_id) result.push_back(std::move(w));
  return result;
}

}  // namespace deadline
