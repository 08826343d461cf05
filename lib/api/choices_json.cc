#include "api/choices_json.h"

#include <algorithm>

namespace deadline::api {

namespace {

using nlohmann::json;

ApiError invalid(std::string field, std::string message) {
  return {http::Status::bad_request, "invalid_field", std::move(field), std::move(message)};
}


const json* member(const json& body, const std::string& name) {
  const auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

// An array of non-empty strings, trimmed, each once, in order. nullopt when absent.
std::variant<std::optional<std::vector<std::string>>, ApiError> string_list(const json& body, const std::string& name,
                                                                             const std::string& field) {
  const json* value = member(body, name);
  if (!value) return std::optional<std::vector<std::string>>{};
  if (!value->is_array()) return invalid(field, field + " must be an array of strings");
  std::vector<std::string> out;
  for (const json& item : *value) {
    if (!item.is_string()) return invalid(field, field + " must be an array of strings");
    std::string text = web::trim_form_text(item.get<std::string>());
    if (text.empty()) return invalid(field, field + " has an empty value");
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

// The form's message for one of its fields, if it has one.
std::optional<ApiError> form_error(const web::FormErrors& errors, const char* form_field, const std::string& field) {
  const auto it = errors.find(form_field);
  if (it == errors.end()) return std::nullopt;
  return invalid(field, it->second);
}

// The form's keyword rules, for one keyword or authority text.
std::optional<ApiError> text_problem(const std::string& text, const Calendar& calendar, const std::vector<Lead>& menu,
                                     const std::string& field) {
  web::SubscribeForm form;
  form.keyword = text;
  return form_error(web::validate_subscribe_form(form, calendar, menu), "keyword", field);
}

}  // namespace

std::variant<std::optional<std::string>, ApiError> string_member(const json& body, const std::string& name) {
  const json* value = member(body, name);
  if (!value) return std::optional<std::string>{};
  if (!value->is_string()) return invalid(name, name + " must be a string");
  return std::optional<std::string>{web::trim_form_text(value->get<std::string>())};
}

std::optional<ApiError> unknown_member(const json& body, const std::vector<std::string>& allowed, const std::string& prefix) {
  for (const auto& [name, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string expected;
      for (const std::string& a : allowed) expected += (expected.empty() ? "" : ", ") + a;
      return ApiError{http::Status::bad_request, "unknown_field", prefix + name,
                      "unknown member '" + prefix + name + "' (expected " + expected + ")"};
    }
  }
  return std::nullopt;
}

std::variant<web::SubscribeForm, ApiError> subscribe_request(const json& body, const Calendar& calendar,
                                                             const std::vector<Lead>& menu) {
  if (auto unknown = unknown_member(body, {"email", "programmes", "groups", "categories", "keyword", "leads"})) {
    return *unknown;
  }
  web::SubscribeForm form;
  for (const char* name : {"email", "keyword"}) {
    auto value = string_member(body, name);
    if (auto* error = std::get_if<ApiError>(&value)) return *error;
    (std::string(name) == "email" ? form.email : form.keyword) = std::get<std::optional<std::string>>(value).value_or("");
  }
  const std::pair<const char*, std::vector<std::string>*> lists[] = {
      {"programmes", &form.programmes}, {"groups", &form.groups}, {"categories", &form.categories}, {"leads", &form.leads}};
  bool leads_given = false;
  for (const auto& [name, target] : lists) {
    auto values = string_list(body, name, name);
    if (auto* error = std::get_if<ApiError>(&values)) return *error;
    auto& got = std::get<std::optional<std::vector<std::string>>>(values);
    if (got) *target = std::move(*got);
    if (std::string(name) == "leads") leads_given = got.has_value();
  }
  if (!leads_given) form.leads = web::default_leads(menu);
  const web::FormErrors errors = web::validate_subscribe_form(form, calendar, menu);
  const std::pair<const char*, const char*> order[] = {{"email", "email"},           {"programme", "programmes"},
                                                       {"group", "groups"},          {"category", "categories"},
                                                       {"keyword", "keyword"},       {"lead", "leads"}};
  for (const auto& [form_field, field] : order) {
    if (auto error = form_error(errors, form_field, field)) return *error;
  }
  return form;
}

std::variant<std::optional<EndpointFilters>, ApiError> filters_member(const json& body, const Calendar& calendar) {
  const json* filters = member(body, "filters");
  if (!filters) return std::optional<EndpointFilters>{};
  if (!filters->is_object()) return invalid("filters", "filters must be an object");
  if (auto unknown = unknown_member(*filters, {"programmes", "groups", "categories", "authorities", "roles", "keywords"},
                                    "filters.")) {
    return *unknown;
  }
  EndpointFilters out;
  const std::pair<const char*, std::vector<std::string>*> lists[] = {
      {"programmes", &out.programmes}, {"groups", &out.groups},   {"categories", &out.categories},
      {"authorities", &out.authorities}, {"roles", &out.roles}, {"keywords", &out.keywords}};
  for (const auto& [name, target] : lists) {
    auto values = string_list(*filters, name, std::string("filters.") + name);
    if (auto* error = std::get_if<ApiError>(&values)) return *error;
    if (auto& got = std::get<std::optional<std::vector<std::string>>>(values)) *target = std::move(*got);
  }
  // Programmes, groups and categories: the form's checks (known to the calendar, not disjoint).
  web::SubscribeForm form;
  form.programmes = out.programmes;
  form.groups = out.groups;
  form.categories = out.categories;
  const web::FormErrors errors = web::validate_subscribe_form(form, calendar, {});
  for (const auto& [form_field, field] : {std::pair{"programme", "filters.programmes"}, std::pair{"group", "filters.groups"},
                                          std::pair{"category", "filters.categories"}}) {
    if (auto error = form_error(errors, form_field, field)) return *error;
  }
  for (const auto& [values, field] : {std::pair{&out.authorities, "filters.authorities"}, std::pair{&out.keywords, "filters.keywords"}}) {
    if (values->size() > kMaxTextFilters) {
      return invalid(field, std::string(field) + " takes at most " + std::to_string(kMaxTextFilters) + " values");
    }
    for (const std::string& text : *values) {
      if (auto error = text_problem(text, calendar, {}, field)) return *error;
    }
  }
  for (const std::string& role : out.roles) {
    if (!parse_role(role)) return invalid("filters.roles", "filters.roles: '" + role + "' is not 企业, 推荐单位 or 主管部门");
  }
  return std::optional<EndpointFilters>{std::move(out)};
}

std::variant<std::optional<std::vector<std::string>>, ApiError> leads_member(const json& body, const std::vector<Lead>& menu) {
  auto values = string_list(body, "leads", "leads");
  if (auto* error = std::get_if<ApiError>(&values)) return *error;
  auto& got = std::get<std::optional<std::vector<std::string>>>(values);
  if (!got) return got;
  static const Calendar no_calendar;  // the lead check needs none
  web::SubscribeForm form;
  form.leads = *got;
  if (auto error = form_error(web::validate_subscribe_form(form, no_calendar, menu), "lead", "leads")) {
    return *error;
  }
  return got;
}

json filters_json(const EndpointFilters& filters) {
  return {{"programmes", filters.programmes}, {"groups", filters.groups},   {"categories", filters.categories},
          {"authorities", filters.authorities}, {"roles", filters.roles}, {"keywords", filters.keywords}};
}

}  // namespace deadline::api
