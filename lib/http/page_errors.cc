#include "http/page_errors.h"

#include "http/response.h"

namespace deadline::http {

bool wants_error_page(std::string_view target, std::string_view accept) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool api = path.starts_with("/api/") || path.starts_with("/admin/") || path == "/api" || path == "/admin" ||
                   path == "/healthz" || path == "/metrics";
  if (!api) return true;
  return accept.starts_with("text/html");
}

std::string_view request_line_target(std::string_view received) {
  const std::string_view line = received.substr(0, received.find_first_of("\r\n"));
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return {};
  const std::string_view rest = line.substr(space + 1);
  return rest.substr(0, rest.find(' '));
}

Response as_error_page(const Response& json_error, std::string html, bool head) {
  Response page = html_response(json_error.result(), std::move(html), ReplyTo{json_error.version(), json_error.keep_alive(), head});
  for (const Field field : {Field::allow, Field::retry_after}) {
    if (const auto it = json_error.find(field); it != json_error.end()) page.set(field, it->value());
  }
  return page;
}

}  // namespace deadline::http
