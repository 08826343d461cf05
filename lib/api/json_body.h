#pragma once
// Request bodies of the JSON API (POST and PUT): the Content-Type they must carry, parsing with
// a nesting limit, and the one error shape every refusal takes (docs/http-api.md, "Errors").

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/message.h"
#include "http/response.h"

namespace deadline::api {

// One refusal: {"error":{"code","field" (null when empty),"message"}} with `status`.
struct ApiError {
  http::Status status = http::Status::bad_request;
  std::string code;     // stable: invalid_field, unknown_field, invalid_json, ...
  std::string field;    // the member at fault ("email", "filters.programmes"); "" for none
  std::string message;  // for people
};

http::Response error_reply(const ApiError& error, const http::ReplyTo& to);

// 415 unsupported_media_type unless Content-Type is application/json; 400 unsupported_charset
// when it names a charset other than UTF-8 (none, or charset=utf-8, is fine).
std::optional<ApiError> require_json_content_type(std::string_view content_type);

inline constexpr int kMaxJsonDepth = 8;

// The body as a JSON object: 400 invalid_json when it is not JSON (or not UTF-8), is nested
// deeper than kMaxJsonDepth, is not an object, or gives a member twice in one object (`field`
// names it).
std::variant<nlohmann::json, ApiError> parse_json_object(std::string_view body);

}  // namespace deadline::api
