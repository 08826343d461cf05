#pragma once
// What a JSON API client chooses — the subscribe request's members, an endpoint's "filters" and
// "leads" — read from JSON and checked by the same rules as the pages' forms
// (web/subscribe_form.h: validate_subscribe_form), so the API refuses what the form refuses.
// Pure: no store, no clock. Each function reports the first problem only, naming the member
// ("email", "programmes", "filters.groups", "leads") in ApiError::field.
//
// Strings are trimmed like the form's (ASCII spaces and U+3000); list values are kept in order,
// each once; an empty string in a list is refused; null is the same as an absent member; a
// member the request does not take is refused (unknown_field), so a misspelt "lead" cannot
// silently mean the default.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/json_body.h"
#include "calendar/calendar.h"
#include "schedule/lead.h"
#include "store/records.h"
#include "web/subscribe_form.h"

namespace deadline::api {

inline constexpr std::size_t kMaxTextFilters = 10;  // keywords, authorities: values per endpoint

// POST /api/v1/subscriptions: {"email", "programmes", "groups", "categories", "keyword",
// "leads"}. "email" is required; absent lists choose nothing (every programme); absent "leads"
// are the form's default ticks (web::default_leads). The form then passes
// validate_subscribe_form, and store::SubscribeRequest{form.email, web::filters_of(form), form.leads}
// is what POST /subscribe would store.
std::variant<web::SubscribeForm, ApiError> subscribe_request(const nlohmann::json& body, const Calendar& calendar,
                                                             const std::vector<Lead>& menu);

// The "filters" member of `body`: {"programmes", "groups", "categories", "authorities", "roles",
// "keywords"}, every member optional (absent: that field does not filter). Programmes, groups
// and categories must be the calendar's (and programmes must lie in the groups and categories
// chosen, as on the form); keywords and authorities are texts with the form's keyword rules
// (at most kMaxTextFilters of each); roles are 企业, 推荐单位 or 主管部门. nullopt when absent.
std::variant<std::optional<EndpointFilters>, ApiError> filters_member(const nlohmann::json& body,
                                                                             const Calendar& calendar);

// The "leads" member of `body`: at least one, each on the operator's menu. nullopt when absent.
std::variant<std::optional<std::vector<std::string>>, ApiError> leads_member(const nlohmann::json& body,
                                                                              const std::vector<Lead>& menu);

// The string member `name` of `body`, trimmed; nullopt when absent or null; an error when it is
// not a string.
std::variant<std::optional<std::string>, ApiError> string_member(const nlohmann::json& body, const std::string& name);

// 400 unknown_field for the first member of `body` not in `allowed` ("" names none).
std::optional<ApiError> unknown_member(const nlohmann::json& body, const std::vector<std::string>& allowed,
                                       const std::string& prefix = "");

// An endpoint's filters as the API shows them: every field, as arrays.
nlohmann::json filters_json(const EndpointFilters& filters);

}  // namespace deadline::api
