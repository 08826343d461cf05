#include "api/api_routes.h"

#include <algorithm>
#include <charconv>

#include "api/choices_json.h"
#include "api/endpoint_json.h"
#include "api/json_body.h"
#include "base/log.h"
#include "calendar/upcoming.h"
#include "delivery/endpoint_check.h"
#include "delivery/webhook_signature.h"
#include "http/query.h"
#include "http/response.h"
#include "mail/utf8.h"
#include "schedule/test_window.h"
#include "wording/manage_wording.h"

namespace deadline::api {

namespace {

using nlohmann::json;


bool answered_here(std::string_view path) {
  return path == "/api/v1/subscriptions" || path.starts_with("/api/v1/manage/");
}

ApiError token_not_found() {
  return {http::Status::not_found, "not_found", "token",
          "no subscription for this token (it is malformed, or was revoked by unsubscribing)"};
}

ApiError endpoint_not_found(std::int64_t id) {
  return {http::Status::not_found, "not_found", "id", "no endpoint " + std::to_string(id) + " in this subscription"};
}

ApiError unavailable(std::string message) {
  return {http::Status::service_unavailable, "unavailable", "", std::move(message)};
}

http::Response json_reply(http::Status status, const json& body, const http::ReplyTo& to) {
  http::Response res = http::json_response(status, body, to);
  res.set(http::Field::cache_control, "no-store");
  return res;
}

http::Response no_content(const http::ReplyTo& to) {
  http::Response res{http::Status::no_content, to.version};
  res.set(http::Field::server, "deadlined");
  res.set(http::Field::cache_control, "no-store");
  res.keep_alive(to.keep_alive);  // no Content-Length: a 204 must not carry one (RFC 9110 8.6)
  return res;
}

// What a store call answers: a JSON body with its status, or a refusal, or a store failure (logged,
// answered 503).
struct Answer {
  http::Status status = http::Status::ok;
  json body;
  std::optional<ApiError> error;
  std::string failure;

  static Answer of(http::Status status, json body) { return {status, std::move(body), std::nullopt, {}}; }
  static Answer refused(ApiError error) { return {http::Status::ok, nullptr, std::move(error), {}}; }
  static Answer failed(std::string message) { return {http::Status::ok, nullptr, std::nullopt, std::move(message)}; }
};

void send(const Answer& answer, const http::ReplyTo& to, const http::AppState::Reply& reply) {
  if (!answer.failure.empty()) {
    log::error("api", answer.failure);
    reply(error_reply(unavailable("the store failed; try again later"), to));
  } else if (answer.error) {
    reply(error_reply(*answer.error, to));
  } else if (answer.status == http::Status::no_content) {
    reply(no_content(to));
  } else {
    reply(json_reply(answer.status, answer.body, to));
  }
}

// The subscriber behind a token and their endpoints, read in one go on the store thread
// (store::SubscriptionStore::load_subscription decides whether the link is still valid).
struct Loaded {
  std::optional<store::Subscription> subscription;  // nullopt: the link is no longer valid
  std::string failure;                              // a store failure

