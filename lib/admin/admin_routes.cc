#include "admin/admin_routes.h"

#include "time/iso8601.h"

#include <variant>

#include "admin/admin_bodies.h"
#include "admin/admin_json.h"
#include "admin/admin_params.h"
#include "admin/admin_paths.h"
#include "admin/metrics_text.h"
#include "base/log.h"
#include "delivery/webhook_signature.h"
#include "domain/revision_json.h"
#include "http/query.h"
#include "http/response.h"
#include "store/store_support.h"

namespace deadline::admin {

using nlohmann::json;
using http::Status;

// What the store thread hands back: the response, and what to do once it is sent on its way.
struct AdminAnswer {
  http::Response response;
  std::string log;              // an operator's change, for the log (never the token)
  bool messages_ready = false;  // wake the dispatcher
  bool notices_recorded = false;
};

namespace {

using Answer = AdminAnswer;

http::Response error(Status status, std::string_view code, std::string_view field, std::string_view message,
                     const http::ReplyTo& to) {
  return http::error_response(status, code, field, message, to);
}

http::Response bad_parameter(const http::ParamError& e, const http::ReplyTo& to) {
  return error(Status::bad_request, e.code, e.field, e.message, to);
}

http::Response store_failure(const std::string& what, const http::ReplyTo& to) {
  log::error("admin", what);
  // A database that cannot be reached now: try again later. Anything else is a fault.
  if (store::store_unavailable(what)) return error(Status::service_unavailable, "unavailable", "", what, to);
  return error(Status::internal_server_error, "internal_error", "", what, to);
}

http::Response conflict(const std::string& message, const http::ReplyTo& to) {
  return error(Status::conflict, "conflict", "", message, to);
}

http::Response not_found(const std::string& what, std::int64_t id, const http::ReplyTo& to) {
  return error(Status::not_found, "not_found", "id", "no " + what + " " + std::to_string(id), to);
}

Answer plain(http::Response response) { return Answer{std::move(response), {}, false, false}; }

// GET /admin/v1/changes: the staged revision (at most one), with what its release would tell
// ("to_tell": windows and endpoints) when the daemon holds its calendar.
Result<json> staged_with_preview(store::RevisionStore& s,
                                 const std::optional<std::pair<std::int64_t, NoticeDecider>>& decider, Instant now) {
  const auto staged = s.staged_revision();
  if (!staged) return Result<json>::failure(staged.error());
  json list = json::array();
  if (*staged) {
    json r = revision_json(**staged);
    r["to_tell"] = nullptr;
    if (decider && decider->first == (*staged)->id) {
      const auto preview = s.preview_change_notices(decider->first, decider->second, now);
      if (!preview) return Result<json>::failure(preview.error());
      r["to_tell"] = {{"windows", preview->events}, {"endpoints", preview->messages}};
    }
    list.push_back(std::move(r));
  }
  return Result<json>::success(std::move(list));
}

// POST /admin/v1/reload's answer: the calendar in force and what changed (200), the loader's
// errors (422), or the store's failure to record the revision (500); the old calendar stays
// in force on either failure.
http::Response reload_answer(const ReloadOutcome& outcome, const http::ReplyTo& to) {
  if (outcome.ok) {
    json changes = json::array();
    for (const WindowChange& c : outcome.changes) changes.push_back(window_change_json(c));
    return http::json_response(Status::ok,
                               {{"revision", outcome.revision},
                                {"programmes", outcome.programmes},
                                {"recorded", outcome.recorded},
                                {"revision_id", outcome.revision_id},
                                {"state", outcome.staged ? "staged" : "released"},
                                {"release_at", outcome.release_at ? json(format_utc(*outcome.release_at)) : json(nullptr)},
                                {"replaced", outcome.replaced ? json(*outcome.replaced) : json(nullptr)},
                                {"changes", changes}},
                               to);
  }
  if (!outcome.failure.empty()) {
    return store_failure(outcome.failure + "; calendar " + outcome.revision + " stays in force", to);
  }
  const std::string message = "the calendars have " + std::to_string(outcome.errors.size()) +
                              (outcome.errors.size() == 1 ? " error" : " errors") + "; calendar " + outcome.revision +
                              " stays in force";
  return http::json_response(Status::unprocessable_entity,
                             {{"error", {{"code", "calendar_invalid"}, {"field", nullptr}, {"message", message}}},
                              {"errors", outcome.errors},
                              {"revision", outcome.revision}},
                             to);
}

// `next_after`: the id to pass as `after` for the next page, or null on the last one.
json page(const char* name, json items, std::size_t limit, std::int64_t last_id) {
  const bool full = items.size() == limit;
  return {{name, std::move(items)}, {"next_after", full ? json(last_id) : json(nullptr)}};
}

// GET /admin/v1/subscribers/{id} and what POST .../unsubscribe answers.
Answer subscriber_with_endpoints(store::AdminStore& s, std::int64_t id, const http::ReplyTo& to) {
  const auto subscriber = s.find_subscriber(id);
  if (!subscriber) return plain(store_failure(subscriber.error(), to));
  if (!*subscriber) return plain(not_found("subscriber", id, to));
  const auto endpoints = s.search_endpoints(id, std::nullopt, 0, kMaxEndpointsPerSubscriber);
  if (!endpoints) return plain(store_failure(endpoints.error(), to));
  json list = json::array();
  for (const store::EndpointRecord& e : *endpoints) list.push_back(endpoint_json(e));
  return plain(http::json_response(Status::ok, {{"subscriber", subscriber_json(**subscriber)}, {"endpoints", list}}, to));
}

Answer endpoint_answer(store::AdminStore& s, std::int64_t id, json extra, const http::ReplyTo& to) {
  const auto endpoint = s.find_endpoint(id);
  if (!endpoint) return plain(store_failure(endpoint.error(), to));
  if (!*endpoint) return plain(not_found("endpoint", id, to));
  json body = std::move(extra);
  body["endpoint"] = endpoint_json(**endpoint);
  return plain(http::json_response(Status::ok, body, to));
}

Answer message_answer(store::AdminStore& s, const std::string& id, const http::ReplyTo& to) {
  const auto message = s.find_message(id);
  if (!message) return plain(store_failure(message.error(), to));
  if (!*message) return plain(error(Status::not_found, "not_found", "id", "no message " + id, to));
  return plain(http::json_response(Status::ok, {{"message", message_json(**message)}}, to));
}

Answer counts(store::AdminStore& s, const http::ReplyTo& to) {
  const auto messages = s.message_counts();
  if (!messages) return plain(store_failure(messages.error(), to));
  const auto subscribers = s.subscriber_counts();
  if (!subscribers) return plain(store_failure(subscribers.error(), to));
  const auto endpoints = s.endpoint_counts();
  if (!endpoints) return plain(store_failure(endpoints.error(), to));
  std::map<TriggerOutcome, std::int64_t> triggers;
  for (const auto& [outcome, name] : kTriggerOutcomes.entries) {
    const auto n = s.trigger_count(outcome);
    if (!n) return plain(store_failure(n.error(), to));
    triggers[outcome] = *n;
  }
  return plain(http::json_response(
      Status::ok,
      {{"messages", counts_json(*messages, kMessageStates)},
       {"subscribers", counts_json(*subscribers, kSubscriberStates)},
       {"endpoints", counts_json(*endpoints, kEndpointStates)},
       {"triggers", counts_json(triggers, kTriggerOutcomes)}},
      to));
}

Answer disable(store::AdminStore& s, std::int64_t id, const std::string& reason, Instant now, const http::ReplyTo& to) {
  const auto endpoint = s.find_endpoint(id);
  if (!endpoint) return plain(store_failure(endpoint.error(), to));
  if (!*endpoint) return plain(not_found("endpoint", id, to));
  if ((*endpoint)->state == EndpointState::disabled || (*endpoint)->state == EndpointState::unsubscribed) {
    return plain(conflict("endpoint " + std::to_string(id) + " is " + std::string(to_string((*endpoint)->state)) +
                              " already",
                          to));
  }
  const auto expired = s.disable_endpoint(id, reason, now);
  if (!expired) return plain(store_failure(expired.error(), to));
  if (!*expired) return plain(conflict("endpoint " + std::to_string(id) + " is no longer active", to));
  Answer answer = endpoint_answer(s, id, {{"expired_messages", **expired}}, to);
  answer.log = "endpoint " + std::to_string(id) + " disabled (" + reason + "); " + std::to_string(**expired) +
               " unsent messages expired";
  answer.notices_recorded = true;
  return answer;
}

Answer enable(store::AdminStore& s, std::int64_t id, Instant now, const http::ReplyTo& to) {
  const auto endpoint = s.find_endpoint(id);
  if (!endpoint) return plain(store_failure(endpoint.error(), to));
  if (!*endpoint) return plain(not_found("endpoint", id, to));
  const EndpointState state = (*endpoint)->state;
  if (state != EndpointState::disabled && state != EndpointState::needs_attention) {
    return plain(conflict("endpoint " + std::to_string(id) + " is " + std::string(to_string(state)) +
                              ": only a disabled or needs_attention endpoint is enabled",
                          to));
  }
  const auto subscriber = s.find_subscriber((*endpoint)->subscriber_id);
  if (!subscriber) return plain(store_failure(subscriber.error(), to));
  if (!*subscriber || (*subscriber)->state == SubscriberState::unsubscribed) {
    return plain(conflict("the endpoint's subscriber has unsubscribed", to));
  }
  const auto replayed = s.reenable_endpoint((*subscriber)->id, (*subscriber)->token_generation, id, now);
  if (!replayed) return plain(store_failure(replayed.error(), to));
  Answer answer = endpoint_answer(s, id, {{"replayed_messages", *replayed}}, to);
  answer.log = "endpoint " + std::to_string(id) + " enabled; " + std::to_string(*replayed) + " messages replayed";
  answer.messages_ready = true;
  return answer;
}

Answer replay(store::AdminStore& s, const std::string& id, Instant now, const http::ReplyTo& to) {
  const auto message = s.find_message(id);
  if (!message) return plain(store_failure(message.error(), to));
  if (!*message) return plain(error(Status::not_found, "not_found", "id", "no message " + id, to));
  if ((*message)->state != MessageState::dead && (*message)->state != MessageState::expired) {
    return plain(conflict("message " + id + " is " + std::string(to_string((*message)->state)) +
                              ": only a dead or expired message is replayed",
                          to));
  }
  const auto endpoint = s.find_endpoint((*message)->endpoint_id);
  if (!endpoint) return plain(store_failure(endpoint.error(), to));
  if (*endpoint && (*endpoint)->state != EndpointState::active) {
    return plain(conflict("endpoint " + std::to_string((*endpoint)->id) + " is " +
                              std::string(to_string((*endpoint)->state)) +
                              (((*endpoint)->state == EndpointState::unsubscribed) ? ""
                                                                     : ": enable it instead (that replays what it missed)"),
                          to));
  }
  const auto replayed = s.replay_message(id, now);
  if (!replayed) return plain(store_failure(replayed.error(), to));
  if (!*replayed) return plain(conflict("message " + id + ": every window it reminds of has closed", to));
  Answer answer = message_answer(s, id, to);
  answer.log = "message " + id + " replayed";
  answer.messages_ready = true;
  return answer;
}

http::Response metrics_response(const std::string& text, const http::ReplyTo& to) {
  http::Response res{Status::ok, to.version};
  res.set(http::Field::server, "deadlined");
  res.set(http::Field::content_type, kMetricsContentType);
  res.keep_alive(to.keep_alive);
  res.content_length(text.size());
  if (!to.head) res.body() = text;
  return res;
}

// GET /admin/v1/status: the daemon's state, the outbox's counts, endpoints that are not active,
// and the newest dead messages: what an operator looks at first.
Answer status(store::AdminStore& s, json body, const http::ReplyTo& to) {
  const auto messages = s.message_counts();
  const auto endpoints = s.endpoint_counts();
  const auto dead = s.list_messages(MessageState::dead, 5);
  if (!messages || !endpoints || !dead) {
    return plain(store_failure(!messages ? messages.error() : !endpoints ? endpoints.error() : dead.error(), to));
  }
  body["messages"] = occurring_counts_json(*messages, kMessageStates);
  body["endpoints"] = occurring_counts_json(*endpoints, kEndpointStates);
  json recent = json::array();
  for (const store::MessageRecord& m : *dead) recent.push_back(message_json(m));
  body["recent_dead"] = std::move(recent);
  return plain(http::json_response(Status::ok, body, to));
}

// POST .../rotate-secret: a new secret, answered once, beside the current one; POST
// .../finish-rotation: only the current one signs from now on (docs/webhooks.md).
Answer rotation(store::AdminStore& s, std::int64_t id, bool start, const http::ReplyTo& to) {
  const auto endpoint = s.find_endpoint(id);
  if (!endpoint) return plain(store_failure(endpoint.error(), to));
  if (!*endpoint) return plain(not_found("endpoint", id, to));
  if ((*endpoint)->kind != EndpointKind::webhook) return plain(conflict("only a webhook has a rotating secret", to));
  const std::string secret = start ? generate_webhook_secret() : std::string();
  const deadline::Status done = start ? s.start_secret_rotation(id, secret) : s.finish_secret_rotation(id);
  if (!done) return plain(conflict(done.error(), to));
  Answer answer = endpoint_answer(s, id, start ? json{{"secret", secret}} : json::object(), to);
  answer.log = "endpoint " + std::to_string(id) + (start ? ": secret rotation started" : ": secret rotation finished");
  return answer;
}

}  // namespace

bool AdminRoutes::add_subscriber(const http::Request& request, const http::AppState::Reply& reply, Instant now) {
  const http::ReplyTo to = http::reply_to(request);
  auto body = parse_new_subscriber(request.body());
  if (auto* e = std::get_if<api::ApiError>(&body)) {
    reply(api::error_reply(*e, to));
    return true;
  }
  answer_from_store(reply, [b = std::get<NewSubscriberBody>(body), to, now](store::AdminStore& s) {
    const auto id = s.add_subscriber(b.email, b.state, now);
    if (!id) return plain(conflict(id.error(), to));
    Answer answer = subscriber_with_endpoints(s, *id, to);
    answer.response.result(Status::created);
    answer.log = "subscriber " + std::to_string(*id) + " added (" + std::string(to_string(b.state)) + ")";
    return answer;
  });
  return true;
}

bool AdminRoutes::add_endpoint(const http::Request& request, const http::AppState::Reply& reply, Instant now) {
  const http::ReplyTo to = http::reply_to(request);
  const auto calendar = options_.calendar ? options_.calendar() : nullptr;
  if (!calendar) {
    reply(error(Status::service_unavailable, "unavailable", "", "no calendar is loaded yet", to));
    return true;
  }
  auto body = parse_new_endpoint(request.body(), *calendar, options_.lead_menu);
  if (auto* e = std::get_if<api::ApiError>(&body)) {
    reply(api::error_reply(*e, to));
    return true;
  }
  answer_from_store(reply, [e = std::get<store::NewEndpoint>(body), to, now](store::AdminStore& s) mutable {
    const auto subscriber = s.find_subscriber(e.subscriber_id);
    if (!subscriber) return plain(store_failure(subscriber.error(), to));
    if (!*subscriber) return plain(error(Status::not_found, "not_found", "subscriber",
                                         "no subscriber " + std::to_string(e.subscriber_id), to));
    // Shown once, in this answer: the receiver needs it to verify signatures; never logged.
    const bool generated = e.kind == EndpointKind::webhook && e.secret.empty();
    if (generated) e.secret = generate_webhook_secret();
    const auto id = s.add_endpoint(e, now);
    if (!id) return plain(conflict(id.error(), to));
    Answer answer = endpoint_answer(s, *id, generated ? json{{"secret", e.secret}} : json::object(), to);
    answer.response.result(Status::created);
    answer.log = "endpoint " + std::to_string(*id) + " (" + std::string(to_string(e.kind)) +
                 ") added to subscriber " + std::to_string(e.subscriber_id);
    return answer;
  });
  return true;
}

AdminRoutes::AdminRoutes(std::string_view token, store::StoreClient<store::AdminStore> store,
                         store::StoreClient<store::RevisionStore> revisions, boost::asio::io_context& io,
                         const Clock& clock, AdminRoutesOptions options)
    : auth_(token), store_(store), revisions_(revisions), io_(io), clock_(clock), options_(std::move(options)) {}

void AdminRoutes::answer_from_store(const http::AppState::Reply& reply, std::function<AdminAnswer(store::AdminStore&)> work) {
  store_.run(std::move(work), io_, [this, reply](AdminAnswer answer) {
    if (!answer.log.empty()) log::info("admin", answer.log);
    answer.response.set(http::Field::cache_control, "no-store");
    reply(std::move(answer.response));
    if (answer.messages_ready && options_.messages_ready) options_.messages_ready();
    if (answer.notices_recorded && options_.notices_recorded) options_.notices_recorded();
  });
}

bool AdminRoutes::handle(const http::Request& request, const http::RequestInfo&, const http::AppState::Reply& reply) {
  const http::ReplyTo to = http::reply_to(request);
  const auto send = [&reply](http::Response response) {
    response.set(http::Field::cache_control, "no-store");
    reply(std::move(response));
    return true;
  };
  const BearerCheck auth = auth_.check(std::string_view(request[http::Field::authorization]));
  if (auth != BearerCheck::ok) {
    const bool missing = auth == BearerCheck::missing;
    http::Response res = error(Status::unauthorized, "unauthorized", "",
                               missing ? "the admin API needs Authorization: Bearer TOKEN (the admin token file)"
                                       : "the bearer token is not the admin token",
                               to);
    res.set(http::Field::www_authenticate,
            missing ? "Bearer realm=\"deadlined admin\"" : "Bearer realm=\"deadlined admin\", error=\"invalid_token\"");
    return send(std::move(res));
  }
  const http::Target target = http::split_target(request.target());
  const auto found = match_admin_path(target.path);
  if (!found) {
    return send(error(Status::not_found, "not_found", "", "no resource at '" + std::string(target.path) + "'", to));
  }
  if (!method_allowed(found->route, request.method())) {
    http::Response res = error(Status::method_not_allowed, "method_not_allowed", "",
                               std::string(request.method_string()) + " is not allowed on '" +
                                   std::string(target.path) + "' (use " + std::string(allowed_methods(found->route)) + ")",
                               to);
    res.set(http::Field::allow, allowed_methods(found->route));
    return send(std::move(res));
  }
  const Instant now = clock_.now();
  const bool is_delete = request.method() == http::Verb::delete_;

  // The routes that take query parameters parse them; every other one refuses any.
  const AdminRoute route = found->route;
  if (route != AdminRoute::subscribers && route != AdminRoute::endpoints && route != AdminRoute::messages &&
      route != AdminRoute::revisions) {
    if (const auto e = refuse_parameters(target.query)) return send(bad_parameter(*e, to));
  }
  std::int64_t id = 0;
  if (route == AdminRoute::subscriber || route == AdminRoute::subscriber_unsubscribe || route == AdminRoute::endpoint ||
      route == AdminRoute::endpoint_disable || route == AdminRoute::endpoint_enable ||
      route == AdminRoute::endpoint_rotate_secret || route == AdminRoute::endpoint_finish_rotation ||
      route == AdminRoute::change_release || route == AdminRoute::change_drop) {
    auto parsed = parse_record_id(found->id);
    if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
    id = std::get<std::int64_t>(parsed);
  }

  const bool is_post = request.method() == http::Verb::post;
  if (is_post && route == AdminRoute::subscribers) return add_subscriber(request, reply, now);
  if (is_post && route == AdminRoute::endpoints) return add_endpoint(request, reply, now);
  switch (route) {
    case AdminRoute::subscribers: {
      auto parsed = parse_subscriber_query(target.query);
      if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
      answer_from_store(reply, [q = std::get<SubscriberQuery>(parsed), to](store::AdminStore& s) {
        const auto found_subscribers = s.search_subscribers(q.email, q.state, q.after, q.limit);
        if (!found_subscribers) return plain(store_failure(found_subscribers.error(), to));
        json list = json::array();
        for (const store::SubscriberRecord& r : *found_subscribers) list.push_back(subscriber_json(r));
        const std::int64_t last = found_subscribers->empty() ? 0 : found_subscribers->back().id;
        const json body = page("subscribers", std::move(list), static_cast<std::size_t>(q.limit), last);
        return plain(http::json_response(Status::ok, body, to));
      });
      return true;
    }
    case AdminRoute::subscriber:
      answer_from_store(reply, [id, to, is_delete](store::AdminStore& s) {
        if (!is_delete) return subscriber_with_endpoints(s, id, to);
        const auto subscriber = s.find_subscriber(id);
        if (!subscriber) return plain(store_failure(subscriber.error(), to));
        if (!*subscriber) return plain(not_found("subscriber", id, to));
        const deadline::Status removed = s.remove_subscriber(id);
        if (!removed) return plain(store_failure(removed.error(), to));
        Answer answer = plain(http::json_response(Status::ok, {{"deleted", true}, {"id", id}}, to));
        answer.log = "subscriber " + std::to_string(id) + " deleted with its endpoints and messages";
        return answer;
      });
      return true;
    case AdminRoute::subscriber_unsubscribe:
      answer_from_store(reply, [id, to, now](store::AdminStore& s) {
        const auto subscriber = s.find_subscriber(id);
        if (!subscriber) return plain(store_failure(subscriber.error(), to));
        if (!*subscriber) return plain(not_found("subscriber", id, to));
        const bool change = (*subscriber)->state != SubscriberState::unsubscribed;  // repeating it changes nothing
        if (change) {
          if (const deadline::Status done = s.unsubscribe(id, now); !done) return plain(store_failure(done.error(), to));
        }
        Answer answer = subscriber_with_endpoints(s, id, to);
        if (change) answer.log = "subscriber " + std::to_string(id) + " unsubscribed";
        return answer;
      });
      return true;
    case AdminRoute::endpoints: {
      auto parsed = parse_endpoint_query(target.query);
      if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
      answer_from_store(reply, [q = std::get<EndpointQuery>(parsed), to](store::AdminStore& s) {
        const auto found_endpoints = s.search_endpoints(q.subscriber, q.state, q.after, q.limit);
        if (!found_endpoints) return plain(store_failure(found_endpoints.error(), to));
        json list = json::array();
        for (const store::EndpointRecord& r : *found_endpoints) list.push_back(endpoint_json(r));
        const std::int64_t last = found_endpoints->empty() ? 0 : found_endpoints->back().id;
        const json body = page("endpoints", std::move(list), static_cast<std::size_t>(q.limit), last);
        return plain(http::json_response(Status::ok, body, to));
      });
      return true;
    }
    case AdminRoute::endpoint:
      answer_from_store(reply, [id, to, is_delete](store::AdminStore& s) {
        if (!is_delete) return endpoint_answer(s, id, json::object(), to);
        const auto endpoint = s.find_endpoint(id);
        if (!endpoint) return plain(store_failure(endpoint.error(), to));
        if (!*endpoint) return plain(not_found("endpoint", id, to));
        const deadline::Status removed = s.remove_endpoint(id);
        if (!removed) return plain(store_failure(removed.error(), to));
        Answer answer = plain(http::json_response(Status::ok, {{"deleted", true}, {"id", id}}, to));
        answer.log = "endpoint " + std::to_string(id) + " deleted with its messages";
        return answer;
      });
      return true;
    case AdminRoute::endpoint_disable: {
      auto parsed = parse_disable_body(request.body());
      if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
      answer_from_store(reply, [id, to, now, reason = std::get<std::string>(parsed)](store::AdminStore& s) {
        return disable(s, id, reason, now, to);
      });
      return true;
    }
    case AdminRoute::endpoint_enable:
      answer_from_store(reply, [id, to, now](store::AdminStore& s) { return enable(s, id, now, to); });
      return true;
    case AdminRoute::endpoint_rotate_secret:
    case AdminRoute::endpoint_finish_rotation:
      answer_from_store(reply, [id, to, start = route == AdminRoute::endpoint_rotate_secret](store::AdminStore& s) {
        return rotation(s, id, start, to);
      });
      return true;
    case AdminRoute::messages: {
      auto parsed = parse_message_query(target.query);
      if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
      answer_from_store(reply, [q = std::get<MessageQuery>(parsed), to](store::AdminStore& s) {
        const auto messages = s.list_messages(q.state, q.limit);
        if (!messages) return plain(store_failure(messages.error(), to));
        json list = json::array();
        for (const store::MessageRecord& m : *messages) list.push_back(message_json(m));
        return plain(http::json_response(Status::ok, {{"messages", std::move(list)}}, to));
      });
      return true;
    }
    case AdminRoute::message_replay: {
      auto parsed = parse_message_id(found->id);
      if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
      answer_from_store(reply, [message = std::get<std::string>(parsed), to, now](store::AdminStore& s) {
        return replay(s, message, now, to);
      });
      return true;
    }
    case AdminRoute::counts:
      answer_from_store(reply, [to](store::AdminStore& s) { return counts(s, to); });
      return true;
    case AdminRoute::status: {
      json daemon = options_.status ? options_.status() : json::object();
      answer_from_store(reply, [daemon = std::move(daemon), to](store::AdminStore& s) mutable {
        return status(s, std::move(daemon), to);
      });
      return true;
    }
    case AdminRoute::reload: {
      auto reason = parse_reload_body(request.body());
      if (const auto* e = std::get_if<http::ParamError>(&reason)) return send(bad_parameter(*e, to));
      log::info("admin", "calendar reload requested");
      options_.reload(std::get<std::string>(reason), [reply, to](ReloadOutcome outcome) {
        http::Response response = reload_answer(outcome, to);
        response.set(http::Field::cache_control, "no-store");
        reply(std::move(response));
      });
      return true;
    }
    case AdminRoute::revisions: {
      auto parsed = parse_revision_query(target.query);
      if (const auto* e = std::get_if<http::ParamError>(&parsed)) return send(bad_parameter(*e, to));
      revisions_.run(
          [q = std::get<RevisionQuery>(parsed)](store::RevisionStore& s) { return s.revision_history(q.programme, q.limit); },
          io_, [reply, to](Result<std::vector<store::RevisionRecord>> history) {
            http::Response response = [&] {
              if (!history) return store_failure(history.error(), to);
              json list = json::array();
              for (const store::RevisionRecord& r : *history) list.push_back(revision_json(r));
              return http::json_response(Status::ok, {{"revisions", list}}, to);
            }();
            response.set(http::Field::cache_control, "no-store");
            reply(std::move(response));
          });
      return true;
    }
    case AdminRoute::changes: {
      auto decider = options_.staged_decider ? options_.staged_decider() : std::nullopt;
      revisions_.run(
          [decider = std::move(decider), now](store::RevisionStore& s) { return staged_with_preview(s, decider, now); },
          io_, [reply, to](Result<json> staged) {
            http::Response response = staged ? http::json_response(Status::ok, {{"staged", *staged}}, to)
                                             : store_failure(staged.error(), to);
            response.set(http::Field::cache_control, "no-store");
            reply(std::move(response));
          });
      return true;
    }
    case AdminRoute::change_release:
    case AdminRoute::change_drop: {
      const auto answer = [reply, to](Result<store::RevisionRecord> decided) {
        http::Response response =
            decided ? http::json_response(Status::ok, {{"revision", revision_json(*decided)}}, to)
                    : error(Status::conflict, "not_staged", "revision", decided.error(), to);
        response.set(http::Field::cache_control, "no-store");
        reply(std::move(response));
      };
      if (route == AdminRoute::change_release) {
        log::info("admin", "release of calendar revision #" + std::to_string(id) + " requested");
        options_.release(id, answer);
        return true;
      }
      auto reason = parse_reload_body(request.body());
      if (const auto* e = std::get_if<http::ParamError>(&reason)) return send(bad_parameter(*e, to));
      log::info("admin", "drop of calendar revision #" + std::to_string(id) + " requested");
      options_.drop(id, std::get<std::string>(reason), answer);
      return true;
    }
    case AdminRoute::metrics: {
      MetricsInput input;
      input.version = options_.version;
      input.now = now;
      if (options_.counters) input.counters = options_.counters();
      if (options_.lateness) input.lateness = options_.lateness();
      if (options_.http_requests) input.http_requests = options_.http_requests();
      const auto calendar = options_.calendar ? options_.calendar() : nullptr;
      if (calendar) input.calendar_revision = calendar->revision();
      answer_from_store(reply, [input, to](store::AdminStore& s) mutable {
        // A database that cannot be reached is a reading, not a failed scrape: deadlined_store_up 0.
        const auto messages = s.message_counts();
        const auto outbox = messages ? s.outbox_metrics() : Result<store::OutboxMetrics>::failure(messages.error());
        if (!outbox && !store::store_unavailable(outbox.error())) return plain(store_failure(outbox.error(), to));
        input.store_up = outbox.ok();
        if (input.store_up) {
          input.messages = *messages;
          input.outbox = *outbox;
        }
        return plain(metrics_response(metrics_text(input), to));
      });
      return true;
    }
  }
  return send(error(Status::not_found, "not_found", "", "no resource at '" + std::string(target.path) + "'", to));
}

}  // namespace deadline::admin
