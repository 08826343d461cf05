#include "web/feed_routes.h"

#include "base/log.h"
#include "http/conditional.h"
#include "http/query.h"
#include "http/response.h"

namespace deadline::web {

namespace {

constexpr std::string_view kPublicPath = "/calendar.ics";
constexpr std::string_view kPersonalPrefix = "/feeds/";
constexpr std::string_view kSuffix = ".ics";

http::Response plain(http::Status status, std::string text, const http::ReplyTo& to) {
  http::Response res{status, to.version};
  res.set(http::Field::server, "deadlined");
  res.set(http::Field::content_type, "text/plain; charset=utf-8");
  res.set(http::Field::cache_control, "no-store");
  res.keep_alive(to.keep_alive);
  res.content_length(text.size());
  if (!to.head) res.body() = std::move(text);
  return res;
}

// The feed's bytes for this request: 304 when the client's copy is current, gzip when taken.
http::Response feed_response(const http::Request& request, const ical::RenderedFeed& feed, bool personal) {
  const http::ReplyTo to = http::reply_to(request);
  const bool gzip = http::accepts_gzip(request[http::Field::accept_encoding]);
  // A strong validator per representation; either one names the same version of the feed.
  const std::string gzip_etag = feed.etag.substr(0, feed.etag.size() - 1) + "-gzip\"";
  const std::string& etag = gzip ? gzip_etag : feed.etag;
  bool not_modified = false;
  if (const auto inm = request.find(http::Field::if_none_match); inm != request.end()) {
    not_modified = http::none_match_hits(inm->value(), {feed.etag, gzip_etag});
  } else if (const auto ims = request.find(http::Field::if_modified_since); ims != request.end()) {
    const auto since = http::parse_http_date(ims->value());
    not_modified = since && date::floor<std::chrono::seconds>(feed.last_modified) <= *since;
  }
  http::Response res{not_modified ? http::Status::not_modified : http::Status::ok, to.version};
  res.set(http::Field::server, "deadlined");
  res.set(http::Field::content_type, "text/calendar; charset=utf-8");
  res.set(http::Field::etag, etag);
  res.set(http::Field::last_modified, http::http_date(feed.last_modified));
  res.set(http::Field::vary, "Accept-Encoding");
  // A personal feed's URL is its owner's secret: no shared cache may keep it.
  res.set(http::Field::cache_control, personal ? "private, max-age=3600" : "public, max-age=3600");
  if (personal) res.set("Referrer-Policy", "no-referrer");
  res.keep_alive(to.keep_alive);
  if (not_modified) return res;
  const std::string& body = gzip ? feed.gzip : feed.body;
  if (gzip) res.set(http::Field::content_encoding, "gzip");
  res.content_length(body.size());
  if (!to.head) res.body() = body;
  return res;
}

}  // namespace

Result<ical::FeedSelection> public_feed_selection(std::string_view query, const Calendar& calendar) {
  using R = Result<ical::FeedSelection>;
  if (query.empty()) return R::success(ical::FeedSelection{});  // the common request: everything
  const auto params = http::parse_query(query);
  if (const auto* error = std::get_if<http::ParamError>(&params)) return R::failure(error->field + ": " + error->message);
  EndpointFilters asked;
  for (const http::QueryParam& param : std::get<std::vector<http::QueryParam>>(params)) {
    std::vector<std::string>* values = param.name == "programme"   ? &asked.programmes
                                       : param.name == "group"     ? &asked.groups
                                       : param.name == "category"  ? &asked.categories
                                       : param.name == "authority" ? &asked.authorities
                                                                   : nullptr;
    if (!values) return R::failure(param.name + ": unknown parameter (use programme, group, category or authority)");
    values->push_back(param.value);
  }
  return ical::public_selection(std::move(asked), calendar);
}

bool FeedRoutes::handle(const http::Request& request, const http::RequestInfo&, const http::AppState::Reply& reply) {
  const http::Target target = http::split_target(request.target());
  const bool is_public = target.path == kPublicPath;
  const bool is_personal = target.path.starts_with(kPersonalPrefix) && target.path.ends_with(kSuffix) &&
                           target.path.size() > kPersonalPrefix.size() + kSuffix.size();
  if (!is_public && !is_personal) return false;
  const http::ReplyTo to = http::reply_to(request);
  if (request.method() != http::Verb::get && request.method() != http::Verb::head) {
    http::Response r = plain(http::Status::method_not_allowed, "use GET or HEAD\n", to);
    r.set(http::Field::allow, "GET, HEAD");
    reply(std::move(r));
    return true;
  }
  if (is_personal) {
    const std::string_view token =
        target.path.substr(kPersonalPrefix.size(), target.path.size() - kPersonalPrefix.size() - kSuffix.size());
    personal(request, token, reply);
    return true;
  }
  const auto book = catalog_.book();
  if (!book) {
    reply(plain(http::Status::service_unavailable, "the calendar is not loaded yet\n", to));
    return true;
  }
  const auto selection = public_feed_selection(target.query, book->calendar());
  if (!selection) {
    reply(plain(http::Status::bad_request, "bad feed query: " + selection.error() + "\n", to));
    return true;
  }
  const auto feed = catalog_.feed(*selection);
  reply(feed ? feed_response(request, *feed, false) : plain(http::Status::service_unavailable, "no feed yet\n", to));
  return true;
}

void FeedRoutes::personal(const http::Request& request, std::string_view token, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::feed, token);
  if (!claims) {
    reply(plain(http::Status::not_found, "no such feed\n", to));
    return;
  }
  struct Loaded {
    bool found = false;
    std::vector<EndpointFilters> selections;
    std::string error;
  };
  // The request is copied for the answer: it is answered later, from the main thread.
  store_.run(
      [c = *claims](store::FeedStore& s) {
        Loaded out;
        const auto loaded = s.load_subscription(c.subscriber_id, c.generation);
        if (!loaded) return Loaded{false, {}, loaded.error()};
        if (!*loaded || (*loaded)->subscriber.state != SubscriberState::active) return out;
        out.found = true;
        for (const store::EndpointRecord& e : (*loaded)->endpoints) {
          if (e.state != EndpointState::unsubscribed) out.selections.push_back(e.filters);  // a feed is not a delivery
        }
        return out;
      },
      io_,
      [this, request, reply, to](Loaded loaded) {
        if (!loaded.error.empty()) {
          log::error("feeds", "personal feed: " + loaded.error);
          reply(plain(http::Status::service_unavailable, "try again later\n", to));
          return;
        }
        if (!loaded.found) {
          reply(plain(http::Status::not_found, "no such feed\n", to));
          return;
        }
        ical::FeedSelection selection;
        selection.everything = false;
        selection.personal = true;
        selection.selections = std::move(loaded.selections);
        const auto feed = catalog_.feed(selection);
        reply(feed ? feed_response(request, *feed, true) : plain(http::Status::service_unavailable, "no feed yet\n", to));
      });
}

}  // namespace deadline::web
