#include "web/site_routes.h"

#include "base/log.h"
#include "http/response.h"
#include "web/home_page.h"
#include "web/programme_page.h"
#include "web/subscribe_form.h"
#include "web/subscription_pages.h"
#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

constexpr std::string_view kProgrammes = "/programmes/";
constexpr std::string_view kConfirm = "/confirm/";
constexpr std::string_view kSubscribed = "/subscribed";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

http::Response page_response(http::Status status, std::string html, const http::ReplyTo& to) {
  return http::html_response(status, std::move(html), to);
}

http::Response not_allowed(const char* allow, const http::ReplyTo& to) {
  http::Response r = page_response(http::Status::method_not_allowed, error_page(405), to);
  r.set(http::Field::allow, allow);
  return r;
}

// Post/redirect/get: the answer to a form post that worked is a GET page, so a refresh or the
// back button never posts again. `location` is a path of this site, never personal data.
http::Response see_other(std::string_view location, const http::ReplyTo& to) {
  http::Response r = http::html_response(http::Status::see_other, std::string(), to);
  r.set(http::Field::location, location);
  return r;
}

http::Response unavailable(const http::ReplyTo& to) {
  return page_response(http::Status::service_unavailable,
                       message_page(wording::kUnavailableTitle, wording::kUnavailableText), to);
}

bool is_read(const http::Request& request) {
  return request.method() == http::Verb::get || request.method() == http::Verb::head;
}

// What the confirm link's subscriber is now, read on the store thread.
struct LinkSubscriber {
  bool found = false;
  bool revoked = false;  // unsubscribed, or another generation
  bool active = false;
  std::string email;
};

Result<LinkSubscriber> link_subscriber(store::SubscriptionStore& s, const subscription::TokenClaims& c) {
  const auto found = s.find_subscriber(c.subscriber_id);
  if (!found) return Result<LinkSubscriber>::failure(found.error());
  LinkSubscriber out;
  if (!*found) return Result<LinkSubscriber>::success(out);
  const store::SubscriberRecord& r = **found;
  out.found = true;
  out.revoked = r.state == SubscriberState::unsubscribed || r.token_generation != c.generation || !r.email;
  out.active = r.state == SubscriberState::active;
  out.email = r.email.value_or("");
  return Result<LinkSubscriber>::success(out);
}

}  // namespace

HomeExtras SiteRoutes::home_extras(std::string notice) const {
  return {d_.retention.unsubscribed_days, d_.retention.finished_message_days, std::move(notice)};
}

bool SiteRoutes::handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  const bool home = path == "/", programme = starts_with(path, kProgrammes), subscribe_path = path == "/subscribe",
             confirm_path = starts_with(path, kConfirm), subscribed_path = path == kSubscribed;
  if (!home && !programme && !subscribe_path && !confirm_path && !subscribed_path) return false;
  const http::ReplyTo to = http::reply_to(request);
  if (confirm_path) {
    confirm(request, path.substr(kConfirm.size()), reply);
    return true;
  }
  if (subscribed_path) {
    reply(is_read(request) ? page_response(http::Status::ok, subscribed_page(), to) : not_allowed("GET, HEAD", to));
    return true;
  }
  const auto calendar = d_.calendar();
  if (!calendar) {
    reply(page_response(http::Status::service_unavailable, error_page(503), to));
    return true;
  }
  if (home) {
    if (!is_read(request)) return reply(not_allowed("GET, HEAD", to)), true;
    reply(page_response(http::Status::ok,
                        home_page(*calendar, clock_.now(), d_.lead_menu, subscribe_form_from_link(query, d_.lead_menu), {},
                                  d_.public_url, home_extras()),
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
      reply(page_response(http::Status::not_found, message_page(wording::kProgrammeNotFoundTitle, wording::kProgrammeNotFoundText), to));
    }
  } else {
    if (request.method() != http::Verb::post) return reply(not_allowed("POST", to)), true;
    subscribe(request, info, *calendar, reply);
  }
  return true;
}

