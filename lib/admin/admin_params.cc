#include "admin/admin_params.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "calendar/checks.h"

namespace deadline::admin {

namespace {

using http::ParamError;

ParamError invalid(const std::string& field, std::string message) {
  return {"invalid_parameter", field, std::move(message)};
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string quoted(std::string_view text) {
  // Echo at most 64 bytes of what was sent.
  return "'" + std::string(text.substr(0, 64)) + (text.size() > 64 ? "...'" : "'");
}

std::variant<int, ParamError> parse_limit(std::string_view text) {
  const auto error = invalid("limit", "limit must be a whole number from 1 to " + std::to_string(kMaxListLimit) +
                                          ", not " + quoted(text));
  if (!all_digits(text) || text.size() > 4) return error;
  int limit = 0;
  std::from_chars(text.data(), text.data() + text.size(), limit);
  if (limit < 1 || limit > kMaxListLimit) return error;
  return limit;
}

// One of `names`' states; the error lists them all.
template <class Enum, std::size_t N>
std::variant<std::optional<Enum>, ParamError> parse_state(std::string_view text, const StateNames<Enum, N>& names) {
  if (const auto state = names.parse(text)) return std::optional<Enum>(*state);
  std::string choices;
  for (const std::string_view s : names.names()) choices += (choices.empty() ? "" : ", ") + std::string(s);
  return invalid("state", "state must be one of " + choices + ", not " + quoted(text));
}

// Calls `on(param)` for each parameter, refusing repeats and names not in `known`.
template <class On>
std::optional<ParamError> each_param(std::string_view query, std::initializer_list<std::string_view> known, On on) {
  auto parsed = http::parse_query(query);
  if (auto* error = std::get_if<ParamError>(&parsed)) return std::move(*error);
  std::vector<std::string> seen;
  for (const http::QueryParam& p : std::get<std::vector<http::QueryParam>>(parsed)) {
    if (std::find(known.begin(), known.end(), p.name) == known.end()) {
      std::string expected;
      for (const std::string_view k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
      const std::string takes = expected.empty() ? " (this route takes none)" : " (expected " + expected + ")";
      return ParamError{"unknown_parameter", p.name, "unknown parameter '" + p.name + "'" + takes};
    }
    if (std::find(seen.begin(), seen.end(), p.name) != seen.end()) {
      return invalid(p.name, p.name + " is given more than once");
    }
    seen.push_back(p.name);
    if (auto error = on(p)) return error;
  }
  return std::nullopt;
}

// Stores a parsed value or returns its error.
template <class T, class Target>
std::optional<ParamError> assign(std::variant<T, ParamError> parsed, Target& target) {
  if (auto* error = std::get_if<ParamError>(&parsed)) return std::move(*error);
  target = std::move(std::get<T>(parsed));
  return std::nullopt;
}

std::variant<std::int64_t, ParamError> parse_after(std::string_view text) {
  if (text == "0") return std::int64_t{0};  // the start, as well as leaving it out
  return parse_record_id(text, "after");
}

}  // namespace

std::variant<std::int64_t, ParamError> parse_record_id(std::string_view text, const std::string& field) {
  const auto error =
      invalid(field, field + " must be a whole number from 1 to 9223372036854775807, not " + quoted(text));
  if (!all_digits(text) || text.front() == '0' || text.size() > 19) return error;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return error;
  return id;
}

std::variant<std::string, ParamError> parse_message_id(std::string_view text) {
  const bool hex = text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
  if (!hex) return invalid("id", "a message id is 32 lower-case hex digits, not " + quoted(text));
  return std::string(text);
}

std::variant<SubscriberQuery, ParamError> parse_subscriber_query(std::string_view query) {
  SubscriberQuery q;
  const auto read = [&](const http::QueryParam& p) -> std::optional<ParamError> {
    if (p.name == "email") {
      if (p.value.empty()) return invalid("email", "email must not be empty (leave it out to match every address)");
      if (p.value.size() > 254) return invalid("email", "email is longer than an address can be (254 bytes)");
      q.email = p.value;
      return std::nullopt;
    }
    if (p.name == "state") return assign(parse_state(p.value, kSubscriberStates), q.state);
    if (p.name == "after") return assign(parse_after(p.value), q.after);
    return assign(parse_limit(p.value), q.limit);
  };
  if (const auto error = each_param(query, {"email", "state", "after", "limit"}, read)) return *error;
  return q;
}

std::variant<EndpointQuery, ParamError> parse_endpoint_query(std::string_view query) {
  EndpointQuery q;
  const auto read = [&](const http::QueryParam& p) -> std::optional<ParamError> {
    if (p.name == "subscriber") {
      std::int64_t id = 0;
      if (auto e = assign(parse_record_id(p.value, "subscriber"), id)) return e;
      q.subscriber = id;
      return std::nullopt;
    }
    if (p.name == "state") {
      return assign(parse_state(p.value, kEndpointStates), q.state);
    }
    if (p.name == "after") return assign(parse_after(p.value), q.after);
    return assign(parse_limit(p.value), q.limit);
  };
  if (const auto error = each_param(query, {"subscriber", "state", "after", "limit"}, read)) return *error;
  return q;
}

std::variant<MessageQuery, ParamError> parse_message_query(std::string_view query) {
  MessageQuery q;
  const auto read = [&](const http::QueryParam& p) -> std::optional<ParamError> {
    if (p.name == "state") {
      return assign(parse_state(p.value, kMessageStates), q.state);
    }
    return assign(parse_limit(p.value), q.limit);
  };
  if (const auto error = each_param(query, {"state", "limit"}, read)) return *error;
  return q;
}

std::optional<ParamError> refuse_parameters(std::string_view query) {
  return each_param(query, {}, [](const http::QueryParam&) -> std::optional<ParamError> { return std::nullopt; });
}

namespace {

// {"reason": "..."}: the reason, or why not. `why` completes "a non-empty string saying ...".
std::variant<std::string, ParamError> reason_in(std::string_view body, bool required, const char* why) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return ParamError{"invalid_body", "", "the body must be a JSON object such as {\"reason\": \"...\"}"};
  }
  const auto reason = parsed.find("reason");
  if (!required && reason == parsed.end()) return std::string();
  if (reason == parsed.end() || !reason->is_string() || reason->get_ref<const std::string&>().empty()) {
    return invalid("reason", std::string(required ? "reason is required: " : "reason must be ") +
                                 "a non-empty string saying " + why);
  }
  const std::string& text = reason->get_ref<const std::string&>();
  if (text.size() > kMaxReasonBytes) {
    return invalid("reason", "reason is longer than " + std::to_string(kMaxReasonBytes) + " bytes");
  }
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return invalid("reason", "reason must not hold control characters (it is one line in logs and notices)");
  }
  return text;
}

}  // namespace

std::variant<std::string, ParamError> parse_disable_body(std::string_view body) {
  return reason_in(body, true, "why the endpoint is disabled");
}

std::variant<std::string, ParamError> parse_reload_body(std::string_view body) {
  if (body.empty()) return std::string();
  return reason_in(body, false, "why the calendar is reloaded");
}

std::variant<RevisionQuery, ParamError> parse_revision_query(std::string_view query) {
  RevisionQuery q;
  const auto read = [&](const http::QueryParam& p) -> std::optional<ParamError> {
    if (p.name == "programme") {
      if (!is_valid_id(p.value)) return invalid("programme", "programme is a programme id (a-z, 0-9, -), not " + quoted(std::string_view(p.value)));
      q.programme = p.value;
      return std::nullopt;
    }
    return assign(parse_limit(p.value), q.limit);
  };
  if (const auto error = each_param(query, {"programme", "limit"}, read)) return *error;
  return q;
}

}  // namespace deadline::admin
