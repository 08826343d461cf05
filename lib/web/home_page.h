#pragma once
// GET / (and POST /subscribe answering with its errors): the deadlines coming up, then the
// subscribe form. Pure: the caller supplies the calendar, the time and the form's state, and
// sends the result with http::html_response.

#include <chrono>
#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "schedule/lead.h"
#include "time/instant.h"
#include "web/subscribe_form.h"

namespace deadline::web {

// How far ahead the list looks.
inline constexpr date::days kHomeUpcomingDays{90};

// The windows upcoming_windows() gives for [now, now + kHomeUpcomingDays] (not yet closed, and
// open now, opening or closing in the period), soonest close first, each with 已确认 or 预计, its
// close ("预计2024年11月" for a month estimate), days left, the phrase verbatim and a link to its
// programme page. Then the form (id "subscribe", POST /subscribe; field names in
// web/subscribe_form.h): email, every programme by title, the calendar's groups and categories,
// a keyword, the leads of `lead_menu` with Chinese labels, a submit button.
// `values` is re-filled as given (escaped); a first visit passes subscribe_form_from_link(...).
// `errors` (validate_subscribe_form) are listed in a summary above the form, linking to their
// fields, and each is shown next to its field, which names it in aria-describedby.
// Before the submit button: the 个人信息说明 (what is collected, why, how long it is kept, that
// unsubscribing deletes it, who runs the service: site_footer()) and a consent box, never
// pre-ticked (web/subscribe_form.h consent_problem); its error beside it like any field's.
// With a `public_url`, a section offers the all-programmes calendar feed (web/feed_links.h).
// The document title says when the form has errors; the visible heading is always the site's.
struct HomeExtras {
  int unsubscribed_days = 30;       // [retention]: what the 个人信息说明 promises
  int finished_message_days = 90;
  std::string notice;               // shown above the form (e.g. the 429's "when to try again")
};
std::string home_page(const Calendar& calendar, Instant now, const std::vector<Lead>& lead_menu,
                      const SubscribeForm& values, const FormErrors& errors, std::string_view public_url = {},
                      const HomeExtras& extras = {});

// The form's choice fields without the email (programmes, groups, categories, keyword, leads),
// for the subscribe form and the manage page alike; values re-filled, errors beside their fields.
std::string preference_fields(const Calendar& calendar, const std::vector<Lead>& lead_menu, const SubscribeForm& values,
                              const FormErrors& errors);

}  // namespace deadline::web
