#pragma once
// The manage page (GET /manage/{token}): what a subscriber receives and where, changed without an
// account: the email reminders' choices (the subscribe form's fields, filled in), every endpoint
// with its state (a failing one can be re-enabled), and the unsubscribe link. Pure.

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
};

struct ManagePageInput {
  std::string email;
  std::vector<store::EndpointRecord> endpoints;
  std::string manage_path;        // /manage/TOKEN: the forms post here
  std::string unsubscribe_path;   // /unsubscribe/TOKEN
  SubscribeForm values;           // the email endpoint's current choices, or what was just posted
  FormErrors errors;
  std::string notice;             // "已保存" after a change; "" otherwise
  AddEndpointForm add_form;       // errors under "kind", "url", "secret"
  std::string feed_path;          // /feeds/TOKEN.ics: the subscriber's own calendar feed
  std::string public_url;         // [http] public_url: the feed links are absolute
};

std::string manage_page(const Calendar& calendar, const std::vector<Lead>& lead_menu, const ManagePageInput& input);

// The choices of an endpoint as the form shows them.
SubscribeForm form_of(const store::EndpointRecord& endpoint);

}  // namespace deadline::web
