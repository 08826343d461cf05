#include "web/unsubscribe_routes.h"

#include "base/log.h"
#include "http/response.h"
#include "web/page.h"

namespace deadline::web {

namespace {

constexpr std::string_view kUnsubscribePrefix = "/unsubscribe/";

enum class Outcome { unsubscribed, already, invalid, failed };

http::Response answer(Outcome outcome, const http::ReplyTo& to) {
  switch (outcome) {
    case Outcome::unsubscribed:
      return http::html_response(http::Status::ok,
                                 page("已退订", "<p>您已退订，今后不会再收到申报提醒邮件。</p>\n"
                                                "<p class=\"note\">如需重新订阅，请回到首页再次填写订阅表单。</p>"),
                                 to);
    case Outcome::already:
      return http::html_response(http::Status::ok, page("已退订", "<p>此前已经退订，不会再收到申报提醒邮件。</p>"), to);
    case Outcome::invalid:
      return http::html_response(http::Status::not_found,
                                 page("链接无效", "<p>这个退订链接无效或已失效。请使用最新一封提醒邮件中的退订链接。</p>"),
                                 to);
    case Outcome::failed:
      break;
  }
  return http::html_response(http::Status::service_unavailable,
                             page("暂时无法退订", "<p>服务暂时不可用，请稍后再试。</p>"), to);
}

http::Response confirm_page(std::string_view target, const http::ReplyTo& to) {
  const std::string body = "<p>确认后将不再收到申报提醒邮件。</p>\n<form method=\"post\" action=\"" + escape(target) +
                           "\">\n<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                           "<button type=\"submit\">确认退订</button>\n</form>";
  return http::html_response(http::Status::ok, page("退订申报提醒", body), to);
}

}  // namespace

bool UnsubscribeRoutes::handle(const http::Request& request, const http::RequestInfo& /*info*/,
                               const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  if (target.substr(0, kUnsubscribePrefix.size()) != kUnsubscribePrefix) return false;
  const http::ReplyTo to = http::reply_to(request);
  const std::string_view token = target.substr(kUnsubscribePrefix.size());
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::unsubscribe, token);
  if (request.method() == http::Verb::get || request.method() == http::Verb::head) {
    reply(claims ? confirm_page(target, to) : answer(Outcome::invalid, to));
    return true;
  }
  if (request.method() != http::Verb::post) {
    http::Response r = http::html_response(http::Status::method_not_allowed, page("不支持的请求", ""), to);
    r.set(http::Field::allow, "GET, HEAD, POST");
    reply(std::move(r));
    return true;
  }
  if (!claims) {
    reply(answer(Outcome::invalid, to));
    return true;
  }
  const Instant now = clock_.now();
  store_.run(
      [c = *claims, now](store::SubscriptionStore& s) -> Result<Outcome> {
        const auto found = s.find_subscriber(c.subscriber_id);
        if (!found) return Result<Outcome>::failure(found.error());
        if (!*found) return Result<Outcome>::success(Outcome::invalid);
        const store::SubscriberRecord& subscriber = **found;
        if (subscriber.state == SubscriberState::unsubscribed) return Result<Outcome>::success(Outcome::already);
        if (subscriber.token_generation != c.generation) return Result<Outcome>::success(Outcome::invalid);
        if (Status done = s.unsubscribe(c.subscriber_id, now); !done) return Result<Outcome>::failure(done.error());
        return Result<Outcome>::success(Outcome::unsubscribed);
      },
      io_, [reply, to, subscriber = claims->subscriber_id](Result<Outcome> outcome) {
        if (!outcome) log::error("unsubscribe", outcome.error());
        if (outcome && *outcome == Outcome::unsubscribed) {
          log::info("unsubscribe", "subscriber " + std::to_string(subscriber) + " unsubscribed by link");
        }
        reply(answer(outcome ? *outcome : Outcome::failed, to));
      });
  return true;
}

}  // namespace deadline::web
