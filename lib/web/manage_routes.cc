#include "web/manage_routes.h"

#include "base/log.h"
#include "calendar/upcoming.h"
#include "delivery/endpoint_check.h"
#include "delivery/outbound_url.h"
#include "delivery/webhook_signature.h"
#include "http/response.h"
#include "web/manage_page.h"
#include "web/subscribe_form.h"
#include "web/subscription_pages.h"

namespace deadline::web {

namespace {

constexpr std::string_view kManagePrefix = "/manage/";

// What the page shows, read in one go on the store thread.
struct Loaded {
  bool valid = false;
  std::string email;
  std::vector<store::EndpointRecord> endpoints;
  std::string error;  // a store failure (not an invalid link)
};

Loaded load(store::SubscriptionStore& s, const subscription::TokenClaims& c) {
  auto loaded = s.load_subscription(c.subscriber_id, c.generation);
  if (!loaded) return {false, {}, {}, loaded.error()};
  if (!*loaded) return {};
  return {true, *(*loaded)->subscriber.email, std::move((*loaded)->endpoints), {}};
}

// Why an endpoint could not be added, for the page (wording as before the store reported it as
// an outcome; issue "A clerk can use it without help" rewords it).
std::string add_refusal(store::OwnEndpointChange outcome) {
  if (outcome == store::OwnEndpointChange::too_many) {
    return "at most " + std::to_string(kMaxEndpointsPerSubscriber) + " endpoints per subscriber";
  }
  return "the link is no longer valid";
}

}  // namespace

bool ManageRoutes::handle(const http::Request& request, const http::RequestInfo&, const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  if (target.substr(0, kManagePrefix.size()) != kManagePrefix) return false;
  const http::ReplyTo to = http::reply_to(request);
  const std::string path(target.substr(0, target.find('?')));
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::manage, path.substr(kManagePrefix.size()));
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
  const std::string action = form_field(body, "action");
  SubscribeForm posted = parse_subscribe_form(body);
  const std::string endpoint_text = form_field(body, "endpoint");
  const std::string add_kind = form_field(body, "kind");
  const std::string add_url = form_field(body, "url");
  const std::string add_secret = form_field(body, "secret");
  store_.run(
      [c = *claims, action, posted, endpoint_text, add_kind, add_url, add_secret, menu = lead_menu_, calendar,
       allow_hosts = allow_hosts_, now = clock_.now()](store::SubscriptionStore& s) mutable {
        struct Outcome {
          Loaded page;
          SubscribeForm values;
          FormErrors errors;
          std::string notice;
          AddEndpointForm add_form;
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
          if (const auto replayed = s.reenable_endpoint(c.subscriber_id, c.generation, endpoint, now); replayed) {
            out.notice = "已重新启用" + (*replayed > 0 ? "，错过的 " + std::to_string(*replayed) + " 条提醒将补发。" : "。");
          }
        } else if (action == "test") {
          // The soonest window still open: something real to remind of.
          const Window* soonest = soonest_open_window(*calendar, now);
          const std::int64_t endpoint = std::atoll(endpoint_text.c_str());
          const auto queued = soonest ? s.queue_test_message(c.subscriber_id, c.generation, endpoint, soonest->id(),
                                                             soonest->closes.at, now)
                                      : Result<std::string>::failure("no open window to remind of");
          out.notice = queued ? "测试提醒已排队，几秒内发出（消息编号 " + *queued + "）。" : "无法发送测试提醒：" + queued.error();
        } else if (action == "add") {
          std::optional<EndpointKind> kind = parse_endpoint_kind(add_kind);
          if (!kind || *kind == EndpointKind::email) {
            out.errors["kind"] = "请选择接收方式";
          } else if (const auto problem = delivery::endpoint_target_problem(*kind, add_url, add_secret);
                     !problem.message.empty()) {
            out.errors[problem.field == delivery::EndpointTargetProblem::Field::secret ? "secret" : "url"] =
                problem.field == delivery::EndpointTargetProblem::Field::secret ? "密钥格式不对：" + problem.message
                                                                                 : "地址不对：" + problem.message;
          } else if (const auto reachable = delivery::check_outbound_url(add_url, allow_hosts); !reachable) {
            out.errors["url"] = "地址不可用（须为 https 公网地址）：" + reachable.error();
          } else {
            std::string secret = add_secret;
            if (*kind == EndpointKind::webhook && secret.empty()) secret = generate_webhook_secret();
            store::NewEndpoint e{c.subscriber_id, *kind, add_url, secret, {}, {}};
            for (const store::EndpointRecord& existing : out.page.endpoints) {
              if (existing.kind == EndpointKind::email) {
                e.filters = existing.filters;
                e.leads = existing.leads;
              }
            }
            if (const auto added = s.add_own_endpoint(c.generation, e, now); !added) {
              out.errors["url"] = "无法添加：" + added.error();
            } else if (added->outcome != store::OwnEndpointChange::done) {
              out.errors["url"] = "无法添加：" + add_refusal(added->outcome);
            } else {
              out.notice = "已添加。";
              if (*kind == EndpointKind::webhook && add_secret.empty()) {
                out.notice += "签名密钥（只显示这一次，请立即保存）：" + secret;
              }
            }
          }
          out.add_form = {add_kind, add_url};
        }
        out.page = load(s, c);  // as it is now, after the change
        if (!(action == "choices" && !out.errors.empty())) {  // else the posted choices, with their errors
          for (const store::EndpointRecord& e : out.page.endpoints) {
            if (e.kind == EndpointKind::email) out.values = form_of(e);
          }
        }
        return out;
      },
      io_,
      [reply, to, invalid, path, calendar, menu = lead_menu_, keys = &keys_, c = *claims,
       public_url = public_url_](auto out) {
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
                              out.notice, out.add_form, {}, public_url};
        const auto feed = subscription::make_token(*keys, subscription::TokenPurpose::feed, c.subscriber_id, c.generation);
        if (feed) input.feed_path = "/feeds/" + *feed + ".ics";
        const auto status = out.errors.empty() ? http::Status::ok : http::Status::bad_request;
        reply(http::html_response(status, manage_page(*calendar, menu, input), to));
      });
  return true;
}

}  // namespace deadline::web
