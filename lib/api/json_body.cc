#include "api/json_body.h"

#include <algorithm>
#include <cctype>

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

std::optional<ApiError> require_json_content_type(std::string_view content_type) {
  const std::string media = lowered(trimmed(content_type.substr(0, content_type.find(';'))));
  if (media == "application/json") return std::nullopt;
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
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return invalid("the body is not JSON (UTF-8)");
  if (!parsed.is_object()) return invalid("the body must be a JSON object");
  return parsed;
}

}  // namespace deadline::api
