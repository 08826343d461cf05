#pragma once
// The JSON API's routes that subscribe and manage (docs/http-api.md, "Subscribing and managing
// through the API"), answered from the store thread like the pages:
//   POST   /api/v1/subscriptions                           the double opt-in of POST /subscribe
//   GET    /api/v1/manage/{token}                          the subscriber and their endpoints
//   POST   /api/v1/manage/{token}/endpoints                add a webhook or chat robot
//   PUT    /api/v1/manage/{token}/endpoints/{id}           change an endpoint's filters and leads
//   DELETE /api/v1/manage/{token}/endpoints/{id}           remove one (never the only email one)
//   POST   /api/v1/manage/{token}/endpoints/{id}/test      a test reminder now
// Dispatched by the route table (route_table.h). {token} is a manage token (subscription/
// tokens.h) carrying the subscriber's current generation; anything else is 404, as is an
// unsubscribed subscriber. Every answer is JSON with Cache-Control: no-store.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/route_table.h"
#include "calendar/calendar.h"
#include "delivery/account_mailer.h"
#include "http/app.h"
#include "http/rate_limiter.h"
#include "schedule/lead.h"
#include "store/subscription_store.h"
#include "store/store_client.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::api {

struct ApiDependencies {
  std::function<std::shared_ptr<const Calendar>()> calendar;
  std::vector<Lead> lead_menu;
  ConfirmationMailPolicy mail_policy;
  std::vector<std::string> allow_hosts;  // [delivery] allow_hosts: added endpoints are checked as the dispatcher will
  std::string public_url;                // [http] public_url: the links in GET /api/v1/manage/{token}
};

class ApiRoutes {
 public:
  // Every reference must outlive the routes.
  ApiRoutes(ApiDependencies dependencies, store::StoreClient<store::SubscriptionStore> store, boost::asio::io_context& io,
            const subscription::KeyRing& keys, const Clock& clock, delivery::AccountMailer& mailer);

  // AppState::store_routes: false when the path is none of the routes above (the router then
  // answers 404); a route asked with another method is 405 with Allow.
  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  void subscribe(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);
  void show(const http::Request& request, const subscription::TokenClaims& claims, const http::AppState::Reply& reply);
  void add_endpoint(const http::Request& request, const subscription::TokenClaims& claims,
                    const http::AppState::Reply& reply);
  void change_endpoint(const http::Request& request, const subscription::TokenClaims& claims, std::int64_t endpoint,
                       const http::AppState::Reply& reply);
  void test_endpoint(const http::Request& request, const subscription::TokenClaims& claims, std::int64_t endpoint,
                     const http::AppState::Reply& reply);
  void remove_endpoint(const http::Request& request, const subscription::TokenClaims& claims, std::int64_t endpoint,
                       const http::AppState::Reply& reply);

  ApiDependencies d_;
  store::StoreClient<store::SubscriptionStore> store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
  const Clock& clock_;
  delivery::AccountMailer& mailer_;
  std::vector<RouteSpec> routes_;  // the table's routes answered here
  // Per client address, as for POST /subscribe: requests that send email (docs/http-api.md, "Limits").
  http::RateLimiter subscribe_limiter_{http::RateLimit{5, std::chrono::seconds{60}, 10000}};
};

}  // namespace deadline::api
