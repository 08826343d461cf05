#include "http/router.h"

#include <optional>
#include <string>

#include "calendar/json_export.h"
#include "calendar/upcoming.h"
#include "http/query.h"
#include "http/response.h"
#include "http/upcoming_params.h"
#include "ical/feed_book.h"
#include "schedule/window_match.h"
#include "time/iso8601.h"

namespace deadline::http {

namespace {

using nlohmann::json;

enum class Route { healthz, programmes, programme, upcoming };

struct Match {
  Route route;
  std::string_view id;  // the {id} of /api/v1/programmes/{id}, still percent-encoded
};

std::optional<Match> match(std::string_view path) {
  constexpr std::string_view programme_prefix = "/api/v1/programmes/";
  if (path == "/healthz") return Match{Route::healthz, {}};
  if (path == "/api/v1/programmes") return Match{Route::programmes, {}};
  if (path == "/api/v1/upcoming") return Match{Route::upcoming, {}};
  if (path.starts_with(programme_prefix)) {
    const std::string_view id = path.substr(programme_prefix.size());
    if (!id.empty() && id.find('/') == std::string_view::npos) return Match{Route::programme, id};
  }
  return std::nullopt;
}

Response healthz(const AppState& app, const Calendar* calendar, const ReplyTo& to) {
  json body = json::object();
  if (app.health_details) {
    const json details = app.health_details();
    if (details.is_object()) body.update(details);
  }
  const bool store_ok = !app.store_reachable || app.store_reachable();
  const bool in_step = !app.calendar_in_step || app.calendar_in_step();
  const bool draining = app.draining && app.draining();
  const bool ok = calendar && store_ok && in_step && !draining;
  body["status"] = ok ? "ok" : "unavailable";
  body["store"] = store_ok ? "ok" : "unavailable";
  if (app.calendar_in_step) body["calendar"] = in_step ? "ok" : "out_of_step";
  body["draining"] = draining;
  body["time"] = format_utc(app.clock->now());
  body["calendar_revision"] = calendar ? json(calendar->revision()) : json(nullptr);
  // A probe must see the server's state now, never a cached copy.
  Response res = json_response(ok ? Status::ok : Status::service_unavailable, body, to);
  res.set(Field::cache_control, "no-store");
  return res;
}

Response programmes(const Calendar& calendar, const ReplyTo& to) {
  json list = json::array();
  for (const Programme& p : calendar.programmes()) list.push_back(programme_json(p, calendar));
  json policies = json::array();
  for (const Policy& p : calendar.policies()) policies.push_back(policy_json(p));
  return json_response(Status::ok,
                       {{"revision", calendar.revision()}, {"programmes", list}, {"policies", policies}},
                       to);
}

Response programme(const AppState& app, const Calendar& calendar, std::string_view raw_id, const ReplyTo& to) {
  const Result<std::string> id = percent_decode(raw_id, false);
  const Programme* p = id ? calendar.find_programme(*id) : nullptr;
  if (!p) {
    return error_response(Status::not_found, "not_found", "id",
                          "no programme '" + (id ? *id : std::string(raw_id)) + "'", to);
  }
  json body = programme_json(*p, calendar);
  body["withdrawn_windows"] = app.withdrawn_windows ? app.withdrawn_windows(p->id) : json::array();
  return json_response(Status::ok, body, to);
}

Response upcoming(const Calendar& calendar, const Clock& clock, std::string_view query,
                  const ReplyTo& to) {
  auto params = parse_upcoming_params(query, clock.now());
  if (const auto* error = std::get_if<ParamError>(&params)) {
    return error_response(Status::bad_request, error->code, error->field, error->message, to);
  }
  const UpcomingParams& p = std::get<UpcomingParams>(params);
  std::vector<const Window*> windows = upcoming_windows(calendar, {p.at, date::days{p.days}});
  // The filters, checked and read as the public calendar feed's (GET /calendar.ics).
  EndpointFilters filters;
  filters.programmes = p.programmes;
  filters.groups = p.groups;
  filters.categories = p.categories;
  filters.authorities = p.authorities;
  if (!filters.empty()) {
    const Result<ical::FeedSelection> selection = ical::public_selection(filters, calendar);
    if (!selection) {  // "group: no group '…' in the calendar": the field comes first
      const std::string& message = selection.error();
      return error_response(Status::bad_request, "invalid_parameter", message.substr(0, message.find(':')), message, to);
    }
    std::erase_if(windows, [&](const Window* w) {
      const Programme* programme = calendar.find_programme(w->programme_id);
      return !programme || !filters_match(filters, *programme, *w);
    });
  }
  return json_response(Status::ok, upcoming_json(calendar, p.at, p.days, windows), to);
}

Response route(const AppState& app, const Request& request, const ReplyTo& to) {
  const Target target = split_target(request.target());
  const std::optional<Match> found = match(target.path);
  if (!found) {
    return error_response(Status::not_found, "not_found", "",
                          "no resource at '" + std::string(target.path) + "'", to);
  }
  if (request.method() != Verb::get && request.method() != Verb::head) {
    Response res = error_response(Status::method_not_allowed, "method_not_allowed", "",
                                  std::string(request.method_string()) + " is not allowed on '" +
                                      std::string(target.path) + "' (use GET or HEAD)",
                                  to);
    res.set(Field::allow, "GET, HEAD");
    return res;
  }
  const std::shared_ptr<const Calendar> calendar = app.calendar ? app.calendar() : nullptr;
  if (found->route == Route::healthz) return healthz(app, calendar.get(), to);
  if (!calendar) return error_response(Status::service_unavailable, "unavailable", "", "no calendar is loaded yet", to);
  switch (found->route) {
    case Route::programmes: return programmes(*calendar, to);
    case Route::programme: return programme(app, *calendar, found->id, to);
    case Route::upcoming: return upcoming(*calendar, *app.clock, target.query, to);
    case Route::healthz: break;
  }
  return healthz(app, calendar.get(), to);
}

}  // namespace

Response handle_request(const AppState& app, const Request& request) {
  const ReplyTo to = reply_to(request);
  try {
    return route(app, request, to);
  } catch (const std::exception& e) {
    // The app state's callbacks are the daemon's code; keep its failure to this one request.
    return error_response(Status::internal_server_error, "internal_error", "", e.what(), to);
  }
}

}  // namespace deadline::http
