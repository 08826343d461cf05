#include "calendar/chain_rule.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "calendar/bound_text.h"

namespace deadline {

namespace {

int chain_position(Role role) {
  switch (role) {
    case Role::enterprise: return 0;
    case Role::recommender: return 1;
    case Role::authority: return 2;
  }
  return 0;
}

// "2024年11月22日前", "2024年12月20日当天结束前", "2024年12月31日 17:30前", "2024年11月底前".
std::string deadline_words(const Bound& close, const date::time_zone& zone) {
  const std::string text = close_for_people(close, zone, false);
  switch (close.spec.precision) {
    case Precision::year:
    case Precision::month: return text + "底前";
    case Precision::day: return close.spec.before ? text : text + "当天结束前";
    case Precision::instant: return text + "前";
  }
  return text + "前";
}

std::string_view step_words(Role role) {
  return role == Role::recommender ? "完成推荐" : "完成报送";
}

}  // namespace

std::string chain_cap_reason(const Window& later_step) {
  return later_step.actor + "须于" + deadline_words(later_step.closes, *later_step.zone) +
         std::string(step_words(later_step.role)) + "，请尽早向" + later_step.actor + "提交";
}

std::vector<std::string> apply_chain_rule(std::vector<Window>& windows, std::vector<std::string>& errors) {
  // The confirmed steps of each programme and cycle, the only windows that can cap.
  std::multimap<std::tuple<std::string, int>, const Window*> confirmed;
  for (const Window& w : windows) {
    if (w.status == WindowStatus::confirmed) confirmed.emplace(std::make_tuple(w.programme_id, w.cycle), &w);
  }

  std::vector<std::pair<Window*, const Window*>> caps;  // decided first, applied after: no
                                                        // window is read after it changed
  for (Window& w : windows) {
    if (!w.estimated()) continue;
    const Window* earliest = nullptr;
    const auto [first, last] = confirmed.equal_range(std::make_tuple(w.programme_id, w.cycle));
    for (auto it = first; it != last; ++it) {
      const Window& later = *it->second;
      if (chain_position(later.role) <= chain_position(w.role)) continue;
      if (!(later.closes.at < w.closes.at)) continue;
      if (!earliest || later.closes.at < earliest->closes.at) earliest = &later;
    }
    if (earliest) caps.emplace_back(&w, earliest);
  }

  // Notes and errors in file order, as the loader reports everything else.
  std::sort(caps.begin(), caps.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first->source.file, a.first->source.line) <
           std::tie(b.first->source.file, b.first->source.line);
  });
  std::vector<std::string> notes;
  for (auto [w, later] : caps) {
    const std::string place = w->source.str() + ": ";
    const std::string what = "programme '" + w->programme_id + "' estimated window '" + w->key +
                             "' (" + std::to_string(w->cycle) + ") closes " + w->closes.spec.text() +
                             ", after the confirmed '" + later->key + "' at " + later->source.str() +
                             " (closes " + later->closes.spec.text() + ")";
    if (w->opens && !(w->opens->at < later->closes.at)) {
      errors.push_back(place + what + ", which closes before this window opens (" +
                       w->opens->spec.text() + ")");
      continue;
    }
    notes.push_back(place + "note: " + what + ": shown closing then (the chain rule)");
    w->cap = ChainCap{w->closes, later->id(), later->source, chain_cap_reason(*later)};
    w->closes = later->closes;
  }
  return notes;
}

}  // namespace deadline
