#include "domain/revision_json.h"

#include <stdexcept>

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
          {"closes_from", format_utc(w.closes_from)},
          {"phrase", w.phrase},
          {"projected", w.projected},
          {"cap", text_or_null(w.cap)},
          {"facts",
           {{"group", w.facts.group},
            {"category", w.facts.category},
            {"authority_text", w.facts.authority_text},
            {"role", w.facts.role},
            {"search_text", w.facts.search_text}}},
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

namespace {

std::string text_of(const json& value) { return value.is_null() ? std::string() : value.get<std::string>(); }

Instant instant_of(const json& value) {
  const Result<Instant> parsed = parse_iso8601(value.get<std::string>());
  if (!parsed) throw std::runtime_error("not an instant: " + value.dump());
  return *parsed;
}

}  // namespace

RevisionWindow revision_window_from_json(const json& j) {
  RevisionWindow w;
  w.id = j.at("id").get<std::string>();
  w.title = j.at("title").get<std::string>();
  w.facts.programme_id = j.at("programme").get<std::string>();
  const auto status = parse_window_status(j.at("status").get<std::string>());
  if (!status) throw std::runtime_error("unknown window status " + j.at("status").dump());
  w.status = *status;
  w.opens = text_of(j.at("opens"));
  w.closes = j.at("closes").get<std::string>();
  w.precision = j.at("precision").get<std::string>();
  w.closes_at = instant_of(j.at("closes_at"));
  w.closes_from = instant_of(j.at("closes_from"));
  w.phrase = j.at("phrase").get<std::string>();
  w.projected = j.at("projected").get<bool>();
  w.cap = text_of(j.at("cap"));
  const json& facts = j.at("facts");
  w.facts.group = facts.at("group").get<std::string>();
  w.facts.category = facts.at("category").get<std::string>();
  w.facts.authority_text = facts.at("authority_text").get<std::string>();
  w.facts.role = facts.at("role").get<std::string>();
  w.facts.search_text = facts.at("search_text").get<std::string>();
  if (const json& s = j.at("source"); !s.is_null()) {
    w.source = {s.at("title").get<std::string>(), s.at("issuer").get<std::string>(), s.at("date").get<std::string>(),
                text_of(s.at("url"))};
  }
  return w;
}

WindowChange window_change_from_json(const json& j) {
  WindowChange c;
  c.window_id = j.at("window").get<std::string>();
  for (const json& k : j.at("kinds")) {
    const auto kind = parse_change_kind(k.get<std::string>());
    if (!kind) throw std::runtime_error("unknown change kind " + k.dump());
    c.kinds.push_back(*kind);
  }
  c.moved_later = j.at("moved") == "later";
  if (!j.at("before").is_null()) c.before = revision_window_from_json(j.at("before"));
  if (!j.at("after").is_null()) c.after = revision_window_from_json(j.at("after"));
  return c;
}

json diff_json(const std::vector<WindowChange>& changes) {
  json list = json::array();
  for (const WindowChange& c : changes) list.push_back(window_change_json(c));
  return {{"identical", changes.empty()}, {"changes", list}};
}

}  // namespace deadline
