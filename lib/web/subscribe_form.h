#pragma once
// The subscribe form (POST /subscribe, shown by web/home_page.h): what it sends, how it is read
// and checked, and what it becomes in the store. Pure: no store, no clock.
//
// Field names, in the HTML and as keys of FormErrors: "email", "programme", "group", "category",
// "keyword", "lead", "consent". The checkbox fields repeat their name once per box ticked.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar.h"
#include "schedule/lead.h"
#include "store/records.h"

namespace deadline::web {

struct SubscribeForm {
  std::string email;
  std::vector<std::string> programmes, groups, categories, leads;  // ids / values, each once
  std::string keyword;
  bool consent = false;  // the page's "I agree" box (个人信息保护法): ticked when sent with any value
};

// Field name → what is wrong with it, in Chinese, for the page to show next to the field.
using FormErrors = std::map<std::string, std::string>;

inline constexpr std::size_t kKeywordMaxChars = 50;  // code points, not bytes

// application/x-www-form-urlencoded as browsers send it (the WHATWG URL standard's parser):
// '+' is a space; %XX is a byte; a '%' not followed by two hex digits stays a literal '%' (a
// browser never sends one: it writes '%' as %25); the bytes are then read as UTF-8, each byte
// that is not part of valid UTF-8 becoming U+FFFD. Never fails: what is wrong shows up in
// validation. lib/http/query.h's percent_decode refuses a bad escape instead, which is right for
// the JSON API's 400 but leaves a form nothing to show.
// - checkbox fields collect every value in order, each once; empty values are dropped;
// - email and keyword take the first occurrence, trimmed of spaces (ASCII and U+3000 全角空格);
//   the email as typed_email_address makes it;
// - unknown names are ignored (a form may grow a field, e.g. a CSRF token, before this does).
// The body's size is bounded by the HTTP server (lib/http/limits.h).
SubscribeForm parse_subscribe_form(std::string_view urlencoded_body);

// An address as a Chinese input method may type it, made ASCII where it has an ASCII meaning:
// full-width forms U+FF01..U+FF5E (＠, ．, Ａ, ０, …) become their ASCII characters, and the
// ideographic full stops 。 (U+3002) and ｡ (U+FF61) become '.'. Anything else is kept (an
// internationalised address is then refused by validation, saying why).
std::string typed_email_address(std::string_view text);

// The form's consent check: "" when the box was ticked, else why the form is refused. The JSON
// API asks for no such member: its subscriber agrees on the confirm page, as every subscriber
// does (docs/http-api.md).
std::string consent_problem(const SubscribeForm& form);

// `text` without ASCII white space and U+3000 (全角空格) at either end: how the form trims what
// people type (the JSON API trims its members the same way).
std::string trim_form_text(std::string_view text);

// One other field of such a body (the manage page's action, endpoint, url, secret), decoded and
// trimmed the same way; the first occurrence; "" when absent.
std::string form_field(std::string_view urlencoded_body, std::string_view name);

// The form as first shown: programmes, groups and categories from the query of a link such as
// "/?programme=ID" (programme_page's "订阅此项目的提醒"), and default_leads ticked. A link never
// fills in an email address, a keyword or leads.
SubscribeForm subscribe_form_from_link(std::string_view query, const std::vector<Lead>& menu);

// The leads ticked on a fresh form: 30d, 7d and 1d where the operator's menu has them (time to
// prepare, a week, the day before), else the whole menu.
std::vector<std::string> default_leads(const std::vector<Lead>& menu);

// The choices the form offers: the distinct `group` and `category` values of the calendar's
// programmes, in the calendar's order.
std::vector<std::string> calendar_groups(const Calendar& calendar);
std::vector<std::string> calendar_categories(const Calendar& calendar);

// Empty when the form can be stored. At most one message per field:
// - email: required, ASCII (an internationalised address is refused with what to do instead), and
//   acceptable to email_address_problem;
// - programme / group / category: every value one the calendar has (a reload may have removed
//   one since the page was shown); and, when programmes are chosen together with groups or
//   categories, at least one chosen programme must lie in them: filters AND across kinds
//   (EndpointFilters), so otherwise the subscription could never remind of anything;
// - keyword: at most kKeywordMaxChars characters, valid UTF-8, no control characters;
// - lead: at least one, each on the menu. None is an error rather than "every lead" (what an
//   empty NewEndpoint::leads means): the whole default menu is eight emails per window, which
//   nobody should get by unticking boxes.
FormErrors validate_subscribe_form(const SubscribeForm& form, const Calendar& calendar, const std::vector<Lead>& menu);

// What the endpoint receives: programmes, groups and categories as chosen, the keyword (when
// given) as the only keyword. The leads go to NewEndpoint::leads as they are.
EndpointFilters filters_of(const SubscribeForm& form);

}  // namespace deadline::web
