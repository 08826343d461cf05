#pragma once
// The calendar feeds (docs/http-api.md, "Feeds"):
//   GET /calendar.ics[?programme=&group=&category=&authority=]   every programme, or those chosen
//   GET /feeds/{token}.ics                                        a subscriber's own feed
// text/calendar; charset=utf-8, with ETag and Last-Modified (304 on If-None-Match or
// If-Modified-Since) and gzip when the client takes it. Feeds are rendered once per calendar
// and selection (ical/feed_catalog.h); a request only picks the bytes.

#include <boost/asio/io_context.hpp>

#include "http/app.h"
#include "ical/feed_catalog.h"
#include "store/feed_store.h"
#include "store/store_client.h"
#include "subscription/tokens.h"

namespace deadline::web {

class FeedRoutes {
 public:
  // Every reference must outlive the routes.
  FeedRoutes(ical::FeedCatalog& catalog, store::StoreClient<store::FeedStore> store, boost::asio::io_context& io,
             const subscription::KeyRing& keys)
      : catalog_(catalog), store_(store), io_(io), keys_(keys) {}

  // AppState::store_routes: false when the request is for neither route.
  bool handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply);

 private:
  void personal(const http::Request& request, std::string_view token, const http::AppState::Reply& reply);

  ical::FeedCatalog& catalog_;
  store::StoreClient<store::FeedStore> store_;
  boost::asio::io_context& io_;
  const subscription::KeyRing& keys_;
};

// The public feed's query as a selection, checked against the calendar: programme ids, groups
// and categories it knows, authority as a substring; repeating a parameter adds values (OR).
// An error names the parameter.
Result<ical::FeedSelection> public_feed_selection(std::string_view query, const Calendar& calendar);

}  // namespace deadline::web
