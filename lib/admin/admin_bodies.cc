#include "admin/admin_bodies.h"

#include "api/choices_json.h"
#include "delivery/new_endpoint_check.h"
#include "subscription/email_address.h"

namespace deadline::admin {

namespace {

api::ApiError invalid(std::string field, std::string message) {
  return {http::Status::bad_request, "invalid_field", std::move(field), std::move(message)};
}

}  // namespace

std::variant<NewSubscriberBody, api::ApiError> parse_new_subscriber(std::string_view body) {
  auto parsed = api::parse_json_object(body);
  if (auto* e = std::get_if<api::ApiError>(&parsed)) return *e;
  const nlohmann::json& json = std::get<nlohmann::json>(parsed);
  if (auto e = api::unknown_member(json, {"email", "state"})) return *e;
  NewSubscriberBody out;
  auto email = api::string_member(json, "email");
  if (auto* e = std::get_if<api::ApiError>(&email)) return *e;
  const auto& value = std::get<std::optional<std::string>>(email);
  if (!value) return invalid("email", "email is required");
  if (const std::string problem = email_address_problem(*value); !problem.empty()) return invalid("email", problem);
  out.email = *value;
  auto state = api::string_member(json, "state");
  if (auto* e = std::get_if<api::ApiError>(&state)) return *e;
  if (const auto& s = std::get<std::optional<std::string>>(state)) {
    const auto parsed_state = parse_subscriber_state(*s);
    if (parsed_state != SubscriberState::active && parsed_state != SubscriberState::pending) {
      return invalid("state", "state is active or pending");
    }
    out.state = *parsed_state;
  }
  return out;
}

std::variant<store::NewEndpoint, api::ApiError> parse_new_endpoint(std::string_view body, const Calendar& calendar,
                                                                  const std::vector<Lead>& menu) {
  auto parsed = api::parse_json_object(body);
  if (auto* e = std::get_if<api::ApiError>(&parsed)) return *e;
  const nlohmann::json& json = std::get<nlohmann::json>(parsed);
  if (auto e = api::unknown_member(json, {"subscriber", "kind", "address", "secret", "filters", "leads"})) return *e;
  store::NewEndpoint out;
  const auto subscriber = json.find("subscriber");
  if (subscriber == json.end() || !subscriber->is_number_integer() || subscriber->get<std::int64_t>() <= 0) {
    return invalid("subscriber", "subscriber is required: a subscriber id");
  }
  out.subscriber_id = subscriber->get<std::int64_t>();
  for (const char* name : {"kind", "address", "secret"}) {
    auto value = api::string_member(json, name);
    if (auto* e = std::get_if<api::ApiError>(&value)) return *e;
    const auto& text = std::get<std::optional<std::string>>(value);
    if (std::string_view(name) == "kind") {
      const auto kind = text ? parse_endpoint_kind(*text) : std::nullopt;
      if (!kind) return invalid("kind", "kind is email, webhook, wecom, dingtalk or feishu");
      out.kind = *kind;
    } else if (std::string_view(name) == "address") {
      if (!text) return invalid("address", "address is required: an email address or a URL");
      out.address = *text;
    } else if (text) {
      out.secret = *text;
    }
  }
  auto filters = api::filters_member(json, calendar);
  if (auto* e = std::get_if<api::ApiError>(&filters)) return *e;
  if (const auto& f = std::get<std::optional<EndpointFilters>>(filters)) out.filters = *f;
  auto leads = api::leads_member(json, menu);
  if (auto* e = std::get_if<api::ApiError>(&leads)) return *e;
  if (const auto& l = std::get<std::optional<std::vector<std::string>>>(leads)) out.leads = *l;
  const delivery::NewEndpointProblem problem = delivery::new_endpoint_problem(out, calendar);
  if (!problem.message.empty()) return invalid(problem.field, problem.message);
  return out;
}

}  // namespace deadline::admin
