#include "web/manage_routes.h"

#include <cstdlib>

#include "base/log.h"
#include "http/response.h"
#include "web/manage_actions.h"
#include "web/manage_page.h"
#include "web/subscription_pages.h"
#include "wording/manage_wording.h"

namespace deadline::web {

namespace {

constexpr std::string_view kManagePrefix = "/manage/";

// 303 See Other to the manage page with a short status: a refresh shows the page again instead
// of repeating the change (POST/redirect/GET).
http::Response manage_redirect(const std::string& path, std::string_view done, const http::ReplyTo& to) {
  http::Response r{http::Status::see_other, to.version};
  r.set(http::Field::server, "deadlined");
  r.set(http::Field::location, path + "?done=" + std::string(done));
  r.set(http::Field::cache_control, "no-store");
  r.set("Referrer-Policy", "no-referrer");
  r.keep_alive(to.keep_alive);
  r.content_length(0);
  return r;
}

}  // namespace

bool ManageRoutes::handle(const http::Request& request, const http::RequestInfo&, const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  if (target.substr(0, kManagePrefix.size()) != kManagePrefix) return false;
  const http::ReplyTo to = http::reply_to(request);
  const std::size_t query_at = target.find('?');
  const std::string path(target.substr(0, query_at));
  const std::string query(query_at == std::string_view::npos ? std::string_view() : target.substr(query_at + 1));
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
  ManageRequest r;
  r.claims = *claims;
  r.read = read;
  if (read) r.view = manage_view_of(query);
  r.action = form_field(body, "action");
  r.posted = parse_subscribe_form(body);
  r.endpoint = std::atoll(form_field(body, "endpoint").c_str());
  r.kind = form_field(body, "kind");
  r.url = form_field(body, "url");
  r.secret = form_field(body, "secret");
  r.name = form_field(body, "name");
  r.path = path;
  r.menu = lead_menu_;
  r.calendar = calendar;
  r.allow_hosts = allow_hosts_;
  r.now = clock_.now();
  const ManageView view = r.view;
  store_.run(
      [r = std::move(r)](store::SubscriptionStore& s) { return decide_manage_request(s, r); },
      io_,
      [reply, to, invalid, path, view, calendar, menu = lead_menu_, keys = &keys_, c = *claims,
       public_url = public_url_](ManageOutcome out) {
        if (!out.page.error.empty()) {
          log::error("manage", out.page.error);
          reply(http::html_response(http::Status::service_unavailable, message_page("暂时无法访问", "请稍后再试。"), to));
          return;
        }
        if (out.erased) return reply(http::html_response(http::Status::ok, erased_page(), to));
        if (!out.page.valid) return reply(invalid());
        if (!out.redirect_done.empty()) return reply(manage_redirect(path, out.redirect_done, to));
        if (out.edit) return reply(http::html_response(out.status, endpoint_edit_page(*calendar, menu, *out.edit), to));
        if (out.remove_question) return reply(http::html_response(http::Status::ok, endpoint_delete_page(*out.remove_question, path), to));
        if (out.erase_question) return reply(http::html_response(http::Status::ok, erase_confirm_page(path), to));
        const auto unsubscribe = subscription::make_token(*keys, subscription::TokenPurpose::unsubscribe,
                                                          c.subscriber_id, c.generation);
        ManagePageInput input;
        input.email = out.page.email;
        input.endpoints = out.page.endpoints;
        input.manage_path = path;
        input.unsubscribe_path = unsubscribe ? "/unsubscribe/" + *unsubscribe : std::string("/");
        input.values = out.values;
        input.errors = out.errors;
        input.notice = wording::manage_done_text(view.done);
        input.problem = out.problem;
        input.add_form = out.add_form;
        input.public_url = public_url;
        input.new_secret = out.new_secret;
        const auto feed = subscription::make_token(*keys, subscription::TokenPurpose::feed, c.subscriber_id, c.generation);
        if (feed) input.feed_path = "/feeds/" + *feed + ".ics";
        // The answer with a new key: served once, never stored by a cache (html_response: no-store).
        reply(http::html_response(out.status, manage_page(*calendar, menu, input), to));
      });
  return true;
}

}  // namespace deadline::web
