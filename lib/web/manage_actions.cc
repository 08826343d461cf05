#include "web/manage_actions.h"

#include <cstdlib>

#include "base/log.h"
#include "delivery/endpoint_check.h"
#include "delivery/webhook_signature.h"
#include "mail/utf8.h"
#include "schedule/test_window.h"
#include "wording/delivery_wording.h"
#include "wording/manage_wording.h"

namespace deadline::web {

namespace {

using store::OwnEndpointChange;

LoadedSubscription load(store::SubscriptionStore& s, const subscription::TokenClaims& c) {
  auto loaded = s.load_subscription(c.subscriber_id, c.generation);
  if (!loaded) return {false, {}, {}, loaded.error()};
  if (!*loaded) return {};
  return {true, *(*loaded)->subscriber.email, std::move((*loaded)->endpoints), {}};
}

// A refusal about one endpoint, shown on the main page.
void refuse(ManageOutcome& out, std::string_view problem, http::Status status) {
  out.problem = std::string(problem);
  out.status = status;
}

// A change to one endpoint that the store did or refused: done redirects with `done`; a refusal
// says why; a store failure becomes the 503.
void conclude(ManageOutcome& out, const Result<OwnEndpointChange>& changed, std::string_view done) {
  if (!changed) {
    out.page.error = changed.error();
  } else if (*changed == OwnEndpointChange::done) {
    out.redirect_done = std::string(done);
  } else if (*changed == OwnEndpointChange::only_email) {
    refuse(out, wording::kOnlyEmail, http::Status::conflict);
  } else {
    refuse(out, wording::kEndpointNotYours, http::Status::not_found);
  }
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

// An endpoint of this subscription that its own edit and delete pages may change: a webhook or
// robot (the email's choices have the main page's own form); nullptr otherwise.
const store::EndpointRecord* editable(const ManageOutcome& out, std::int64_t id) {
  const store::EndpointRecord* e = out.page.find(id);
  return e && e->kind != EndpointKind::email ? e : nullptr;
}

// GET: the page, an endpoint's edit page, or the question before deleting one or erasing all.
void show(const ManageRequest& r, ManageOutcome& out) {
  out.erase_question = r.view.erase;
  if (!r.view.edit && !r.view.remove) return;
  const store::EndpointRecord* e = editable(out, r.view.edit ? r.view.edit : r.view.remove);
  if (!e) return refuse(out, wording::kEndpointNotYours, http::Status::not_found);
  if (r.view.edit) {
    out.edit = EndpointEditInput{*e, r.path, form_of(*e), endpoint_title(*e, out.page.endpoints), {}};
  } else {
    out.remove_question = *e;
  }
}

void save_email_choices(store::SubscriptionStore& s, const ManageRequest& r, ManageOutcome& out) {
  SubscribeForm posted = r.posted;
  posted.email = out.page.email;
  out.values = posted;
  out.errors = validate_subscribe_form(posted, *r.calendar, r.menu);
  if (!out.errors.empty()) {
    out.status = http::Status::bad_request;
  } else if (Status saved = s.set_email_choices(r.claims.subscriber_id, r.claims.generation, filters_of(posted),
                                                posted.leads);
             saved) {
    out.redirect_done = "saved";
  } else {
    out.page.error = saved.error();
  }
}

// A webhook's or robot's name and its own choices.
void edit_endpoint(store::SubscriptionStore& s, const ManageRequest& r, ManageOutcome& out) {
  const store::EndpointRecord* e = editable(out, r.endpoint);
  if (!e) return refuse(out, wording::kEndpointNotYours, http::Status::not_found);
  SubscribeForm posted = r.posted;
  posted.email = out.page.email;  // the form has no address: the endpoint keeps its own
  FormErrors errors = validate_subscribe_form(posted, *r.calendar, r.menu);
  if (std::string problem = endpoint_name_problem(r.name); !problem.empty()) errors["name"] = problem;
  if (!errors.empty()) {
    out.edit = EndpointEditInput{*e, r.path, posted, r.name, errors};
    out.status = http::Status::bad_request;
    return;
  }
  const std::string name = r.name.empty() ? endpoint_title(*e, out.page.endpoints) : r.name;
  const auto& c = r.claims;
  const auto renamed = s.rename_own_endpoint(c.subscriber_id, c.generation, r.endpoint, name);
  conclude(out,
           renamed && *renamed == OwnEndpointChange::done
               ? s.set_own_endpoint_choices(c.subscriber_id, c.generation, r.endpoint, filters_of(posted), posted.leads)
               : renamed,
           "saved");
}

// Everything at once (个人信息保护法): true when it is gone, and the page says so.
bool erase_everything(store::SubscriptionStore& s, const ManageRequest& r, ManageOutcome& out) {
  const auto erased = s.erase_subscription(r.claims.subscriber_id, r.claims.generation);
  if (!erased) {
    out.page.error = erased.error();
    return false;
  }
  if (*erased != OwnEndpointChange::done) return false;  // revoked meanwhile: the page says the link is invalid
  log::info("manage", "subscriber " + std::to_string(r.claims.subscriber_id) + " erased their data");
  out.erased = true;
  return true;
}

void reenable(store::SubscriptionStore& s, const ManageRequest& r, ManageOutcome& out) {
  if (s.reenable_endpoint(r.claims.subscriber_id, r.claims.generation, r.endpoint, r.now)) {
    out.redirect_done = "reenabled";
  } else {
    refuse(out, wording::kEndpointNotYours, http::Status::not_found);
  }
}

// Something real to remind of: the soonest open window this endpoint would be told of.
void send_test(store::SubscriptionStore& s, const ManageRequest& r, ManageOutcome& out) {
  const store::EndpointRecord* e = out.page.find(r.endpoint);
  if (!e) return refuse(out, wording::kEndpointNotYours, http::Status::not_found);
  if (e->state != EndpointState::active) return refuse(out, wording::kTestNotActive, http::Status::conflict);
  const Window* window = test_window_for(*r.calendar, e->filters, r.now);
  if (!window) return refuse(out, wording::kNoWindowForTest, http::Status::conflict);
  const auto queued = s.queue_test_message(r.claims.subscriber_id, r.claims.generation, r.endpoint, window->id(),
                                           window->closes.at, r.now);
  if (!queued) {
    log::warning("manage", "test message to endpoint " + std::to_string(r.endpoint) + ": " + queued.error());
    return refuse(out, wording::kEndpointNotYours, http::Status::not_found);
  }
  out.redirect_done = "test";
}

// Why an endpoint could not be added.
std::string add_refusal(OwnEndpointChange outcome) {
  if (outcome == OwnEndpointChange::too_many) return wording::too_many_endpoints_text();
  return std::string(wording::kLinkRevoked);
}

void add_endpoint(store::SubscriptionStore& s, const ManageRequest& r, ManageOutcome& out) {
  const std::optional<EndpointKind> kind = parse_endpoint_kind(r.kind);
  if (!kind || *kind == EndpointKind::email) {
    out.errors["kind"] = wording::kChooseKind;
  } else if (const auto problem = delivery::endpoint_target_problem(*kind, r.url, r.secret, r.allow_hosts);
             !problem.message.empty()) {
    // The real reason in Chinese on the page; the technical detail to the log.
    log::info("manage", "endpoint refused: " + problem.message);
    out.errors[problem.field == delivery::EndpointTargetProblem::Field::secret ? "secret" : "url"] =
        wording::endpoint_refusal_text(problem.reason, problem.host);
  } else if (std::string bad_name = endpoint_name_problem(r.name); !bad_name.empty()) {
    out.errors["name"] = bad_name;
  } else {
    const bool generated = *kind == EndpointKind::webhook && r.secret.empty();
    const std::string secret = generated ? generate_webhook_secret() : r.secret;
    store::NewEndpoint e{r.claims.subscriber_id, *kind, r.url, secret, {}, {}};
    e.name = r.name.empty() ? wording::default_endpoint_name(*kind, endpoints_of_kind(out.page.endpoints, *kind) + 1)
                            : r.name;
    // What is not chosen yet is the email's: the same reminders, at the same points.
    for (const store::EndpointRecord& existing : out.page.endpoints) {
      if (existing.kind == EndpointKind::email) {
        e.filters = existing.filters;
        e.leads = existing.leads;
      }
    }
    if (const auto added = s.add_own_endpoint(r.claims.generation, e, r.now); !added) {
      out.page.error = added.error();
    } else if (added->outcome != OwnEndpointChange::done) {
      refuse(out, add_refusal(added->outcome), http::Status::conflict);
    } else if (generated) {
      out.new_secret = secret;  // this answer only: never in a URL, never again
    } else {
      out.redirect_done = "added";
    }
  }
  if (out.redirect_done.empty() && out.new_secret.empty()) out.add_form = {r.kind, r.url, r.name};
  if (!out.errors.empty()) out.status = http::Status::bad_request;
}

}  // namespace

const store::EndpointRecord* LoadedSubscription::find(std::int64_t id) const {
  for (const store::EndpointRecord& e : endpoints) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

ManageView manage_view_of(std::string_view query) {
  ManageView view;
  view.done = form_field(query, "done");
  view.edit = std::atoll(form_field(query, "edit").c_str());
  view.remove = std::atoll(form_field(query, "delete").c_str());
  view.erase = form_field(query, "erase") == "1";
  return view;
}

ManageOutcome decide_manage_request(store::SubscriptionStore& s, const ManageRequest& r) {
  ManageOutcome out;
  out.page = load(s, r.claims);
  if (!out.page.valid) return out;
  if (r.read) {
    show(r, out);
  } else if (r.action == "choices") {
    save_email_choices(s, r, out);
  } else if (r.action == "edit") {
    edit_endpoint(s, r, out);
  } else if (r.action == "delete") {
    conclude(out, s.remove_own_endpoint(r.claims.subscriber_id, r.claims.generation, r.endpoint), "deleted");
  } else if (r.action == "erase") {
    if (erase_everything(s, r, out)) return out;
  } else if (r.action == "reenable") {
    reenable(s, r, out);
  } else if (r.action == "test") {
    send_test(s, r, out);
  } else if (r.action == "add") {
    add_endpoint(s, r, out);
  }
  out.page = load(s, r.claims);  // as it is now, after the change
  if (!(r.action == "choices" && !out.errors.empty())) {  // else the posted choices, with their errors
    for (const store::EndpointRecord& e : out.page.endpoints) {
      if (e.kind == EndpointKind::email) out.values = form_of(e);
    }
  }
  return out;
}

}  // namespace deadline::web
