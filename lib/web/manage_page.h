#pragma once
// The manage page (GET /manage/{token}) and its steps: what a subscriber receives and where,
// changed without an account. The main page shows the email reminders' choices (the subscribe
// form's fields, filled in), every endpoint with its state, name and address (never a secret),
// with buttons to test, edit, delete or re-enable it, the form to add one, the personal feed, and
// the ways to leave (unsubscribe, or erase everything). Deleting one endpoint and erasing
// everything each ask first on a page of their own (no script). Pure.

#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar.h"
#include "schedule/lead.h"
#include "store/records.h"
#include "web/subscribe_form.h"

namespace deadline::web {

// The add-endpoint form as last posted (re-filled when it had an error; never the secret).
struct AddEndpointForm {
  std::string kind;
  std::string url;
  std::string name;
};

struct ManagePageInput {
  std::string email;
  std::vector<store::EndpointRecord> endpoints;  // as load_subscription lists them
  std::string manage_path;        // /manage/TOKEN: the forms post here
  std::string unsubscribe_path;   // /unsubscribe/TOKEN
  SubscribeForm values;           // the email endpoint's current choices, or what was just posted
  FormErrors errors;              // of the choices, or under "kind", "url", "secret", "name" (add)
  std::string notice;             // what the last change did (wording::manage_done_text); "" none
  std::string problem;            // why the last change could not be made; "" none
  AddEndpointForm add_form;
  std::string feed_path;          // /feeds/TOKEN.ics: the subscriber's own calendar feed
  std::string public_url;         // [http] public_url: the feed links are absolute
  std::string new_secret;         // a webhook signing key just generated: shown this once
};

std::string manage_page(const Calendar& calendar, const std::vector<Lead>& lead_menu, const ManagePageInput& input);

// One endpoint's own page (GET /manage/TOKEN?edit=ID): its name and its choices, the same fields
// as the email's. `values`/`name` as stored or as just posted, with `errors` (also under "name").
struct EndpointEditInput {
  store::EndpointRecord endpoint;
  std::string manage_path;
  SubscribeForm values;
  std::string name;
  FormErrors errors;
};
std::string endpoint_edit_page(const Calendar& calendar, const std::vector<Lead>& lead_menu,
                               const EndpointEditInput& input);

// The second step of deleting an endpoint (GET /manage/TOKEN?delete=ID).
std::string endpoint_delete_page(const store::EndpointRecord& endpoint, std::string_view manage_path);

// The second step of erasing everything (GET /manage/TOKEN?erase=1), and what follows it.
std::string erase_confirm_page(std::string_view manage_path);
std::string erased_page();

// The choices of an endpoint as the form shows them.
SubscribeForm form_of(const store::EndpointRecord& endpoint);

// What the page calls an endpoint: its name, or (none given) the default its place among the
// endpoints of its kind gives it ("Webhook 2"), so the page and the confirm step agree.
std::string endpoint_title(const store::EndpointRecord& endpoint, const std::vector<store::EndpointRecord>& all);

}  // namespace deadline::web
