#pragma once
// GET and POST /unsubscribe/{token} (RFC 8058 one-click).
//
// POST unsubscribes at once, whatever the body (mail clients send
// "List-Unsubscribe=One-Click" as application/x-www-form-urlencoded or as multipart/form-data),
// and answers a mail client 200 with a short page: no redirect, no further step. Our own page's
// button adds via=page and is redirected (303) to the GET of the same link, which then says
// "已退订": a refresh posts nothing again. Repeating it answers the same.
// GET only shows a page whose button POSTs, naming the address masked (c***@qiye.example.cn) and
// saying that webhooks and robots stop too: mail scanners fetch every link they see, and a GET
// must never change anything. Once unsubscribed, GET says so.
// A token that does not verify answers 404; one whose generation the subscriber has moved past
// while still subscribed (they subscribed again) answers 404 saying the link was replaced.

#include <boost/asio/io_context.hpp>

#include "http/app.h"
#include "store/subscription_store.h"
#include "store/store_client.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::web {

class UnsubscribeRoutes {
 public:
  // `unsubscribed_days`: [retention] unsubscribed_days, what the page promises about deleting.
  UnsubscribeRoutes(store::StoreClient<store::SubscriptionStore> store, boost::asio::io_context& io, const subscription::KeyRing& keys,
                    const Clock& clock, int unsubscribed_days = 30)
      : store_(store), io_(io), keys_(keys), clock_(clock), unsubscribed_days_(unsubscribed_days) {}

  // AppState::store_routes: false when the request is not for /unsubscribe/.
  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  store::StoreClient<store::SubscriptionStore> store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
  const Clock& clock_;
  int unsubscribed_days_;
};

}  // namespace deadline::web
