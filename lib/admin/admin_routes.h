#pragma once
// The admin API (docs/http-api.md, "Admin API"), served on its own listener only: the daemon
// gives this as the admin server's AppState::store_routes, which takes every request, so the
// public JSON API and pages are never reached there (and the public listener never routes here).
//
// Every request must carry `Authorization: Bearer TOKEN` (bearer_auth.h: compared in constant
// time); else 401 with WWW-Authenticate: Bearer. Then: unknown path 404, wrong method 405 with
// Allow, bad id or parameter 400 naming the field. Store work runs on the store thread
// (store/store_thread.h); the answer is posted back to the session. The token is never logged;
// every change an operator makes is (component "admin").

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "admin/bearer_auth.h"
#include "admin/metrics_text.h"
#include "admin/reload_outcome.h"
#include "calendar/calendar.h"
#include "schedule/lead.h"
#include "http/app.h"
#include "store/admin_store.h"
#include "store/revision_store.h"
#include "store/store_client.h"
#include "time/clock.h"

namespace deadline::admin {

struct AdminAnswer;  // admin_routes.cc

struct AdminRoutesOptions {
  std::string version;                                        // deadlined_build_info{version}
  std::function<std::shared_ptr<const Calendar>()> calendar;  // the calendar in force (thread-safe)
  // Reloads the calendars now, recording the revision with the operator's reason, and calls
  // `done` with how it went (on the io_context's thread, once the store has recorded it), like
  // the SIGHUP handler. Required.
  std::function<void(const std::string& reason, std::function<void(ReloadOutcome)> done)> reload;
  // Releases (now) or drops the staged calendar revision `id` (deadlinectl changes release/drop)
  // and calls `done` with the revision as it then is, or why not. Required.
  std::function<void(std::int64_t id, std::function<void(Result<store::RevisionRecord>)> done)> release;
  std::function<void(std::int64_t id, const std::string& reason, std::function<void(Result<store::RevisionRecord>)> done)>
      drop;
  // Optional: the staged revision's id and the who-is-told rule bound to it, so GET
  // /admin/v1/changes can say how many endpoints its release would tell; nullopt when none.
  std::function<std::optional<std::pair<std::int64_t, NoticeDecider>>()> staged_decider{};
  // Optional: messages were put back to be sent now (enable, replay): look for them at once.
  std::function<void()> messages_ready{};
  // Optional: a notice for a subscriber was recorded (disable): mail it now.
  std::function<void()> notices_recorded{};
  // The operator's lead menu: an endpoint added here chooses from it ([schedule] leads).
  std::vector<Lead> lead_menu{};
  // Optional, for /metrics: what the daemon counted since start, and the firing lateness.
  std::function<DaemonCounters()> counters{};
  std::function<LatenessHistogram()> lateness{};
  std::function<std::map<std::pair<std::string, unsigned>, std::int64_t>()> http_requests{};  // (route, status)
  // Optional, for GET /admin/v1/status: the daemon's own state (scheduler, next triggers, last
  // reload) as a JSON object; called on the io_context's thread.
  std::function<nlohmann::json()> status{};
};

class AdminRoutes {
 public:
  // Keeps only the token's digest. `store`, `io` and `clock` must outlive the routes; `io` is the
  // context the sessions run on.
  AdminRoutes(std::string_view token, store::StoreClient<store::AdminStore> store,
              store::StoreClient<store::RevisionStore> revisions, boost::asio::io_context& io, const Clock& clock,
              AdminRoutesOptions options);

  // Answers every request (returns true), calling `reply` exactly once.
  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  void answer_from_store(const http::AppState::Reply& reply, std::function<AdminAnswer(store::AdminStore&)> work);
  // POST /admin/v1/subscribers and POST /admin/v1/endpoints (admin_bodies.h).
  bool add_subscriber(const http::Request& request, const http::AppState::Reply& reply, Instant now);
  bool add_endpoint(const http::Request& request, const http::AppState::Reply& reply, Instant now);

  BearerAuth auth_;
  store::StoreClient<store::AdminStore> store_;
  store::StoreClient<store::RevisionStore> revisions_;
  boost::asio::io_context& io_;
  const Clock& clock_;
  AdminRoutesOptions options_;
};

}  // namespace deadline::admin
