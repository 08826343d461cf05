#include "domain/revision_json.h"

#include "time/iso8601.h"

namespace deadline {

using nlohmann::json;

namespace {

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

}  // namespace

json revision_window_json(const RevisionWindow& w) {
  json source = nullptr;
  if (!w.source.empty()) {
    source = {{"title", w.source.title},
              {"issuer", w.source.issuer},
              {"date", w.source.date},
              {"url", text_or_null(w.source.url)}};
  }
  return {{"id", w.id},
          {"title", w.title},
          {"programme", w.facts.programme_id},
          {"status", std::string(to_string(w.status))},
          {"opens", text_or_null(w.opens)},
          {"closes", w.closes},
          {"precision", w.precision},
          {"closes_at", format_utc(w.closes_at)},
          {"phrase", w.phrase},
          {"projected", w.projected},
          {"cap", text_or_null(w.cap)},
          {"source", source}};
}

json window_change_json(const WindowChange& change) {
  json kinds = json::array();
  for (const ChangeKind kind : change.kinds) kinds.push_back(std::string(to_string(kind)));
  json moved = nullptr;
  if (change.has(ChangeKind::moved)) moved = change.moved_later ? "later" : "earlier";
  return {{"window", change.window_id},
          {"title", change.either().title},
          {"kinds", kinds},
          {"moved", moved},
          {"before", change.before ? revision_window_json(*change.before) : json(nullptr)},
          {"after", change.after ? revision_window_json(*change.after) : json(nullptr)},
          {"text", describe(change)}};
}

json diff_json(const std::vector<WindowChange>& changes) {
  json list = json::array();
  for (const WindowChange& c : changes) list.push_back(window_change_json(c));
  return {{"identical", changes.empty()}, {"changes", list}};
}

}  // namespace deadline
