#include "http/query.h"

#include "base/hex.h"

namespace deadline::http {

namespace {

int hex_value(char c) { return hex_digit_value(c); }

}  // namespace

Target split_target(std::string_view target) {
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return {target, {}};
  return {target.substr(0, mark), target.substr(mark + 1)};
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return Result<std::string>::failure("'" + std::string(text.substr(i, 3)) +
                                            "' is not a percent-escape (% and two hex digits)");
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return Result<std::string>::success(std::move(out));
}

std::variant<std::vector<QueryParam>, ParamError> parse_query(std::string_view query) {
  std::vector<QueryParam> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    const std::string_view raw_name = piece.substr(0, eq);
    const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    Result<std::string> name = percent_decode(raw_name, true);
    if (!name) return ParamError{"invalid_parameter", std::string(raw_name), name.error()};
    Result<std::string> value = percent_decode(raw_value, true);
    if (!value) return ParamError{"invalid_parameter", *name, *name + ": " + value.error()};
    params.push_back({std::move(name).value(), std::move(value).value()});
  }
  return params;
}

}  // namespace deadline::http
