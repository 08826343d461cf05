#include "deadlinectl/revision_commands.h"

#include <ostream>

#include "admin/admin_json.h"
#include "calendar/loader.h"
#include "config/config.h"
#include "schedule/notice_decider.h"
#include "deadlinectl/admin_client.h"
#include "store/open_store.h"
#include "time/clock.h"

namespace deadline::ctl {

using nlohmann::json;

namespace {

void print_changes(const json& changes, std::ostream& out) {
  for (const json& c : changes) out << "    " << c.at("text").get<std::string>() << '\n';
}

// The revisions as the admin API would answer, read from the database file.
Result<json> history_offline(const Globals& g, const std::string& programme, int limit) {
  const auto running = store::daemon_running_on(g.store.database.string());
  if (!running) return Result<json>::failure(running.error());
  if (!running->empty()) return Result<json>::failure(*running + "; use --admin URL to ask it");
  auto store = store::open_store(g.store.database.string(), store::settings_named("deadlinectl"));
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

// A stored revision's calendar, loaded again from the files the store kept; null without them.
std::shared_ptr<const Calendar> stored_calendar(store::RevisionStore& store, std::int64_t id,
                                                const ProjectionOptions& projection) {
  const auto sources = store.revision_sources(id);
  if (!sources || !*sources) return nullptr;
  LoadOutcome loaded = load_calendar_texts((*sources)->files, projection);
  return loaded.calendar ? std::make_shared<const Calendar>(std::move(*loaded.calendar)) : nullptr;
}

// What the staged revision's release would tell now ({"windows", "endpoints"}), judged as the
// daemon judges it, with the [schedule] of `config_file` (defaults without one); null when the
// store has not kept its files.
Result<json> preview_offline(store::RevisionStore& store, const store::RevisionRecord& staged,
                             const std::filesystem::path& config_file) {
  Config config = default_config();
  if (!config_file.empty()) {
    ConfigOutcome loaded = load_config_file(config_file);
    if (!loaded.errors.empty()) return Result<json>::failure(loaded.errors.front());
    config = std::move(loaded.config);
  }
  const ProjectionOptions projection{config.horizon_years};
  const auto after = stored_calendar(store, staged.id, projection);
  if (!after) return Result<json>::success(json(nullptr));
  // The daemon's own clock: a test clock when its configuration names one.
  const Instant now = config.test_clock_offset_file.empty() ? SystemClock().now()
                                                             : OffsetClock(config.test_clock_offset_file).now();
  const auto preview = store.preview_change_notices(
      staged.id, make_notice_decider(stored_calendar(store, staged.base_id, projection), after,
                                     {config.leads, config.send_time}, now),
      now);
  if (!preview) return Result<json>::failure(preview.error());
  return Result<json>::success(json{{"windows", preview->events}, {"endpoints", preview->messages}});
}

// The staged revision, or the one released or dropped, as the admin API would answer, from the
// database file.
Result<json> changes_offline(const Globals& g, const ChangesRequest& request) {
  const auto running = store::daemon_running_on(g.store.database.string());
  if (!running) return Result<json>::failure(running.error());
  if (!running->empty()) return Result<json>::failure(*running + "; use --admin URL to ask it");
  auto store = store::open_store(g.store.database.string(), store::settings_named("deadlinectl"));
  if (!store) return Result<json>::failure(store.error());
  if (request.verb == "list") {
    const auto staged = store.value()->staged_revision();
    if (!staged) return Result<json>::failure(staged.error());
    json list = json::array();
    if (*staged) {
      const auto to_tell = preview_offline(*store.value(), **staged, request.config);
      if (!to_tell) return Result<json>::failure(to_tell.error());
      json r = admin::revision_json(**staged);
      r["to_tell"] = *to_tell;
      list.push_back(std::move(r));
    }
    return Result<json>::success(json{{"staged", list}});
  }
  const Instant now = SystemClock().now();
  const auto decided = request.verb == "release" ? store.value()->release_revision(request.revision, now)
                                                 : store.value()->drop_revision(request.revision, request.reason, now);
  if (!decided) return Result<json>::failure(decided.error());
  return Result<json>::success(json{{"revision", admin::revision_json(*decided)}});
}

Result<json> changes_online(const Globals& g, const ChangesRequest& request) {
  const bool list = request.verb == "list";
  const std::string path = list ? "/admin/v1/changes"
                                : "/admin/v1/changes/" + std::to_string(request.revision) + "/" + request.verb;
  const std::string body = request.reason.empty() ? std::string() : json{{"reason", request.reason}}.dump();
  const Result<AdminAnswer> answer = admin_request(g.admin, list ? "GET" : "POST", path, body);
  if (!answer) return Result<json>::failure(answer.error());
  json parsed = json::parse(answer->body, nullptr, false);
  if (answer->status != 200 || parsed.is_discarded()) {
    const std::string message = !parsed.is_discarded() && parsed.contains("error")
                                    ? parsed["error"].value("message", "")
                                    : answer->body;
    return Result<json>::failure("the daemon answered " + std::to_string(answer->status) + ": " + message);
  }
  return Result<json>::success(std::move(parsed));
}

}  // namespace

int changes_command(const Globals& globals, const ChangesRequest& request, std::ostream& out, std::ostream& err) {
  const bool offline = globals.admin.url.empty();
  const Result<json> answer = offline ? changes_offline(globals, request) : changes_online(globals, request);
  if (!answer) {
    err << "deadlinectl: " << answer.error() << '\n';
    return 1;
  }
  if (request.json) {
    out << answer->dump(2) << '\n';
    return 0;
  }
  if (request.verb == "list") {
    if (answer->at("staged").empty()) out << "no calendar revision is staged\n";
    for (const json& r : answer->at("staged")) {
      const std::int64_t id = r.at("id").get<std::int64_t>();
      out << "#" << id << " staged " << r.at("recorded_at").get<std::string>() << " (" << r.at("cause").get<std::string>()
          << "), released at " << r.at("release_at").get<std::string>() << "; calendar "
          << r.at("calendar_revision").get<std::string>();
      if (r.at("reason").is_string()) out << "  (reason: " << r.at("reason").get<std::string>() << ')';
      out << '\n';
      print_changes(r.at("changes"), out);
      if (r.contains("to_tell") && r.at("to_tell").is_object()) {
        out << "  released now, it would tell " << r.at("to_tell").at("endpoints").get<std::int64_t>()
            << " endpoint(s) of " << r.at("to_tell").at("windows").get<std::int64_t>() << " window(s)\n";
      } else {
        out << "  (how many endpoints it tells is not known: the store has not kept its files)\n";
      }
      out << "  release now: deadlinectl changes release " << id << "; discard: deadlinectl changes drop " << id
          << " --reason ...\n";
    }
    return 0;
  }
  const json& r = answer->at("revision");
  const std::int64_t id = r.at("id").get<std::int64_t>();
  if (request.verb == "release") {
    out << "revision #" << id << " released"
        << (offline ? "; its change notices are recorded when deadlined next starts" : "; change notices recorded")
        << '\n';
  } else {
    out << "revision #" << id << " dropped; nobody is told and its dates are never used\n";
  }
  return 0;
}

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
    const std::int64_t id = answer.at("revision_id").get<std::int64_t>();
    if (answer.value("state", "released") == "staged") {
      out << "the files are those of staged revision #" << id << ", released at "
          << answer.at("release_at").get<std::string>() << "\n";
    } else {
      out << "no window changed (revision #" << id << " stays)";
      if (answer.contains("replaced") && answer.at("replaced").is_number()) {
        out << "; staged revision #" << answer.at("replaced").get<std::int64_t>() << " withdrawn";
      }
      out << '\n';
    }
    return;
  }
  const std::int64_t id = answer.at("revision_id").get<std::int64_t>();
  if (answer.value("state", "released") == "staged") {
    out << "revision #" << id << " staged, released at " << answer.at("release_at").get<std::string>()
        << " unless dropped (deadlinectl changes drop " << id << "): " << changes.size() << " window(s) changed\n";
  } else {
    out << "revision #" << id << " recorded: " << changes.size() << " window(s) changed\n";
  }
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