  bool valid() const { return subscription.has_value(); }
  const store::EndpointRecord* find(std::int64_t id) const {
    for (const store::EndpointRecord& e : subscription->endpoints) {
      if (e.id == id) return &e;
    }
    return nullptr;
  }
};

Loaded load(store::SubscriptionStore& s, const subscription::TokenClaims& c) {
  auto loaded = s.load_subscription(c.subscriber_id, c.generation);
  if (!loaded) return {std::nullopt, loaded.error()};
  return {std::move(*loaded), {}};
}

// The body of a POST or PUT as a JSON object, or why not.
std::variant<json, ApiError> json_body(const http::Request& request) {
  if (auto refused = require_json_content_type(request[http::Field::content_type])) return *refused;
  return parse_json_object(request.body());
}

// A positive decimal endpoint id, or nullopt (then nothing can have it: 404).
std::optional<std::int64_t> endpoint_id(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0 || text.front() == '+') return std::nullopt;
  return id;
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

}  // namespace

ApiRoutes::ApiRoutes(ApiDependencies dependencies, store::StoreClient<store::SubscriptionStore> store, boost::asio::io_context& io,
                     const subscription::KeyRing& keys, const Clock& clock, delivery::AccountMailer& mailer)
    : d_(std::move(dependencies)), store_(store), io_(io), keys_(keys), clock_(clock), mailer_(mailer) {
  for (RouteSpec& route : public_api_routes()) {
    if (answered_here(route.path)) routes_.push_back(std::move(route));
  }
}

bool ApiRoutes::handle(const http::Request& request, const http::RequestInfo& info, const http::AppState::Reply& reply) {
  const http::Target target = http::split_target(request.target());
  if (!answered_here(target.path)) return false;
  const std::string method =
      request.method() == http::Verb::head ? std::string("GET") : std::string(request.method_string());
  std::vector<std::string> allowed;
  const RouteSpec* route = nullptr;
  PathParams params;
  for (const RouteSpec& r : routes_) {
    auto fits = match_path(r.path, target.path);
    if (!fits) continue;
    allowed.push_back(r.method);
    if (r.method == method) {
      route = &r;
      params = std::move(*fits);
    }
  }
  if (allowed.empty()) return false;  // no such route: the router's 404
  const http::ReplyTo to = http::reply_to(request);
  if (!route) {
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) allowed.push_back("HEAD");
    http::Response res = error_reply({http::Status::method_not_allowed, "method_not_allowed", "",
                                      std::string(request.method_string()) + " is not allowed on '" +
                                          std::string(target.path) + "' (use " + joined(allowed) + ")"},
                                     to);
    res.set(http::Field::allow, joined(allowed));
    reply(std::move(res));
    return true;
  }
  if (route->path == "/api/v1/subscriptions") {
    subscribe(request, info, reply);
    return true;
  }
  const auto claims =
      subscription::verify_token(keys_, subscription::TokenPurpose::manage, path_param(params, "token"));
  if (!claims) {
    reply(error_reply(token_not_found(), to));
    return true;
  }
  if (route->path == "/api/v1/manage/{token}") {
    show(request, *claims, reply);
    return true;
  }
  if (route->path == "/api/v1/manage/{token}/endpoints") {
    add_endpoint(request, *claims, reply);
    return true;
  }
  const std::string id_text = path_param(params, "id");
  const std::optional<std::int64_t> id = endpoint_id(id_text);
  if (!id) {
    reply(error_reply({http::Status::not_found, "not_found", "id", "no endpoint '" + id_text + "' in this subscription"}, to));
    return true;
  }
  if (route->path.ends_with("/test")) {
    test_endpoint(request, *claims, *id, reply);
  } else if (route->method == "PUT") {
    change_endpoint(request, *claims, *id, reply);
  } else {
    remove_endpoint(request, *claims, *id, reply);
  }
  return true;
}

void ApiRoutes::subscribe(const http::Request& request, const http::RequestInfo& info,
                          const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto calendar = d_.calendar();
  if (!calendar) return reply(error_reply(unavailable("no calendar is loaded yet"), to));
  auto body = json_body(request);
  if (auto* error = std::get_if<ApiError>(&body)) return reply(error_reply(*error, to));
  auto form = subscribe_request(std::get<json>(body), *calendar, d_.lead_menu);
  if (auto* error = std::get_if<ApiError>(&form)) return reply(error_reply(*error, to));
  // Only a request that may send email counts against the client's allowance.
  const auto now = std::chrono::steady_clock::now();
  if (!subscribe_limiter_.allow(info.client, now)) {
    const auto wait = std::max<long long>(subscribe_limiter_.retry_after(info.client, now).count(), 1);
    http::Response res = error_reply({http::Status::too_many_requests, "too_many_requests", "",
                                      "too many requests from this address; retry in " + std::to_string(wait) + " s"},
                                     to);
    res.set(http::Field::retry_after, std::to_string(wait));
    return reply(std::move(res));
  }
  const web::SubscribeForm& f = std::get<web::SubscribeForm>(form);
  store::SubscribeRequest wanted{f.email, web::filters_of(f), f.leads};
  store_.run([wanted, now = clock_.now(), policy = d_.mail_policy](store::SubscriptionStore& s) {
               return s.request_subscription(wanted, now, policy);
             },
             io_, [this, reply, to, email = f.email](Result<store::SubscribeOutcome> outcome) {
               if (!outcome) return send(Answer::failed("subscribe: " + outcome.error()), to, reply);
               mailer_.send_subscribe_answer(email, *outcome);
               // The same answer for a new, pending, active or recently mailed address.
               send(Answer::of(http::Status::accepted, {{"status", "confirmation_sent"}}), to, reply);
             });
}

