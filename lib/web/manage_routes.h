#pragma once
// GET and POST /manage/{token}: the manage page (web/manage_page.h). A GET only shows; a POST
// with action=choices saves the email reminders' choices, with action=reenable&endpoint=ID puts a
// failing endpoint back to work. The token (purpose manage) must carry the subscriber's current
// generation: after an unsubscribe, old manage links stop working.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "calendar/calendar.h"
#include "http/app.h"
#include "schedule/lead.h"
#include "store/store_thread.h"
#include "subscription/tokens.h"

namespace deadline::web {

class ManageRoutes {
 public:
  // Every reference must outlive the routes.
  ManageRoutes(std::function<std::shared_ptr<const Calendar>()> calendar, std::vector<Lead> lead_menu,
               store::StoreThread& store, boost::asio::io_context& io, const subscription::KeyRing& keys)
      : calendar_(std::move(calendar)), lead_menu_(std::move(lead_menu)), store_(store), io_(io), keys_(keys) {}

  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  std::function<std::shared_ptr<const Calendar>()> calendar_;
  std::vector<Lead> lead_menu_;
  store::StoreThread& store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
};

}  // namespace deadline::web
