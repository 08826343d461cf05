#pragma once
// GET and POST /manage/{token}: the manage page (web/manage_page.h). A GET only shows: the page
// (?done=CODE adds what the last change did), one endpoint's edit page (?edit=ID), the question
// before deleting one (?delete=ID) or erasing everything (?erase=1). A POST changes, by its
// action: choices (the email's), add, edit&endpoint=ID (name and choices), delete&endpoint=ID,
// reenable&endpoint=ID, test&endpoint=ID, erase. A change that worked answers 303 to the page
// with ?done=CODE, so a refresh repeats nothing; except adding a webhook whose signing key was
// generated, answered once with the key (Cache-Control: no-store; the key is never in a URL), and
// erasing, answered with the page saying it is done. A change refused shows the page with why.
// The token (purpose manage) must carry the subscriber's current generation: after an
// unsubscribe, old manage links stop working.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "calendar/calendar.h"
#include "http/app.h"
#include "schedule/lead.h"
#include "store/subscription_store.h"
#include "store/store_client.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::web {

class ManageRoutes {
 public:
  // Every reference must outlive the routes.
  // `allow_hosts`: [delivery] allow_hosts, so an added endpoint is checked as the dispatcher will.
  ManageRoutes(std::function<std::shared_ptr<const Calendar>()> calendar, std::vector<Lead> lead_menu,
               std::vector<std::string> allow_hosts, store::StoreClient<store::SubscriptionStore> store, boost::asio::io_context& io,
               const subscription::KeyRing& keys, const Clock& clock, std::string public_url)
      : public_url_(std::move(public_url)),
        calendar_(std::move(calendar)),
        lead_menu_(std::move(lead_menu)),
        allow_hosts_(std::move(allow_hosts)),
        store_(store),
        io_(io),
        keys_(keys),
        clock_(clock) {}

  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  std::string public_url_;  // [http] public_url, for the feed links
  std::function<std::shared_ptr<const Calendar>()> calendar_;
  std::vector<Lead> lead_menu_;
  std::vector<std::string> allow_hosts_;
  store::StoreClient<store::SubscriptionStore> store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
  const Clock& clock_;
};

}  // namespace deadline::web
