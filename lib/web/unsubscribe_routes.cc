#include "web/unsubscribe_routes.h"

#include "base/log.h"
#include "http/response.h"
#include "web/page.h"
#include "web/subscribe_form.h"
#include "web/subscription_pages.h"
#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

constexpr std::string_view kUnsubscribePrefix = "/unsubscribe/";

// What the link finds, read on the store thread: for GET (show) and POST (act).
enum class LinkState { shown, unsubscribed, already, invalid, revoked, failed };

struct LinkAnswer {
  LinkState state = LinkState::failed;
  std::string masked;  // the address, masked, for the page that asks
};

http::Response unsubscribe_answer(const LinkAnswer& a, std::string_view target, int unsubscribed_days,
                                  const http::ReplyTo& to) {
  switch (a.state) {
    case LinkState::shown:
      return http::html_response(http::Status::ok, unsubscribe_page(target, a.masked), to);
    case LinkState::unsubscribed:
    case LinkState::already:
      return http::html_response(http::Status::ok, unsubscribed_page(unsubscribed_days), to);
    case LinkState::invalid:
    case LinkState::revoked:
      return http::html_response(http::Status::not_found, unsubscribe_link_invalid_page(a.state == LinkState::revoked), to);
    case LinkState::failed:
      break;
  }
  return http::html_response(http::Status::service_unavailable,
                             message_page(wording::kUnavailableTitle, wording::kUnavailableText), to);
}

}  // namespace

bool UnsubscribeRoutes::handle(const http::Request& request, const http::RequestInfo& /*info*/,
                               const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  if (target.substr(0, kUnsubscribePrefix.size()) != kUnsubscribePrefix) return false;
  const http::ReplyTo to = http::reply_to(request);
  const std::string_view token = target.substr(kUnsubscribePrefix.size());
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::unsubscribe, token);
  const bool read = request.method() == http::Verb::get || request.method() == http::Verb::head;
  if (!read && request.method() != http::Verb::post) {
    http::Response r = http::html_response(http::Status::method_not_allowed, error_page(405), to);
    r.set(http::Field::allow, "GET, HEAD, POST");
    reply(std::move(r));
    return true;
  }
  if (!claims) {
    reply(unsubscribe_answer({LinkState::invalid, {}}, target, unsubscribed_days_, to));
    return true;
  }
  // Our page's button (via=page) is redirected; a mail client's one-click POST gets its answer.
  const bool from_page = !read && form_field(request.body(), "via") == "page";
  const Instant now = clock_.now();
  store_.run(
      [c = *claims, now, read](store::SubscriptionStore& s) -> Result<LinkAnswer> {
        const auto found = s.find_subscriber(c.subscriber_id);
        if (!found) return Result<LinkAnswer>::failure(found.error());
        if (!*found) return Result<LinkAnswer>::success({LinkState::invalid, {}});
        const store::SubscriberRecord& subscriber = **found;
        if (subscriber.state == SubscriberState::unsubscribed) return Result<LinkAnswer>::success({LinkState::already, {}});
        if (subscriber.token_generation != c.generation) return Result<LinkAnswer>::success({LinkState::revoked, {}});
        if (read) return Result<LinkAnswer>::success({LinkState::shown, mask_email(subscriber.email.value_or(""))});
        if (Status done = s.unsubscribe(c.subscriber_id, now); !done) return Result<LinkAnswer>::failure(done.error());
        return Result<LinkAnswer>::success({LinkState::unsubscribed, {}});
      },
      io_, [this, reply, to, from_page, target = std::string(target), subscriber = claims->subscriber_id](Result<LinkAnswer> answer) {
        if (!answer) log::error("unsubscribe", answer.error());
        if (answer && answer->state == LinkState::unsubscribed) {
          log::info("unsubscribe", "subscriber " + std::to_string(subscriber) + " unsubscribed by link");
        }
        const bool done = answer && (answer->state == LinkState::unsubscribed || answer->state == LinkState::already);
        if (from_page && done) {  // post/redirect/get: the GET of the same link says 已退订
          http::Response r = http::html_response(http::Status::see_other, std::string(), to);
          r.set(http::Field::location, target);
          return reply(std::move(r));
        }
        reply(unsubscribe_answer(answer ? *answer : LinkAnswer{}, target, unsubscribed_days_, to));
      });
  return true;
}

}  // namespace deadline::web
