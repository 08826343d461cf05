#pragma once
// What the request handlers may read. The daemon owns all of it; the HTTP module only asks.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "calendar/calendar.h"
#include "http/message.h"
#include "time/clock.h"

namespace deadline::http {

// What the server knows about a request beyond its bytes.
struct RequestInfo {
  // The client's address as text ("192.0.2.7", "2001:db8::1"): the connection's peer, or behind
  // a trusted reverse proxy the address it forwarded (client_address.h). The key for per-client
  // limits (rate_limiter.h).
  std::string client;
};

struct AppState {
  // The current calendar snapshot. Called once per request, possibly from several io_context
  // threads at once, so it must be thread-safe (the daemon swaps snapshots on reload). May
  // return nullptr before the first calendar is loaded: the API then answers 503.
  std::function<std::shared_ptr<const Calendar>()> calendar;
  // Required; must outlive the server.
  const Clock* clock = nullptr;
  // Extra members for GET /healthz (e.g. outbox depth). Optional; must return an object when set.
  // The handler's own members (status, time, calendar_revision) win over same-named ones here.
  std::function<nlohmann::json()> health_details{};
  // Optional: false while the database cannot be reached (store::Store::reachable): /healthz then
  // answers 503 with "store": "unavailable", so a balancer sends people to a node that can
  // subscribe them. Unset: reachable.
  std::function<bool()> store_reachable{};
  // Optional: false while this node's calendar is not the database's (several nodes on one
  // database, daemon/deadlined/calendar_authority.h): /healthz then answers 503 with "calendar":
  // "out_of_step". Unset: in step.
  std::function<bool()> calendar_in_step{};
  // Optional: true while the daemon drains before it stops ([daemon] drain_seconds): /healthz then
  // answers 503 with "draining": true, so a balancer takes the node out of rotation while every
  // other request is still served as usual. Unset: never draining.
  std::function<bool()> draining{};
  // Optional: the windows a released calendar revision withdrew from programme `id` whose old
  // close is still ahead (web/change_record.h withdrawn_windows), as JSON for GET
  // /api/v1/programmes/{id}'s "withdrawn_windows"; an empty array when unset.
  std::function<nlohmann::json(const std::string& programme_id)> withdrawn_windows{};
  // Routes answered asynchronously, from the store thread (the pages: home, programmes,
  // subscribe, confirm, manage, unsubscribe; lib/web/). Returns
  // false when the request is not one of them (handle_request answers it then); else it owns the
  // request and calls `reply` exactly once, from any thread: the session posts the response back
  // to its own connection. `info` is valid only during the call: copy what is needed later.
  using Reply = std::function<void(Response)>;
  std::function<bool(const Request&, const RequestInfo& info, Reply reply)> store_routes{};
  // Optional: told of every response as it is sent, with the request's target ("" for a request
  // refused before it was read whole): the daemon counts them for /metrics (http_metrics.h).
  std::function<void(std::string_view target, unsigned status)> on_response{};
  // Optional: the HTML page for an error status (4xx, 5xx). When set, an error this module
  // answers in JSON (404 on an unknown path, 405, 413, 431, 400) to a request for a page
  // (page_errors.h wants_error_page) is this page instead; the JSON API keeps its JSON.
  std::function<std::string(unsigned status)> error_page{};
};

}  // namespace deadline::http
