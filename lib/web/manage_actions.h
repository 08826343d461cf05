#pragma once
// What a manage-page request does, decided on the store thread (web/manage_routes.h says what each
// view and action means; this file does them): one function per action over a ManageRequest, each
// filling in a ManageOutcome that the routes then render. No HTTP, no rendering.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "http/message.h"
#include "schedule/lead.h"
#include "store/subscription_store.h"
#include "subscription/tokens.h"
#include "time/instant.h"
#include "web/manage_page.h"
#include "web/subscribe_form.h"

namespace deadline::web {

// Which page a GET asks for, from its query.
struct ManageView {
  std::string done;              // ?done=CODE after a change
  std::int64_t edit = 0;         // ?edit=ID
  std::int64_t remove = 0;       // ?delete=ID
  bool erase = false;            // ?erase=1
};
ManageView manage_view_of(std::string_view query);

// One request, as the routes read it.
struct ManageRequest {
  subscription::TokenClaims claims;
  bool read = false;             // GET or HEAD: `view`; else POST: `action` and the form fields
  ManageView view;
  std::string action;
  SubscribeForm posted;          // the choice fields (choices, edit)
  std::int64_t endpoint = 0;     // edit, delete, reenable, test
  std::string kind, url, secret; // add
  std::string name;              // add, edit
  std::string path;              // /manage/TOKEN
  std::vector<Lead> menu;
  std::shared_ptr<const Calendar> calendar;
  std::vector<std::string> allow_hosts;  // [delivery] allow_hosts: an added endpoint is judged as the dispatcher will
  Instant now;
};

// What the page shows, read in one go on the store thread.
struct LoadedSubscription {
  bool valid = false;
  std::string email;
  std::vector<store::EndpointRecord> endpoints;
  std::string error;  // a store failure (not an invalid link)

  const store::EndpointRecord* find(std::int64_t id) const;
};

// What a request ends in.
struct ManageOutcome {
  LoadedSubscription page;                  // after the change
  SubscribeForm values;                     // the email's choices, or the posted ones with their errors
  FormErrors errors;
  std::string problem;                      // a refusal about one endpoint, shown on the main page
  http::Status status = http::Status::ok;
  AddEndpointForm add_form;
  std::string redirect_done;                // non-empty: 303 to ?done=THIS
  std::string new_secret;                   // a generated webhook key to show once
  std::optional<EndpointEditInput> edit;    // the edit page (GET, or a POST with errors)
  std::optional<store::EndpointRecord> remove_question;
  bool erase_question = false;
  bool erased = false;
};

ManageOutcome decide_manage_request(store::SubscriptionStore& store, const ManageRequest& request);

}  // namespace deadline::web
