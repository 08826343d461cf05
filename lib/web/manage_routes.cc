#include "web/manage_routes.h"

#include "base/log.h"
#include "delivery/endpoint_check.h"
#include "delivery/webhook_signature.h"
#include "http/response.h"
#include "mail/utf8.h"
#include "schedule/test_window.h"
#include "web/manage_page.h"
#include "web/subscribe_form.h"
#include "web/subscription_pages.h"
#include "wording/delivery_wording.h"
#include "wording/manage_wording.h"

namespace deadline::web {

namespace {

constexpr std::string_view kManagePrefix = "/manage/";

// What the page shows, read in one go on the store thread.
struct Loaded {
  bool valid = false;
  std::string email;
  std::vector<store::EndpointRecord> endpoints;
  std::string error;  // a store failure (not an invalid link)

  const store::EndpointRecord* find(std::int64_t id) const {
    for (const store::EndpointRecord& e : endpoints) {
      if (e.id == id) return &e;
    }
    return nullptr;
  }
};

Loaded load(store::SubscriptionStore& s, const subscription::TokenClaims& c) {
  auto loaded = s.load_subscription(c.subscriber_id, c.generation);
  if (!loaded) return {false, {}, {}, loaded.error()};
  if (!*loaded) return {};
  return {true, *(*loaded)->subscriber.email, std::move((*loaded)->endpoints), {}};
}

// Why an endpoint could not be added.
std::string add_refusal(store::OwnEndpointChange outcome) {
  if (outcome == store::OwnEndpointChange::too_many) return wording::too_many_endpoints_text();
  return std::string(wording::kLinkRevoked);
}

// What is wrong with a name an owner typed for an endpoint; "" when it may be stored.
std::string endpoint_name_problem(const std::string& name) {
  if (!mail::utf8::valid(name) || mail::utf8::count(name) > wording::kEndpointNameMaxChars) {
    return std::string(wording::kNameTooLong);
  }
  return {};
}

int endpoints_of_kind(const std::vector<store::EndpointRecord>& endpoints, EndpointKind kind) {
  int n = 0;
  for (const store::EndpointRecord& e : endpoints) n += e.kind == kind ? 1 : 0;
  return n;
}

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

// Which page a GET asks for, from its query.
struct ManageView {
  std::string done;              // ?done=CODE after a change
  std::int64_t edit = 0;         // ?edit=ID
  std::int64_t remove = 0;       // ?delete=ID
  bool erase = false;            // ?erase=1
};

ManageView manage_view_of(std::string_view query) {
  ManageView view;
  view.done = form_field(query, "done");
  view.edit = std::atoll(form_field(query, "edit").c_str());
  view.remove = std::atoll(form_field(query, "delete").c_str());
  view.erase = form_field(query, "erase") == "1";
  return view;
}

// What a request ends in, decided on the store thread.
struct ManageOutcome {
  Loaded page;
  SubscribeForm values;
  FormErrors errors;
  std::string problem;
  http::Status status = http::Status::ok;
  AddEndpointForm add_form;
  std::string redirect_done;                // non-empty: 303 to ?done=THIS
  std::string new_secret;                   // a generated webhook key to show once
  std::optional<EndpointEditInput> edit;    // the edit page (GET, or a POST with errors)
  std::optional<store::EndpointRecord> remove_question;
  bool erase_question = false;
  bool erased = false;
};

// A refusal about one endpoint, shown on the main page.
void refuse(ManageOutcome& out, std::string_view problem, http::Status status) {
  out.problem = std::string(problem);
  out.status = status;
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
  const ManageView view = read ? manage_view_of(query) : ManageView{};
  const std::string action = form_field(body, "action");
  SubscribeForm posted = parse_subscribe_form(body);
  const std::int64_t endpoint = std::atoll(form_field(body, "endpoint").c_str());
  const std::string add_kind = form_field(body, "kind");
  const std::string add_url = form_field(body, "url");
  const std::string add_secret = form_field(body, "secret");
  const std::string name = form_field(body, "name");
  store_.run(
      [c = *claims, read, view, action, posted, endpoint, add_kind, add_url, add_secret, name, menu = lead_menu_,
       calendar, path, allow_hosts = allow_hosts_, now = clock_.now()](store::SubscriptionStore& s) mutable {
        ManageOutcome out;
        out.page = load(s, c);
        if (!out.page.valid) return out;
        const store::EndpointRecord* chosen = out.page.find(read ? (view.edit ? view.edit : view.remove) : endpoint);
        // Only an endpoint this subscription lists; the email's choices have the page's own form.
        const bool editable = chosen && chosen->kind != EndpointKind::email;
        if (read) {
          if (view.edit || view.remove) {
            if (!editable) {
              refuse(out, wording::kEndpointNotYours, http::Status::not_found);
            } else if (view.edit) {
              out.edit = EndpointEditInput{*chosen, path, form_of(*chosen), endpoint_title(*chosen, out.page.endpoints), {}};
            } else {
              out.remove_question = *chosen;
            }
          }
          out.erase_question = view.erase;
        } else if (action == "choices") {
          posted.email = out.page.email;
          out.values = posted;
          out.errors = validate_subscribe_form(posted, *calendar, menu);
          if (!out.errors.empty()) out.status = http::Status::bad_request;
          if (out.errors.empty()) {
            if (Status saved = s.set_email_choices(c.subscriber_id, c.generation, filters_of(posted), posted.leads); saved) {
              out.redirect_done = "saved";
            } else {
              out.page.error = saved.error();
            }
          }
        } else if (action == "edit") {
          if (!editable) {
            refuse(out, wording::kEndpointNotYours, http::Status::not_found);
          } else {
            posted.email = out.page.email;  // the form has no address: the endpoint keeps its own
            FormErrors errors = validate_subscribe_form(posted, *calendar, menu);
            if (std::string problem = endpoint_name_problem(name); !problem.empty()) errors["name"] = problem;
            const std::string kept_name = name.empty() ? endpoint_title(*chosen, out.page.endpoints) : name;
            if (errors.empty()) {
              const auto renamed = s.rename_own_endpoint(c.subscriber_id, c.generation, endpoint, kept_name);
              const auto changed = renamed && *renamed == store::OwnEndpointChange::done
                                       ? s.set_own_endpoint_choices(c.subscriber_id, c.generation, endpoint,
                                                                    filters_of(posted), posted.leads)
                                       : renamed;
              if (!changed) {
                out.page.error = changed.error();
              } else if (*changed == store::OwnEndpointChange::done) {
                out.redirect_done = "saved";
              } else {
                refuse(out, wording::kEndpointNotYours, http::Status::not_found);
              }
            } else {
              out.edit = EndpointEditInput{*chosen, path, posted, name, errors};
              out.status = http::Status::bad_request;
            }
          }
        } else if (action == "delete") {
          const auto removed = s.remove_own_endpoint(c.subscriber_id, c.generation, endpoint);
          if (!removed) {
            out.page.error = removed.error();
          } else if (*removed == store::OwnEndpointChange::done) {
            out.redirect_done = "deleted";
          } else if (*removed == store::OwnEndpointChange::only_email) {
            refuse(out, wording::kOnlyEmail, http::Status::conflict);
          } else {
            refuse(out, wording::kEndpointNotYours, http::Status::not_found);
          }
        } else if (action == "erase") {
          const auto erased = s.erase_subscription(c.subscriber_id, c.generation);
          if (!erased) {
            out.page.error = erased.error();
          } else if (*erased == store::OwnEndpointChange::done) {
            log::info("manage", "subscriber " + std::to_string(c.subscriber_id) + " erased their data");
            out.erased = true;
            return out;
          }
        } else if (action == "reenable") {
          if (s.reenable_endpoint(c.subscriber_id, c.generation, endpoint, now)) {
            out.redirect_done = "reenabled";
          } else {
            refuse(out, wording::kEndpointNotYours, http::Status::not_found);
          }
        } else if (action == "test") {
          // Something real to remind of: the soonest open window this endpoint would be told of.
          if (!chosen) {
            refuse(out, wording::kEndpointNotYours, http::Status::not_found);
          } else if (chosen->state != EndpointState::active) {
            refuse(out, wording::kTestNotActive, http::Status::conflict);
          } else if (const Window* window = test_window_for(*calendar, chosen->filters, now); !window) {
            refuse(out, wording::kNoWindowForTest, http::Status::conflict);
          } else if (const auto queued =
                         s.queue_test_message(c.subscriber_id, c.generation, endpoint, window->id(), window->closes.at, now);
                     !queued) {
            log::warning("manage", "test message to endpoint " + std::to_string(endpoint) + ": " + queued.error());
            refuse(out, wording::kEndpointNotYours, http::Status::not_found);
          } else {
            out.redirect_done = "test";
          }
        } else if (action == "add") {
          std::optional<EndpointKind> kind = parse_endpoint_kind(add_kind);
          if (!kind || *kind == EndpointKind::email) {
            out.errors["kind"] = wording::kChooseKind;
          } else if (const auto problem = delivery::endpoint_target_problem(*kind, add_url, add_secret, allow_hosts);
                     !problem.message.empty()) {
            // The real reason in Chinese on the page; the technical detail to the log.
            log::info("manage", "endpoint refused: " + problem.message);
            out.errors[problem.field == delivery::EndpointTargetProblem::Field::secret ? "secret" : "url"] =
                wording::endpoint_refusal_text(problem.reason, problem.host);
          } else if (std::string bad_name = endpoint_name_problem(name); !bad_name.empty()) {
            out.errors["name"] = bad_name;
          } else {
            std::string secret = add_secret;
            if (*kind == EndpointKind::webhook && secret.empty()) secret = generate_webhook_secret();
            store::NewEndpoint e{c.subscriber_id, *kind, add_url, secret, {}, {}};
            e.name = name.empty() ? wording::default_endpoint_name(*kind, endpoints_of_kind(out.page.endpoints, *kind) + 1)
                                  : name;
            // What is not chosen yet is the email's: the same reminders, at the same points.
            for (const store::EndpointRecord& existing : out.page.endpoints) {
              if (existing.kind == EndpointKind::email) {
                e.filters = existing.filters;
                e.leads = existing.leads;
              }
            }
            if (const auto added = s.add_own_endpoint(c.generation, e, now); !added) {
              out.page.error = added.error();
            } else if (added->outcome != store::OwnEndpointChange::done) {
              refuse(out, add_refusal(added->outcome), http::Status::conflict);
            } else if (*kind == EndpointKind::webhook && add_secret.empty()) {
              out.new_secret = secret;  // this answer only: never in a URL, never again
            } else {
              out.redirect_done = "added";
            }
          }
          if (out.redirect_done.empty() && out.new_secret.empty()) out.add_form = {add_kind, add_url, name};
          if (!out.errors.empty()) out.status = http::Status::bad_request;
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
