#include "api/json_body.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

namespace deadline::api {

namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The deepest nesting of arrays and objects, counted outside strings. Run before parsing, so a
// body of 64 KiB of '[' costs a scan, not a deep tree.
int nesting_depth(std::string_view body) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

http::Response error_reply(const ApiError& error, const http::ReplyTo& to) {
  http::Response res = http::error_response(error.status, error.code, error.field, error.message, to);
  res.set(http::Field::cache_control, "no-store");
  return res;
}

// The charset parameter's value, lower-cased and unquoted; "" when there is none.
std::string charset_of(std::string_view content_type) {
  for (std::size_t at = content_type.find(';'); at != std::string_view::npos; at = content_type.find(';', at + 1)) {
    std::string_view parameter = trimmed(content_type.substr(at + 1, content_type.find(';', at + 1) - at - 1));
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos || lowered(trimmed(parameter.substr(0, equals))) != "charset") continue;
    std::string_view value = trimmed(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return lowered(value);
  }
  return "";
}

std::optional<ApiError> require_json_content_type(std::string_view content_type) {
  const std::string media = lowered(trimmed(content_type.substr(0, content_type.find(';'))));
  if (media == "application/json") {
    // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be read wrongly.
    const std::string charset = charset_of(content_type);
    if (charset.empty() || charset == "utf-8" || charset == "utf8") return std::nullopt;
    return ApiError{http::Status::bad_request, "unsupported_charset", "",
                    "the body must be UTF-8 (charset=utf-8), not charset=" + charset};
  }
  return ApiError{http::Status::unsupported_media_type, "unsupported_media_type", "",
                  content_type.empty() ? "send the body as Content-Type: application/json"
                                       : "the body must be application/json, not '" + std::string(content_type) + "'"};
}

std::variant<nlohmann::json, ApiError> parse_json_object(std::string_view body) {
  const auto invalid = [](std::string message) { return ApiError{http::Status::bad_request, "invalid_json", "", std::move(message)}; };
  if (nesting_depth(body) > kMaxJsonDepth) {
    return invalid("the body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  // nlohmann's parser stops at a NUL byte as at the end of the input, so "{}\0anything" would
  // pass as {}; a NUL is never part of JSON text (in a string it must be written \u0000).
  if (body.find('\0') != std::string_view::npos) return invalid("the body is not JSON (UTF-8)");
  // A member given twice is refused, not resolved: with "last one wins" {"email":"a@…",
  // "email":"b@…"} would mail b while a log or proxy that reads the first saw a.
  std::vector<std::set<std::string>> open_objects;
  std::string repeated;
  const nlohmann::json::parser_callback_t watch = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) open_objects.emplace_back();
    if (event == E::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == E::key && !open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second &&
        repeated.empty()) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json parsed = nlohmann::json::parse(body, watch, false);
  if (parsed.is_discarded()) return invalid("the body is not JSON (UTF-8)");
  if (!repeated.empty()) {
    return ApiError{http::Status::bad_request, "invalid_json", repeated,
                    "the member '" + repeated + "' is given more than once"};
  }
  if (!parsed.is_object()) return invalid("the body must be a JSON object");
  return parsed;
}

}  // namespace deadline::api