void SiteRoutes::subscribe(const http::Request& request, const http::RequestInfo& info, const Calendar& calendar,
                           const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const SubscribeForm form = parse_subscribe_form(request.body());
  FormErrors errors = validate_subscribe_form(form, calendar, d_.lead_menu);
  if (const std::string consent = consent_problem(form); !consent.empty()) errors["consent"] = consent;
  // Typos count against their own, larger allowance; only an accepted form may send email.
  http::RateLimiter& limiter = errors.empty() ? subscribe_limiter_ : invalid_limiter_;
  const auto steady_now = std::chrono::steady_clock::now();
  if (!limiter.allow(info.client, steady_now)) {
    // The form again as entered, saying when to try again: nothing typed is lost.
    const std::chrono::seconds wait = std::max(limiter.retry_after(info.client, steady_now), std::chrono::seconds{1});
    http::Response r = page_response(http::Status::too_many_requests,
                                     home_page(calendar, clock_.now(), d_.lead_menu, form, {}, d_.public_url,
                                               home_extras(wording::subscribe_too_often(wait))),
                                     to);
    r.set(http::Field::retry_after, std::to_string(wait.count()));
    reply(std::move(r));
    return;
  }
  if (!errors.empty()) {  // the form again, as filled in, with each field's problem beside it
    reply(page_response(http::Status::bad_request,
                        home_page(calendar, clock_.now(), d_.lead_menu, form, errors, d_.public_url, home_extras()), to));
    return;
  }
  store::SubscribeRequest wanted{form.email, filters_of(form), form.leads};
  store_.run([wanted, now = clock_.now(), policy = d_.mail_policy](store::SubscriptionStore& s) {
               return s.request_subscription(wanted, now, policy);
             },
             io_, [this, reply, to, email = form.email](Result<store::SubscribeOutcome> outcome) {
               if (!outcome) {
                 log::error("subscribe", outcome.error());
                 reply(unavailable(to));
                 return;
               }
               mailer_.send_subscribe_answer(email, *outcome);
               reply(see_other(kSubscribed, to));
             });
}

void SiteRoutes::confirm(const http::Request& request, std::string_view token, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto claims = subscription::verify_token(keys_, subscription::TokenPurpose::confirm, token);
  const auto invalid = [to](bool revoked) {
    return page_response(http::Status::not_found, confirm_link_invalid_page(revoked), to);
  };
  if (is_read(request)) {  // mail scanners fetch links: a GET changes nothing
    if (!claims) return reply(invalid(false));
    show_confirm(request, *claims, reply);
    return;
  }
  if (request.method() != http::Verb::post) return reply(not_allowed("GET, HEAD, POST", to));
  if (!claims) return reply(invalid(false));
  struct Confirmed {
    store::ConfirmOutcome outcome = store::ConfirmOutcome::revoked;
    std::string email;
  };
  store_.run([c = *claims, now = clock_.now()](store::SubscriptionStore& s) -> Result<Confirmed> {
               const auto outcome = s.confirm_subscription(c.subscriber_id, c.generation, now);
               if (!outcome) return Result<Confirmed>::failure(outcome.error());
               Confirmed out{*outcome, {}};
               if (*outcome == store::ConfirmOutcome::confirmed) {
                 const auto found = s.find_subscriber(c.subscriber_id);
                 if (found && *found) out.email = (*found)->email.value_or("");
               }
               return Result<Confirmed>::success(out);
             },
             io_, [this, reply, to, invalid, c = *claims, target = std::string(request.target())](Result<Confirmed> done) {
               if (!done) {
                 log::error("subscribe", done.error());
                 return reply(unavailable(to));
               }
               if (done->outcome == store::ConfirmOutcome::revoked) return reply(invalid(true));
               if (done->outcome == store::ConfirmOutcome::confirmed) {
                 log::info("subscribe", "subscriber " + std::to_string(c.subscriber_id) + " confirmed");
                 if (!done->email.empty()) mailer_.send_welcome(done->email, c.subscriber_id, c.generation);
               }
               reply(see_other(target, to));  // GET of the same link now shows the confirmed page
             });
}

void SiteRoutes::show_confirm(const http::Request& request, const subscription::TokenClaims& claims,
                              const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  store_.run([c = claims](store::SubscriptionStore& s) { return link_subscriber(s, c); }, io_,
             [this, reply, to, c = claims, target = std::string(request.target())](Result<LinkSubscriber> found) {
               if (!found) {
                 log::error("subscribe", found.error());
                 return reply(unavailable(to));
               }
               if (!found->found || found->revoked) {
                 return reply(page_response(http::Status::not_found, confirm_link_invalid_page(found->found), to));
               }
               if (!found->active) return reply(page_response(http::Status::ok, confirm_page(target, mask_email(found->email)), to));
               const auto manage = subscription::make_token(keys_, subscription::TokenPurpose::manage, c.subscriber_id, c.generation);
               reply(page_response(http::Status::ok, confirmed_page(manage ? "/manage/" + *manage : std::string()), to));
             });
}

}  // namespace deadline::web
