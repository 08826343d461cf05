#include "web/manage_routes.h"

#include "base/log.h"
#include "http/response.h"
#include "web/manage_page.h"
#include "web/subscribe_form.h"
#include "web/subscription_pages.h"

namespace deadline::web {

namespace {

constexpr std::string_view kPrefix = "/manage/";

// One plain ASCII field of a urlencoded body (action, endpoint): the first occurrence.
std::string field(std::string_view body, std::string_view name) {
  std::size_t at = 0;
  while (at <= body.size()) {
    const std::size_t end = std::min(body.find('&', at), body.size());
    const std::string_view pair = body.substr(at, end - at);
    if (pair.substr(0, name.size() + 1) == std::string(name) + "=") return std::string(pair.substr(name.size() + 1));
    at = end + 1;
  }
  return {};
}

// What the page shows, read in one go on the store thread.
struct Loaded {
  bool valid = false;
  std::string email;
  std::vector<store::EndpointRecord> endpoints;
  std::string error;  // a store failure (not an invalid link)
};

Loaded load(store::Store& s, const subscription::TokenClaims& c) {
  Loaded out;
  const auto subscriber = s.find_subscriber(c.subscriber_id);
  if (!subscriber) return {false, {}, {}, subscriber.error()};
  if (!*subscriber || (*subscriber)->token_generation != c.generation || (*subscriber)->state == "unsubscribed" ||
      !(*subscriber)->email) {
    return out;
  }
  auto endpoints = s.list_endpoints(c.subscriber_id);
  if (!endpoints) return {false, {}, {}, endpoints.error()};
  out.valid = true;
  out.email = *(*subscriber)->email;
  out.endpoints = std::move(endpoints.value());
  return out;
}

}  // namespace

bool ManageRoutes::handle(const http::Request& request, const http::RequestInfo&, const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  if (target.substr(0, kPrefix.size()) != kPrefix) return false;
  const http::ReplyTo to = http::reply_to(request);
  const std::string path(target.substr(0, target.find('?')));
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::manage, path.substr(kPrefix.size()));
  const auto invalid = [to] {
    return http::html_response(http::Status::not_found,
                               message_page("链接无效", "这个管理链接无效或已失效。请使用最新一封提醒邮件中的链接。"), to);
  };
  const bool read = request.method() == http::Verb::get || request.method() == http::Verb::head;
  if (!read && request.method() != http::Verb::post) {
    http::Response r = http::html_response(http::Status::method_not_allowed, message_page("不支持的请求", ""), to);
    r.set(http::Field::allow, "GET, HEAD, POST");
    reply(std::move(r));
    return true;
  }
  const auto calendar = calendar_();
  if (!claims || !calendar) {
    reply(claims ? http::html_response(http::Status::service_unavailable, message_page("暂时无法访问", "请稍后再试。"), to)
                 : invalid());
    return true;
  }
  const std::string body = read ? std::string() : request.body();
  const std::string action = field(body, "action");
  SubscribeForm posted = parse_subscribe_form(body);
  const std::string endpoint_text = field(body, "endpoint");
  store_.run(
      [c = *claims, action, posted, endpoint_text, menu = lead_menu_, calendar](store::Store& s) mutable {
        struct Outcome {
          Loaded page;
          SubscribeForm values;
          FormErrors errors;
          std::string notice;
        } out;
        out.page = load(s, c);
        if (!out.page.valid) return out;
        if (action == "choices") {
          posted.email = out.page.email;
          out.values = posted;
          out.errors = validate_subscribe_form(posted, *calendar, menu);
          if (out.errors.empty()) {
            if (Status saved = s.set_email_choices(c.subscriber_id, c.generation, filters_of(posted), posted.leads); saved) {
              out.notice = "已保存：今后的提醒按新的选择发送。";
            } else {
              out.page.error = saved.error();
            }
          }
        } else if (action == "reenable") {
          const std::int64_t endpoint = std::atoll(endpoint_text.c_str());
          if (Status done = s.reenable_endpoint(c.subscriber_id, c.generation, endpoint); done) {
            out.notice = "已重新启用。";
          }
        }
        out.page = load(s, c);  // as it is now, after the change
        if (out.errors.empty()) {
          for (const store::EndpointRecord& e : out.page.endpoints) {
            if (e.kind == store::EndpointKind::email) out.values = form_of(e);
          }
        }
        return out;
      },
      io_,
      [reply, to, invalid, path, calendar, menu = lead_menu_, keys = &keys_, c = *claims](auto out) {
        if (!out.page.error.empty()) {
          log::error("manage", out.page.error);
          reply(http::html_response(http::Status::service_unavailable, message_page("暂时无法访问", "请稍后再试。"), to));
          return;
        }
        if (!out.page.valid) return reply(invalid());
        const auto unsubscribe = subscription::make_token(*keys, subscription::TokenPurpose::unsubscribe,
                                                          c.subscriber_id, c.generation);
        ManagePageInput input{out.page.email, out.page.endpoints, path,
                              unsubscribe ? "/unsubscribe/" + *unsubscribe : std::string("/"), out.values, out.errors,
                              out.notice};
        const auto status = out.errors.empty() ? http::Status::ok : http::Status::bad_request;
        reply(http::html_response(status, manage_page(*calendar, menu, input), to));
      });
  return true;
}

}  // namespace deadline::web
