#pragma once
// The public pages and the double opt-in (docs/http-api.md, "Pages"):
//   GET  /                      upcoming deadlines and the subscribe form
//   GET  /programmes/{id}       one programme
//   POST /subscribe             validate; a pending subscriber and a confirmation email (an
//                               active address: a mail with its manage link); 303 → /subscribed
//   GET  /subscribed            "请查收邮件"
//   GET  /confirm/{token}       whose subscription (masked) and a button that confirms (a GET
//                               changes nothing); once active, the confirmed page; revoked: says so
//   POST /confirm/{token}       pending → active, the welcome mail; 303 → GET /confirm/{token}
// The answer to a valid POST /subscribe is the same whether the address was new, pending, active
// or mailed too recently: the form tells nobody which addresses are subscribed. A mail held back
// by the per-address limits is sent when they allow (store: take_due_account_mails).
// Only accepted submissions count against the per-client limit; invalid ones (typos) have a far
// larger allowance of their own, so an office behind one address is not locked out by them.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "calendar/calendar.h"
#include "delivery/account_mailer.h"
#include "http/app.h"
#include "http/rate_limiter.h"
#include "schedule/lead.h"
#include "store/subscription_store.h"
#include "web/change_record.h"
#include "web/home_page.h"
#include "store/store_client.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::web {

struct SiteDependencies {
  std::function<std::shared_ptr<const Calendar>()> calendar;
  std::vector<Lead> lead_menu;
  ConfirmationMailPolicy mail_policy;
  std::string public_url;  // [http] public_url: the pages' feed links are absolute
  // The calendar's change history by programme (web/change_record.h); null: none yet.
  std::function<std::shared_ptr<const ChangeLog>()> changes{};
  RetentionPolicy retention{};  // what the 个人信息说明 says about keeping data
};

class SiteRoutes {
 public:
  // Every reference must outlive the routes.
  SiteRoutes(SiteDependencies dependencies, store::StoreClient<store::SubscriptionStore> store, boost::asio::io_context& io,
             const subscription::KeyRing& keys, const Clock& clock, delivery::AccountMailer& mailer)
      : d_(std::move(dependencies)), store_(store), io_(io), keys_(keys), clock_(clock), mailer_(mailer) {}

  // AppState::store_routes: false when the request is for none of the routes above.
  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  void subscribe(const http::Request& request, const http::RequestInfo& info, const Calendar& calendar,
                 const http::AppState::Reply& reply);
  void confirm(const http::Request& request, std::string_view token, const http::AppState::Reply& reply);
  void show_confirm(const http::Request& request, const subscription::TokenClaims& claims,
                    const http::AppState::Reply& reply);
  HomeExtras home_extras(std::string notice = {}) const;

  SiteDependencies d_;
  store::StoreClient<store::SubscriptionStore> store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
  const Clock& clock_;
  delivery::AccountMailer& mailer_;
  // Per client address: a form that sends email must not become a way to flood inboxes (each
  // address is also limited on its own: ConfirmationMailPolicy).
  http::RateLimiter subscribe_limiter_{http::RateLimit{5, std::chrono::seconds{60}, 10000}};
  // Per client address, for submissions that fail validation: they send nothing, so only the
  // work of answering them is bounded.
  http::RateLimiter invalid_limiter_{http::RateLimit{60, std::chrono::seconds{1}, 10000}};
};

}  // namespace deadline::web
