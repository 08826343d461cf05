#include "web/site_routes.h"

#include "base/log.h"
#include "http/response.h"
#include "web/home_page.h"
#include "web/programme_page.h"
#include "web/subscribe_form.h"
#include "web/subscription_pages.h"

namespace deadline::web {

namespace {

constexpr std::string_view kProgrammes = "/programmes/";
constexpr std::string_view kConfirm = "/confirm/";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

http::Response page_response(http::Status status, std::string html, const http::ReplyTo& to) {
  return http::html_response(status, std::move(html), to);
}

http::Response not_allowed(const char* allow, const http::ReplyTo& to) {
  http::Response r = page_response(http::Status::method_not_allowed, message_page("不支持的请求", "此页面不支持这种请求方式。"), to);
  r.set(http::Field::allow, allow);
  return r;
}

bool is_read(const http::Request& request) {
  return request.method() == http::Verb::get || request.method() == http::Verb::head;
}

}  // namespace

bool SiteRoutes::handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  const bool home = path == "/", programme = starts_with(path, kProgrammes), subscribe_path = path == "/subscribe",
             confirm_path = starts_with(path, kConfirm);
  if (!home && !programme && !subscribe_path && !confirm_path) return false;
  const http::ReplyTo to = http::reply_to(request);
  if (confirm_path) {
    confirm(request, path.substr(kConfirm.size()), reply);
    return true;
  }
  const auto calendar = d_.calendar();
  if (!calendar) {
    reply(page_response(http::Status::service_unavailable, message_page("暂时无法访问", "日历尚未载入，请稍后再试。"), to));
    return true;
  }
  if (home) {
    if (!is_read(request)) return reply(not_allowed("GET, HEAD", to)), true;
    reply(page_response(http::Status::ok,
                        home_page(*calendar, clock_.now(), d_.lead_menu, subscribe_form_from_link(query, d_.lead_menu), {}, d_.public_url),
                        to));
  } else if (programme) {
    if (!is_read(request)) return reply(not_allowed("GET, HEAD", to)), true;
    const std::string id(path.substr(kProgrammes.size()));
    const Programme* p = calendar->find_programme(id);
    const auto changes = d_.changes ? d_.changes() : nullptr;
    const auto entries = changes ? changes->find(id) : ChangeLog::const_iterator{};
    const bool has_entries = changes && entries != changes->end() && !entries->second.empty();
    if (p) {
      reply(page_response(http::Status::ok,
                          programme_page(*calendar, *p, clock_.now(), d_.public_url,
                                         has_entries ? entries->second : std::vector<ChangeEntry>{}),
                          to));
    } else if (has_entries) {
      // Removed by a released revision: its page tells what happened (410: gone for good).
      reply(page_response(http::Status::gone, removed_programme_page(entries->second, clock_.now()), to));
    } else {
      reply(page_response(http::Status::not_found, message_page("找不到该项目", "没有这个项目，请从首页查看全部项目。"), to));
    }
  } else {
    if (request.method() != http::Verb::post) return reply(not_allowed("POST", to)), true;
    const auto now = std::chrono::steady_clock::now();
    if (!subscribe_limiter_.allow(info.client, now)) {
      reply(http::too_many_requests(subscribe_limiter_.retry_after(info.client, now), to));
      return true;
    }
    subscribe(request, *calendar, reply);
  }
  return true;
}

void SiteRoutes::subscribe(const http::Request& request, const Calendar& calendar, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const SubscribeForm form = parse_subscribe_form(request.body());
  const FormErrors errors = validate_subscribe_form(form, calendar, d_.lead_menu);
  if (!errors.empty()) {  // the form again, as filled in, with each field's problem beside it
    reply(page_response(http::Status::bad_request, home_page(calendar, clock_.now(), d_.lead_menu, form, errors, d_.public_url), to));
    return;
  }
  store::SubscribeRequest wanted{form.email, filters_of(form), form.leads};
  store_.run([wanted, now = clock_.now(), policy = d_.mail_policy](store::SubscriptionStore& s) {
               return s.request_subscription(wanted, now, policy);
             },
             io_, [this, reply, to, email = form.email](Result<store::SubscribeOutcome> outcome) {
               if (!outcome) {
                 log::error("subscribe", outcome.error());
                 reply(page_response(http::Status::service_unavailable,
                                     message_page("暂时无法订阅", "服务暂时不可用，请稍后再试。"), to));
                 return;
               }
               if (outcome->send_confirmation) mailer_.send(email, outcome->subscriber_id, outcome->token_generation);
               reply(page_response(http::Status::ok, confirm_sent_page(email), to));
             });
}

void SiteRoutes::confirm(const http::Request& request, std::string_view token, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::confirm, token);
  const auto invalid = [&to] {
    return page_response(http::Status::not_found,
                         message_page("链接无效", "这个确认链接无效或已失效。请回到首页重新订阅，以获取新的确认邮件。"), to);
  };
  if (is_read(request)) {  // mail scanners fetch links: a GET only shows the button
    reply(claims ? page_response(http::Status::ok, confirm_page(request.target()), to) : invalid());
    return;
  }
  if (request.method() != http::Verb::post) return reply(not_allowed("GET, HEAD, POST", to));
  if (!claims) return reply(invalid());
  store_.run([c = *claims, now = clock_.now()](store::SubscriptionStore& s) {
               return s.confirm_subscription(c.subscriber_id, c.generation, now);
             },
             io_, [this, reply, to, invalid, c = *claims](Result<store::ConfirmOutcome> outcome) {
               if (!outcome) {
                 log::error("subscribe", outcome.error());
                 reply(page_response(http::Status::service_unavailable,
                                     message_page("暂时无法确认", "服务暂时不可用，请稍后再试。"), to));
               } else if (*outcome == store::ConfirmOutcome::revoked) {
                 reply(invalid());
               } else {
                 if (*outcome == store::ConfirmOutcome::confirmed) {
                   log::info("subscribe", "subscriber " + std::to_string(c.subscriber_id) + " confirmed");
                 }
                 const auto manage =
                     subscription::make_token(keys_, subscription::TokenPurpose::manage, c.subscriber_id, c.generation);
                 reply(page_response(http::Status::ok, confirmed_page(manage ? "/manage/" + *manage : std::string()), to));
               }
             });
}

}  // namespace deadline::web
