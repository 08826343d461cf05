#include "domain/change_notice_json.h"

#include <stdexcept>

#include "domain/revision_json.h"

namespace deadline {

using nlohmann::json;

namespace {

json optional_window_json(const std::optional<RevisionWindow>& window) {
  return window ? revision_window_json(*window) : json(nullptr);
}

std::optional<RevisionWindow> optional_window_from_json(const json& j) {
  if (j.is_null()) return std::nullopt;
  return revision_window_from_json(j);
}

}  // namespace

json told_change_json(const ToldChange& change) {
  json kinds = json::array();
  for (ChangeKind k : change.kinds) kinds.push_back(std::string(to_string(k)));
  return {{"window", change.window_id},
          {"kinds", std::move(kinds)},
          {"reopened", change.reopened},
          {"previous", optional_window_json(change.previous)},
          {"current", optional_window_json(change.current)},
          {"overdue_lead", change.overdue_lead}};
}

ToldChange told_change_from_json(const json& j) {
  ToldChange change;
  change.window_id = j.at("window").get<std::string>();
  for (const json& k : j.at("kinds")) {
    const auto kind = parse_change_kind(k.get<std::string>());
    if (!kind) throw std::runtime_error("unknown change kind " + k.dump());
    change.kinds.push_back(*kind);
  }
  change.reopened = j.at("reopened").get<bool>();
  change.previous = optional_window_from_json(j.at("previous"));
  change.current = optional_window_from_json(j.at("current"));
  change.overdue_lead = j.at("overdue_lead").get<std::string>();
  return change;
}

}  // namespace deadline