void ApiRoutes::show(const http::Request& request, const subscription::TokenClaims& claims,
                     const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  std::string base = d_.public_url;
  while (base.ends_with('/')) base.pop_back();
  store_.run([c = claims](store::SubscriptionStore& s) { return load(s, c); }, io_,
             [reply, to, c = claims, keys = &keys_, base](Loaded loaded) {
               if (!loaded.failure.empty()) return send(Answer::failed("manage: " + loaded.failure), to, reply);
               if (!loaded.valid()) return send(Answer::refused(token_not_found()), to, reply);
               json endpoints = json::array();
               for (const store::EndpointRecord& e : loaded.subscription->endpoints) endpoints.push_back(endpoint_json(e));
               const auto link = [&](subscription::TokenPurpose purpose, std::string_view prefix,
                                     std::string_view suffix) -> json {
                 const auto token = subscription::make_token(*keys, purpose, c.subscriber_id, c.generation);
                 return token ? json(base + std::string(prefix) + *token + std::string(suffix)) : json(nullptr);
               };
               send(Answer::of(http::Status::ok,
                               {{"email", *loaded.subscription->subscriber.email},
                                {"state", to_string(loaded.subscription->subscriber.state)},
                                {"endpoints", endpoints},
                                {"manage_page", link(subscription::TokenPurpose::manage, "/manage/", "")},
                                {"feed", link(subscription::TokenPurpose::feed, "/feeds/", ".ics")},
                                {"unsubscribe", link(subscription::TokenPurpose::unsubscribe, "/unsubscribe/", "")}}),
                    to, reply);
             });
}

