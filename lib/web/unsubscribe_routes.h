#pragma once
// GET and POST /unsubscribe/{token} (RFC 8058 one-click).
//
// POST unsubscribes at once, whatever the body (mail clients send
// "List-Unsubscribe=One-Click" as application/x-www-form-urlencoded or as multipart/form-data;
// our own page's button sends the same), and answers 200 with a short page: no redirect, no
// further step. Repeating it answers 200 again.
// GET only shows a page whose button POSTs: mail scanners fetch every link they see, and a GET
// must never change anything.
// A token that does not verify, or whose generation the subscriber has moved past while still
// subscribed, answers 404 with the same page for every such case.

#include <boost/asio/io_context.hpp>

#include "http/app.h"
#include "store/subscription_store.h"
#include "store/store_client.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::web {

class UnsubscribeRoutes {
 public:
  UnsubscribeRoutes(store::StoreClient<store::SubscriptionStore> store, boost::asio::io_context& io, const subscription::KeyRing& keys,
                    const Clock& clock)
      : store_(store), io_(io), keys_(keys), clock_(clock) {}

  // AppState::store_routes: false when the request is not for /unsubscribe/.
  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  store::StoreClient<store::SubscriptionStore> store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
  const Clock& clock_;
};

}  // namespace deadline::web
