#pragma once
// Request targets: the path and the query string, percent-decoded. The query follows HTML form
// rules ('+' is a space), so an offset like +08:00 must be sent as %2B08:00.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace deadline::http {

struct Target {
  std::string_view path;   // still percent-encoded
  std::string_view query;  // without the '?'; empty when there is none
};

Target split_target(std::string_view target);

// Fails on a '%' not followed by two hex digits, saying which escape is wrong.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

// A request parameter that cannot be used; the router turns it into a 400.
struct ParamError {
  std::string code;   // "invalid_parameter" or "unknown_parameter"
  std::string field;  // the parameter's name as decoded (as sent, if the name itself is bad)
  std::string message;
};

struct QueryParam {
  std::string name;
  std::string value;  // "" for a bare "name" without '='
};

// "a=1&b=2" in order, decoded; empty pieces ("a=1&&b=2") are skipped.
std::variant<std::vector<QueryParam>, ParamError> parse_query(std::string_view query);

}  // namespace deadline::http