void ApiRoutes::add_endpoint(const http::Request& request, const subscription::TokenClaims& claims,
                             const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto calendar = d_.calendar();
  if (!calendar) return reply(error_reply(unavailable("no calendar is loaded yet"), to));
  auto parsed = json_body(request);
  if (auto* error = std::get_if<ApiError>(&parsed)) return reply(error_reply(*error, to));
  const json& body = std::get<json>(parsed);
  if (auto unknown = unknown_member(body, {"kind", "url", "secret", "name", "filters", "leads"})) {
    return reply(error_reply(*unknown, to));
  }
  std::string text[4];  // kind, url, secret, name
  const char* names[4] = {"kind", "url", "secret", "name"};
  for (int i = 0; i < 4; ++i) {
    auto value = string_member(body, names[i]);
    if (auto* error = std::get_if<ApiError>(&value)) return reply(error_reply(*error, to));
    text[i] = std::get<std::optional<std::string>>(value).value_or("");
  }
  const std::string kind_text = text[0], url = text[1], given_secret = text[2], name = text[3];
  const auto invalid = [&](const char* field, std::string message) {
    reply(error_reply({http::Status::bad_request, "invalid_field", field, std::move(message)}, to));
  };
  const std::optional<EndpointKind> kind = parse_endpoint_kind(kind_text);
  if (!kind || *kind == EndpointKind::email) {
    return invalid("kind", "kind must be webhook, wecom, dingtalk or feishu (the email endpoint comes with subscribing)");
  }
  if (url.empty()) return invalid("url", "url is required");
  if (!mail::utf8::valid(name) || mail::utf8::count(name) > wording::kEndpointNameMaxChars) {
    return invalid("name", "name: at most " + std::to_string(wording::kEndpointNameMaxChars) + " characters");
  }
  // The form and, as the dispatcher will judge it, the reachability (allow_hosts), with the real
  // reason in the 400's message (delivery/endpoint_check.h).
  if (const auto problem = delivery::endpoint_target_problem(*kind, url, given_secret, d_.allow_hosts);
      !problem.message.empty()) {
    const bool secret = problem.field == delivery::EndpointTargetProblem::Field::secret;
    return invalid(secret ? "secret" : "url", (secret ? "secret: " : "url: ") + problem.message);
  }
  auto filters = filters_member(body, *calendar);
  if (auto* error = std::get_if<ApiError>(&filters)) return reply(error_reply(*error, to));
  auto leads = leads_member(body, d_.lead_menu);
  if (auto* error = std::get_if<ApiError>(&leads)) return reply(error_reply(*error, to));
  std::string secret = given_secret;
  if (*kind == EndpointKind::webhook && secret.empty()) secret = generate_webhook_secret();
  store_.run(
      [c = claims, kind = *kind, url, secret, name, filters = std::get<0>(filters), leads = std::get<0>(leads),
       now = clock_.now()](store::SubscriptionStore& s) {
        const Loaded loaded = load(s, c);
        if (!loaded.failure.empty()) return Answer::failed("add endpoint: " + loaded.failure);
        if (!loaded.valid()) return Answer::refused(token_not_found());
        // As on the manage page: what is not given is the email endpoint's.
        store::NewEndpoint e{c.subscriber_id, kind, url, secret, {}, {}};
        int same_kind = 0;
        for (const store::EndpointRecord& other : loaded.subscription->endpoints) same_kind += other.kind == kind ? 1 : 0;
        e.name = name.empty() ? wording::default_endpoint_name(kind, same_kind + 1) : name;
        if (const store::EndpointRecord* email = loaded.subscription->email_endpoint()) {
          e.filters = email->filters;
          e.leads = email->leads;
        }
        if (filters) e.filters = *filters;
        if (leads) e.leads = *leads;
        const auto added = s.add_own_endpoint(c.generation, e, now);
        if (!added) return Answer::failed("add endpoint: " + added.error());
        if (added->outcome == store::OwnEndpointChange::revoked) return Answer::refused(token_not_found());
        if (added->outcome == store::OwnEndpointChange::too_many) {
          return Answer::refused({http::Status::conflict, "too_many_endpoints", "",
                                  "at most " + std::to_string(kMaxEndpointsPerSubscriber) +
                                      " endpoints per subscription"});
        }
        const auto record = s.find_endpoint(added->id);
        if (!record || !*record) return Answer::failed("add endpoint: the new endpoint cannot be read back");
        // The webhook's signing secret is shown here and never again.
        return Answer::of(http::Status::created,
                          {{"endpoint", endpoint_json(**record)},
                           {"secret", kind == EndpointKind::webhook ? json(secret) : json(nullptr)}});
      },
      io_, [reply, to](Answer answer) { send(answer, to, reply); });
}

void ApiRoutes::change_endpoint(const http::Request& request, const subscription::TokenClaims& claims,
                                std::int64_t endpoint, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto calendar = d_.calendar();
  if (!calendar) return reply(error_reply(unavailable("no calendar is loaded yet"), to));
  auto parsed = json_body(request);
  if (auto* error = std::get_if<ApiError>(&parsed)) return reply(error_reply(*error, to));
  const json& body = std::get<json>(parsed);
  if (auto unknown = unknown_member(body, {"filters", "leads"})) return reply(error_reply(*unknown, to));
  auto filters = filters_member(body, *calendar);
  if (auto* error = std::get_if<ApiError>(&filters)) return reply(error_reply(*error, to));
  auto leads = leads_member(body, d_.lead_menu);
  if (auto* error = std::get_if<ApiError>(&leads)) return reply(error_reply(*error, to));
  store_.run(
      [c = claims, endpoint, filters = std::get<0>(filters), leads = std::get<0>(leads)](store::SubscriptionStore& s) {
        const Loaded loaded = load(s, c);
        if (!loaded.failure.empty()) return Answer::failed("change endpoint: " + loaded.failure);
        if (!loaded.valid()) return Answer::refused(token_not_found());
        const store::EndpointRecord* current = loaded.find(endpoint);
        if (!current) return Answer::refused(endpoint_not_found(endpoint));
        // What is not given stays as it is.
        const auto changed = s.set_own_endpoint_choices(c.subscriber_id, c.generation, endpoint,
                                                        filters ? *filters : current->filters,
                                                        leads ? *leads : current->leads);
        if (!changed) return Answer::failed("change endpoint: " + changed.error());
        if (*changed == store::OwnEndpointChange::revoked) return Answer::refused(token_not_found());
        if (*changed != store::OwnEndpointChange::done) return Answer::refused(endpoint_not_found(endpoint));
        const auto record = s.find_endpoint(endpoint);
        if (!record || !*record) return Answer::failed("change endpoint: the endpoint cannot be read back");
        return Answer::of(http::Status::ok, endpoint_json(**record));
      },
      io_, [reply, to](Answer answer) { send(answer, to, reply); });
}

