#include "deadlinectl/revision_commands.h"

#include <ostream>

#include "admin/admin_json.h"
#include "deadlinectl/admin_client.h"
#include "store/database_lock.h"
#include "store/sqlite_store.h"

namespace deadline::ctl {

using nlohmann::json;

namespace {

void print_changes(const json& changes, std::ostream& out) {
  for (const json& c : changes) out << "    " << c.at("text").get<std::string>() << '\n';
}

// The revisions as the admin API would answer, read from the database file.
Result<json> history_offline(const Globals& g, const std::string& programme, int limit) {
  if (store::DatabaseLock::held_elsewhere(g.store.database)) {
    return Result<json>::failure("deadlined is running on " + g.store.database.string() +
                                 " (it holds the .lock file); use --admin URL to ask it");
  }
  auto store = store::SqliteStore::open(g.store.database);
  if (!store) return Result<json>::failure(store.error());
  const auto history = store.value()->revision_history(programme, limit);
  if (!history) return Result<json>::failure(history.error());
  json list = json::array();
  for (const store::RevisionRecord& r : *history) list.push_back(admin::revision_json(r));
  return Result<json>::success(json{{"revisions", list}});
}

Result<json> history_online(const Globals& g, const std::string& programme, int limit) {
  std::string path = "/admin/v1/revisions?limit=" + std::to_string(limit);
  if (!programme.empty()) path += "&programme=" + programme;  // an id: nothing to escape
  const Result<AdminAnswer> answer = admin_request(g.admin, "GET", path);
  if (!answer) return Result<json>::failure(answer.error());
  json body = json::parse(answer->body, nullptr, false);
  if (answer->status != 200 || body.is_discarded()) {
    const std::string message = !body.is_discarded() && body.contains("error") ? body["error"].value("message", "")
                                                                                : answer->body;
    return Result<json>::failure("the daemon answered " + std::to_string(answer->status) + ": " + message);
  }
  return Result<json>::success(std::move(body));
}

}  // namespace

void print_history(const json& revisions, std::ostream& out) {
  for (const json& r : revisions) {
    out << '#' << r.at("id").get<std::int64_t>() << "  " << r.at("recorded_at").get<std::string>() << "  "
        << r.at("cause").get<std::string>() << "  calendar " << r.at("calendar_revision").get<std::string>();
    if (r.at("baseline").get<bool>()) out << "  baseline";
    if (r.at("reason").is_string()) out << "  (reason: " << r.at("reason").get<std::string>() << ')';
    out << '\n';
    if (!r.at("baseline").get<bool>() && r.at("changes").empty()) out << "    (no window changed)\n";
    print_changes(r.at("changes"), out);
  }
}

void print_reload(const json& answer, std::ostream& out) {
  out << "calendar " << answer.at("revision").get<std::string>() << " in force ("
      << answer.at("programmes").get<std::size_t>() << " programmes); ";
  const json& changes = answer.at("changes");
  if (!answer.at("recorded").get<bool>()) {
    out << "no window changed (revision #" << answer.at("revision_id").get<std::int64_t>() << " stays)\n";
    return;
  }
  out << "revision #" << answer.at("revision_id").get<std::int64_t>() << " recorded: " << changes.size()
      << " window(s) changed\n";
  print_changes(changes, out);
}

int history_command(const Globals& globals, const std::string& programme, int limit, bool json_out,
                    std::ostream& out, std::ostream& err) {
  const Result<json> history =
      globals.admin.url.empty() ? history_offline(globals, programme, limit) : history_online(globals, programme, limit);
  if (!history) {
    err << "deadlinectl: " << history.error() << '\n';
    return 1;
  }
  if (json_out) {
    out << history->dump(2) << '\n';
  } else if (history->at("revisions").empty()) {
    out << (programme.empty() ? std::string("no calendar revision recorded yet")
                              : "no recorded calendar revision changed programme " + programme)
        << '\n';
  } else {
    print_history(history->at("revisions"), out);
  }
  return 0;
}

}  // namespace deadline::ctl