void ApiRoutes::test_endpoint(const http::Request& request, const subscription::TokenClaims& claims,
                              std::int64_t endpoint, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto calendar = d_.calendar();
  if (!calendar) return reply(error_reply(unavailable("no calendar is loaded yet"), to));
  store_.run(
      [c = claims, endpoint, calendar, now = clock_.now()](store::SubscriptionStore& s) {
        const Loaded loaded = load(s, c);
        if (!loaded.failure.empty()) return Answer::failed("test endpoint: " + loaded.failure);
        if (!loaded.valid()) return Answer::refused(token_not_found());
        const store::EndpointRecord* e = loaded.find(endpoint);
        if (!e) return Answer::refused(endpoint_not_found(endpoint));
        if (e->state != EndpointState::active) {
          return Answer::refused({http::Status::conflict, "endpoint_not_active", "id",
                                  "endpoint " + std::to_string(endpoint) + " is " + std::string(to_string(e->state)) +
                                      ": re-enable it on the manage page first"});
        }
        // As the manage page's test button: the soonest open window this endpoint would be told of.
        const Window* soonest = test_window_for(*calendar, e->filters, now);
        if (!soonest) {
          return Answer::refused({http::Status::conflict, "no_open_window", "",
                                  "no open window matches this endpoint's filters, so there is nothing to test with"});
        }
        const auto queued = s.queue_test_message(c.subscriber_id, c.generation, endpoint, soonest->id(), soonest->closes.at, now);
        if (!queued) return Answer::failed("test endpoint: " + queued.error());
        return Answer::of(http::Status::accepted, {{"message_id", *queued}});
      },
      io_, [reply, to](Answer answer) { send(answer, to, reply); });
}

void ApiRoutes::remove_endpoint(const http::Request& request, const subscription::TokenClaims& claims,
                                std::int64_t endpoint, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  std::string base = d_.public_url;
  while (base.ends_with('/')) base.pop_back();
  const auto unsubscribe = subscription::make_token(keys_, subscription::TokenPurpose::unsubscribe,
                                                    claims.subscriber_id, claims.generation);
  const std::string unsubscribe_link = unsubscribe ? base + "/unsubscribe/" + *unsubscribe : std::string("the unsubscribe link");
  store_.run(
      [c = claims, endpoint, unsubscribe_link](store::SubscriptionStore& s) {
        const auto removed = s.remove_own_endpoint(c.subscriber_id, c.generation, endpoint);
        if (!removed) return Answer::failed("remove endpoint: " + removed.error());
        switch (*removed) {
          case store::OwnEndpointChange::done: return Answer::of(http::Status::no_content, nullptr);
          case store::OwnEndpointChange::revoked: return Answer::refused(token_not_found());
          case store::OwnEndpointChange::not_found: return Answer::refused(endpoint_not_found(endpoint));
          case store::OwnEndpointChange::only_email: break;
          case store::OwnEndpointChange::too_many: break;  // not an outcome of removing
        }
        return Answer::refused({http::Status::conflict, "use_unsubscribe", "id",
                                "endpoint " + std::to_string(endpoint) +
                                    " is the subscription's email address: to stop every reminder, unsubscribe "
                                    "(POST " + unsubscribe_link + ")"});
      },
      io_, [reply, to](Answer answer) { send(answer, to, reply); });
}

}  // namespace deadline::api
